import type { DrillResult, RunRecord, Verdict } from '../run-record.ts';
import type { Objective } from '../slo-spec.ts';
import { missingEvidence, verdictFor } from './verdict.ts';

type Of<K extends Objective['kind']> = Extract<Objective, { kind: K }>;

function drillsFor(record: RunRecord, name: string | undefined): DrillResult[] {
  return record.drills.filter((d) => name === undefined || d.name === name);
}

const noDrill = (name: string | undefined) => (name ? `drill ${name} did not run` : 'no drill ran');

/** drills[].recoverySeconds ≤ maxSeconds; null (never recovered) fails. */
export function evaluateRecoveryTime(record: RunRecord, o: Of<'recovery-time'>): Verdict[] {
  const target = `recovery ≤ ${o.maxSeconds} s`;
  const drills = drillsFor(record, o.drill);
  if (drills.length === 0) return [missingEvidence(o, target, `drills[${o.drill ?? '*'}].recoverySeconds`, noDrill(o.drill))];
  return drills.map((d) => {
    const evidence = `drills[${d.name}].recoverySeconds`;
    if (d.recoverySeconds === null) {
      return verdictFor(o, { target, measured: d.aborted ? `aborted: ${d.aborted}` : 'did not recover', value: null, pass: false, evidence }, d.name);
    }
    return verdictFor(o, { target, measured: `${d.recoverySeconds} s`, value: d.recoverySeconds, pass: d.recoverySeconds <= o.maxSeconds, evidence }, d.name);
  });
}

export function evaluateDrillPassed(record: RunRecord, o: Of<'drill-passed'>): Verdict[] {
  const target = 'passed';
  const drills = drillsFor(record, o.drill);
  if (drills.length === 0) return [missingEvidence(o, target, `drills[${o.drill ?? '*'}].passed`, noDrill(o.drill))];
  return drills.map((d) => {
    // A drill that could inject none of its faults proved nothing, whatever its passed flag says.
    if (d.faults.length === 0 && d.skipped.length > 0) {
      return missingEvidence(o, target, `drills[${d.name}].faults`, `drill ${d.name} injected no fault (skipped: ${d.skipped.join('; ')})`, d.name);
    }
    const failed = d.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    const measured = d.passed ? `passed (${d.checks.length} checks)` : d.aborted ? `aborted: ${d.aborted}` : `failed: ${failed.join('; ') || 'see drill'}`;
    return verdictFor(o, { target, measured, value: d.passed ? 1 : 0, pass: d.passed, evidence: `drills[${d.name}].passed`, notes: d.skipped.map((s) => `skipped: ${s}`) }, d.name);
  });
}

/** reconciliation present, lost = 0 and duplicated = 0; a drill without reconciliation is missing evidence. */
export function evaluateDataReconciled(record: RunRecord, o: Of<'data-reconciled'>): Verdict[] {
  const target = 'lost = 0, duplicated = 0';
  const drills = drillsFor(record, o.drill).filter((d) => o.drill !== undefined || d.reconciliation !== null);
  if (drills.length === 0) {
    return [missingEvidence(o, target, `drills[${o.drill ?? '*'}].reconciliation`, o.drill ? noDrill(o.drill) : 'no drill reconciled its data')];
  }
  return drills.map((d) => {
    const evidence = `drills[${d.name}].reconciliation`;
    const r = d.reconciliation;
    if (!r) return missingEvidence(o, target, evidence, `drill ${d.name} did not reconcile its data`, d.name);
    const measured = `${r.acknowledged} acknowledged, ${r.found} found, ${r.lost} lost, ${r.duplicated} duplicated`;
    return verdictFor(o, { target, measured, value: r.lost + r.duplicated, pass: r.lost === 0 && r.duplicated === 0, evidence }, d.name);
  });
}
