import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError, parseOrThrow } from '../common/index.ts';
import type { Finding, Severity } from '../reports/index.ts';
import { severities } from '../reports/index.ts';

/**
 * A suppression file, like ZAP's baseline rules file: per rule id, IGNORE
 * (accepted, not reported as a failure), WARN (reported, never fails the
 * gate) or FAIL (always fails the gate, whatever its severity), each with a
 * reason. Two formats are accepted:
 *   - ZAP's tab-separated rules file: `10038\tIGNORE\t(reason)` (ZAP ids map to `zap-10038`);
 *   - YAML/JSON: `rules: [{ ruleId, action, reason, endpoint? }]` (endpoint: the finding's endpoint, e.g. `POST /v1/posts`).
 */
export const suppressionRuleSchema = z.object({
  ruleId: z.string().min(1),
  action: z.enum(['IGNORE', 'WARN', 'FAIL']),
  reason: z.string().min(1, 'a reason is required: say why the finding is accepted'),
  endpoint: z.string().optional(),
});
export type SuppressionRule = z.infer<typeof suppressionRuleSchema>;
const fileSchema = z.object({ rules: z.array(suppressionRuleSchema) });

export function parseSuppressions(text: string, source = 'suppression file'): SuppressionRule[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const looksTsv = trimmed.split('\n').every((l) => l.trim() === '' || l.startsWith('#') || l.includes('\t'));
  if (looksTsv) {
    const rules: SuppressionRule[] = [];
    trimmed.split('\n').forEach((line, i) => {
      if (line.trim() === '' || line.startsWith('#')) return;
      const [id = '', action = '', ...rest] = line.split('\t').map((s) => s.trim());
      if (!['IGNORE', 'WARN', 'FAIL'].includes(action)) {
        throw new InputError(
          'RAMPART_SUPPRESSIONS_INVALID',
          `${source} line ${i + 1}: action must be IGNORE, WARN or FAIL, got "${action}"`,
          {
            hint: 'each line is: <rule id><TAB>IGNORE|WARN|FAIL<TAB>(reason)',
          },
        );
      }
      const reason = rest
        .join(' ')
        .replace(/^\((.*)\)$/, '$1')
        .trim();
      rules.push({
        ruleId: /^\d+$/.test(id) ? `zap-${id}` : id,
        action: action as SuppressionRule['action'],
        reason: reason || 'no reason given',
      });
    });
    return rules;
  }
  let value: unknown;
  try {
    value = parseYaml(text) as unknown;
  } catch (err) {
    throw new InputError('RAMPART_SUPPRESSIONS_INVALID', `${source} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  return parseOrThrow(fileSchema, value, {
    code: 'RAMPART_SUPPRESSIONS_INVALID',
    what: source,
    hint: 'see docs/security.md, "Suppressions"',
  }).rules;
}

export async function loadSuppressions(file: string): Promise<SuppressionRule[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError('RAMPART_SUPPRESSIONS_UNREADABLE', `cannot read the suppressions file ${file}`, {
      cause: err,
      hint: 'check the path',
    });
  }
  return parseSuppressions(text, `suppressions file ${file}`);
}

export function applySuppressions(findings: Finding[], rules: SuppressionRule[]): Finding[] {
  return findings.map((f) => {
    const rule = rules.find(
      (r) =>
        r.ruleId === f.ruleId &&
        (r.endpoint === undefined || f.endpoint === r.endpoint || f.endpoint.startsWith(`${r.endpoint} `)),
    );
    return rule ? { ...f, suppressed: { action: rule.action, reason: rule.reason } } : f;
  });
}

/**
 * The findings that fail a gate: unsuppressed ones at or above `minSeverity`
 * (medium by default: "zero high or medium findings"), plus every FAIL rule.
 */
export function failingFindings(findings: Finding[], minSeverity: Severity = 'medium'): Finding[] {
  const floor = severities.indexOf(minSeverity);
  return findings.filter((f) => {
    if (f.suppressed?.action === 'FAIL') return true;
    if (f.suppressed) return false;
    return severities.indexOf(f.severity) >= floor;
  });
}
