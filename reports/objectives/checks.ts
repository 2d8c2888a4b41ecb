import type { RunRecord, Severity, Verdict } from '../run-record.ts';
import { severities } from '../run-record.ts';
import type { Objective } from '../slo-spec.ts';
import type { ThresholdResult } from '../run-record.ts';
import { missingEvidence, overallOutcome, verdictFor } from './verdict.ts';

const thresholdOutcome = (t: ThresholdResult) => t.outcome ?? (t.ok ? 'pass' : 'fail');
const thresholdName = (t: ThresholdResult) =>
  `${t.scenario}: ${t.metric}${t.filter ? `{${t.filter}}` : ''} ${t.expression}`;

type Of<K extends Objective['kind']> = Extract<Objective, { kind: K }>;

/** The rate-limit scenario's thresholds all hold and none of its checks failed. */
export function evaluateRateLimit(record: RunRecord, o: Of<'rate-limit'>): Verdict {
  const target = 'all thresholds ok, 0 failed checks';
  const evidence = `thresholds[scenario=${o.scenario}] + samples[scenario=${o.scenario}].checks`;
  const thresholds = record.thresholds.filter((t) => t.scenario === o.scenario);
  const samples = record.samples.filter((s) => s.scenario === o.scenario);
  if (thresholds.length === 0 && samples.length === 0)
    return missingEvidence(o, target, evidence, `scenario ${o.scenario} did not run`);
  const failedThresholds = thresholds.filter((t) => thresholdOutcome(t) === 'fail');
  const unsure = thresholds.filter((t) => thresholdOutcome(t) === 'inconclusive');
  const passed = samples.reduce((a, s) => a + s.checks.passed, 0);
  const failed = samples.reduce((a, s) => a + s.checks.failed, 0);
  const notes = [
    ...failedThresholds.map(
      (t) => `threshold ${t.metric}${t.filter ? `{${t.filter}}` : ''} ${t.expression} failed (value ${t.value})`,
    ),
    ...unsure.map(
      (t) =>
        `threshold ${t.metric}${t.filter ? `{${t.filter}}` : ''} ${t.expression} inconclusive: ${t.reason ?? 'no data'}`,
    ),
  ];
  if (passed + failed === 0 && thresholds.length === 0)
    return missingEvidence(o, target, evidence, `scenario ${o.scenario} recorded no checks and no thresholds`);
  const outcome =
    failedThresholds.length > 0 || failed > 0
      ? ('fail' as const)
      : unsure.length > 0
        ? ('inconclusive' as const)
        : ('pass' as const);
  return verdictFor(o, {
    target,
    evidence,
    notes,
    outcome,
    ...(outcome === 'inconclusive'
      ? {
          reason: `${unsure.length} threshold(s) had no valid data: ${unsure.map((t) => t.reason ?? thresholdName(t)).join('; ')}`,
        }
      : {}),
    measured: `${thresholds.length - failedThresholds.length - unsure.length}/${thresholds.length} thresholds ok, ${failed}/${passed + failed} checks failed`,
    value: failed + failedThresholds.length,
  });
}

/** Evidence that a scan ran: a scan part, a security phase event, or findings. */
function scanRan(record: RunRecord): boolean {
  return (
    record.parts.some((p) => p.kind === 'scan' && p.status === 'ran') ||
    record.events.some((e) => e.type === 'phase.ended' && /scan|security/i.test(`${e.id ?? ''} ${e.label}`)) ||
    record.findings.length > 0
  );
}

/** The findings under the bar, named ("of 1" alone leaves the reader asking which one). */
function belowText(below: RunRecord['findings']): string {
  if (below.length === 0) return '';
  const named = below
    .slice(0, 3)
    .map((f) => `${f.severity} ${f.ruleId} ${f.endpoint}`)
    .join('; ');
  return `: ${below.length === 1 ? 'the other is' : 'the others are'} ${named}${below.length > 3 ? `; and ${below.length - 3} more` : ''}`;
}

/** No finding at or above minSeverity unless a suppression file accepted it (IGNORE/WARN; FAIL still counts). */
export function evaluateSecurity(record: RunRecord, o: Of<'security'>): Verdict {
  const target = `0 unsuppressed findings ≥ ${o.minSeverity}`;
  const evidence = `findings[severity≥${o.minSeverity}, not suppressed]`;
  if (!scanRan(record)) return missingEvidence(o, target, evidence, 'no security scan ran');
  const rank = (s: Severity) => severities.indexOf(s);
  const counted = record.findings.filter(
    (f) => rank(f.severity) >= rank(o.minSeverity) && (!f.suppressed || f.suppressed.action === 'FAIL'),
  );
  const suppressed = record.findings.filter(
    (f) => rank(f.severity) >= rank(o.minSeverity) && f.suppressed && f.suppressed.action !== 'FAIL',
  );
  return verdictFor(o, {
    target,
    evidence,
    measured: `${counted.length} findings ≥ ${o.minSeverity}${suppressed.length ? ` (${suppressed.length} suppressed)` : ''} of ${record.findings.length}${belowText(record.findings.filter((f) => !counted.includes(f) && !suppressed.includes(f)))}`,
    value: counted.length,
    pass: counted.length === 0,
    notes: counted.slice(0, 10).map((f) => `${f.severity} ${f.ruleId} ${f.endpoint}: ${f.title}`),
  });
}

export function evaluateThresholds(record: RunRecord, o: Of<'threshold'>): Verdict {
  const target = 'all thresholds ok';
  const evidence = `thresholds[${o.scenario ? `scenario=${o.scenario}` : '*'}]`;
  const list = record.thresholds.filter((t) => o.scenario === undefined || t.scenario === o.scenario);
  if (list.length === 0)
    return missingEvidence(
      o,
      target,
      evidence,
      'no thresholds were evaluated',
      undefined,
      'run the scenario with its thresholds',
    );
  const failed = list.filter((t) => thresholdOutcome(t) === 'fail');
  const unsure = list.filter((t) => thresholdOutcome(t) === 'inconclusive');
  const outcome = overallOutcome(list.map(thresholdOutcome));
  return verdictFor(o, {
    target,
    evidence,
    outcome,
    ...(outcome === 'inconclusive'
      ? { reason: unsure.map((t) => `${thresholdName(t)}: ${t.reason ?? 'no data'}`).join('; ') }
      : {}),
    measured: `${list.length - failed.length - unsure.length}/${list.length} ok${unsure.length ? `, ${unsure.length} inconclusive` : ''}`,
    value: failed.length,
    notes: [
      ...failed.map((t) => `${thresholdName(t)} (value ${t.value})`),
      ...unsure.map((t) => `inconclusive: ${thresholdName(t)}: ${t.reason ?? 'no data'}`),
    ],
  });
}
