import type { DrillResult, RunRecord, Verdict } from '../run-record.ts';
import type { Objective } from '../slo-spec.ts';
import { missingEvidence, verdictFor } from './verdict.ts';
import { judgeDrill } from './drill-checks.ts';

type Of<K extends Objective['kind']> = Extract<Objective, { kind: K }>;

function drillsFor(record: RunRecord, name: string | undefined): DrillResult[] {
  return record.drills.filter((d) => name === undefined || d.name === name);
}

const noDrill = (name: string | undefined) => (name ? `drill ${name} did not run` : 'no drill ran');
const runIt = (name: string | undefined) => (name ? `run drill ${name} (rampart drill ${name})` : 'run a drill');

/** A drill that could not inject a fault of its method proved nothing about that fault. */
function notInjected(d: DrillResult): string | null {
  if (d.skipped.length === 0) return null;
  return `drill ${d.name} did not inject ${d.faults.length === 0 ? 'any of its faults' : 'every fault'} (${d.skipped.join('; ')})`;
}
const injectHint = 'run it on the managed stack, or give --toxiproxy URL (network faults) for an external target';

/** drills[].recoverySeconds ≤ maxSeconds; null (never recovered) fails. */
export function evaluateRecoveryTime(record: RunRecord, o: Of<'recovery-time'>): Verdict[] {
  const target = `recovery ≤ ${o.maxSeconds} s`;
  const drills = drillsFor(record, o.drill);
  if (drills.length === 0)
    return [
      missingEvidence(
        o,
        target,
        `drills[${o.drill ?? '*'}].recoverySeconds`,
        noDrill(o.drill),
        undefined,
        runIt(o.drill),
      ),
    ];
  return drills.map((d) => {
    const evidence = `drills[${d.name}].recoverySeconds`;
    const skipped = notInjected(d);
    if (skipped) return missingEvidence(o, target, evidence, skipped, d.name, injectHint);
    if (d.recoverySeconds === null && d.aborted?.startsWith('interrupted'))
      return missingEvidence(o, target, evidence, `drill ${d.name} was ${d.aborted}`, d.name, 'run it to the end');
    if (d.recoverySeconds === null) {
      return verdictFor(
        o,
        {
          target,
          measured: d.aborted ? `aborted: ${d.aborted}` : 'did not recover',
          value: null,
          pass: false,
          evidence,
        },
        d.name,
      );
    }
    return verdictFor(
      o,
      {
        target,
        measured: `${d.recoverySeconds} s`,
        value: d.recoverySeconds,
        pass: d.recoverySeconds <= o.maxSeconds,
        evidence,
      },
      d.name,
    );
  });
}

export function evaluateDrillPassed(record: RunRecord, o: Of<'drill-passed'>): Verdict[] {
  const target = 'passed';
  const drills = drillsFor(record, o.drill);
  if (drills.length === 0)
    return [
      missingEvidence(o, target, `drills[${o.drill ?? '*'}].passed`, noDrill(o.drill), undefined, runIt(o.drill)),
    ];
  return drills.map((d) => {
    // A drill that could not inject its faults proved nothing, whatever its checks say.
    const skipped = notInjected(d);
    if (skipped) return missingEvidence(o, target, `drills[${d.name}].faults`, skipped, d.name, injectHint);
    const judged = judgeDrill(record, d);
    const failed = judged.checks.filter((c) => c.outcome === 'fail').map((c) => `${c.name}: ${c.detail}`);
    const unsure = judged.checks.filter((c) => c.outcome === 'inconclusive').map((c) => `${c.name}: ${c.detail}`);
    const measured =
      judged.outcome === 'pass'
        ? `passed (${judged.checks.length} checks)`
        : d.aborted
          ? `aborted: ${d.aborted}`
          : judged.outcome === 'fail'
            ? `failed: ${failed.join('; ') || 'see drill'}`
            : `inconclusive: ${unsure.join('; ')}`;
    return verdictFor(
      o,
      {
        target,
        measured,
        value: judged.outcome === 'pass' ? 1 : 0,
        outcome: judged.outcome,
        evidence: `drills[${d.name}].checks + windows + samples[scenario=drill:${d.name}]`,
        ...(judged.reason ? { reason: judged.reason } : {}),
        notes: unsure.map((u) => `inconclusive: ${u}`),
      },
      d.name,
    );
  });
}

/** reconciliation present, lost = 0 and duplicated = 0; a drill without reconciliation is missing evidence. */
export function evaluateDataReconciled(record: RunRecord, o: Of<'data-reconciled'>): Verdict[] {
  const target = 'lost = 0, duplicated = 0';
  const drills = drillsFor(record, o.drill).filter((d) => o.drill !== undefined || d.reconciliation !== null);
  if (drills.length === 0) {
    return [
      missingEvidence(
        o,
        target,
        `drills[${o.drill ?? '*'}].reconciliation`,
        o.drill ? noDrill(o.drill) : 'no drill reconciled its data',
      ),
    ];
  }
  return drills.map((d) => {
    const evidence = `drills[${d.name}].reconciliation`;
    const r = d.reconciliation;
    if (!r) return missingEvidence(o, target, evidence, `drill ${d.name} did not reconcile its data`, d.name);
    const named = (r.missing ?? []).slice(0, 5).map((m) => `${m.writes} ${m.id} (${m.detail})`);
    const measured = `${r.acknowledged} acknowledged, ${r.found} found, ${r.lost} lost, ${r.duplicated} duplicated${named.length ? `: ${named.join('; ')}${(r.missing?.length ?? 0) > named.length ? '; …' : ''}` : ''}`;
    return verdictFor(
      o,
      { target, measured, value: r.lost + r.duplicated, pass: r.lost === 0 && r.duplicated === 0, evidence },
      d.name,
    );
  });
}
