import type { RunRecord, Severity, Verdict } from '../run-record.ts';
import { severities } from '../run-record.ts';
import type { Objective } from '../slo-spec.ts';
import { missingEvidence, verdictFor } from './verdict.ts';

type Of<K extends Objective['kind']> = Extract<Objective, { kind: K }>;

/** The rate-limit scenario's thresholds all hold and none of its checks failed. */
export function evaluateRateLimit(record: RunRecord, o: Of<'rate-limit'>): Verdict {
  const target = 'all thresholds ok, 0 failed checks';
  const evidence = `thresholds[scenario=${o.scenario}] + samples[scenario=${o.scenario}].checks`;
  const thresholds = record.thresholds.filter((t) => t.scenario === o.scenario);
  const samples = record.samples.filter((s) => s.scenario === o.scenario);
  if (thresholds.length === 0 && samples.length === 0) return missingEvidence(o, target, evidence, `scenario ${o.scenario} did not run`);
  const failedThresholds = thresholds.filter((t) => !t.ok);
  const passed = samples.reduce((a, s) => a + s.checks.passed, 0);
  const failed = samples.reduce((a, s) => a + s.checks.failed, 0);
  const notes = failedThresholds.map((t) => `threshold ${t.metric}${t.filter ? `{${t.filter}}` : ''} ${t.expression} failed (value ${t.value})`);
  if (passed + failed === 0 && thresholds.length === 0) return missingEvidence(o, target, evidence, `scenario ${o.scenario} recorded no checks and no thresholds`);
  return verdictFor(o, {
    target, evidence, notes,
    measured: `${thresholds.length - failedThresholds.length}/${thresholds.length} thresholds ok, ${failed}/${passed + failed} checks failed`,
    value: failed + failedThresholds.length,
    pass: failedThresholds.length === 0 && failed === 0,
  });
}

/** Evidence that a scan ran: a scan part, a security phase event, or findings. */
function scanRan(record: RunRecord): boolean {
  return record.parts.some((p) => p.kind === 'scan' && p.status === 'ran') ||
    record.events.some((e) => e.type === 'phase.ended' && /scan|security/i.test(`${e.id ?? ''} ${e.label}`)) ||
    record.findings.length > 0;
}

/** No finding at or above minSeverity unless a suppression file accepted it (IGNORE/WARN; FAIL still counts). */
export function evaluateSecurity(record: RunRecord, o: Of<'security'>): Verdict {
  const target = `0 unsuppressed findings ≥ ${o.minSeverity}`;
  const evidence = `findings[severity≥${o.minSeverity}, not suppressed]`;
  if (!scanRan(record)) return missingEvidence(o, target, evidence, 'no security scan ran');
  const rank = (s: Severity) => severities.indexOf(s);
  const counted = record.findings.filter((f) => rank(f.severity) >= rank(o.minSeverity) && (!f.suppressed || f.suppressed.action === 'FAIL'));
  const suppressed = record.findings.filter((f) => rank(f.severity) >= rank(o.minSeverity) && f.suppressed && f.suppressed.action !== 'FAIL');
  return verdictFor(o, {
    target, evidence,
    measured: `${counted.length} findings ≥ ${o.minSeverity}${suppressed.length ? ` (${suppressed.length} suppressed)` : ''} of ${record.findings.length}`,
    value: counted.length,
    pass: counted.length === 0,
    notes: counted.slice(0, 10).map((f) => `${f.severity} ${f.ruleId} ${f.endpoint}: ${f.title}`),
  });
}

export function evaluateThresholds(record: RunRecord, o: Of<'threshold'>): Verdict {
  const target = 'all thresholds ok';
  const evidence = `thresholds[${o.scenario ? `scenario=${o.scenario}` : '*'}]`;
  const list = record.thresholds.filter((t) => o.scenario === undefined || t.scenario === o.scenario);
  if (list.length === 0) return missingEvidence(o, target, evidence, 'no thresholds were evaluated');
  const failed = list.filter((t) => !t.ok);
  return verdictFor(o, {
    target, evidence,
    measured: `${list.length - failed.length}/${list.length} ok`,
    value: failed.length,
    pass: failed.length === 0,
    notes: failed.map((t) => `${t.scenario}: ${t.metric}${t.filter ? `{${t.filter}}` : ''} ${t.expression} (value ${t.value})`),
  });
}
