import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoPath } from '../../common/index.ts';
import { loadSloSpec, sloSpecSchema, specToInput, type Objective, type SloSpec } from '../../reports/index.ts';
import type { GatePlan } from './plan.ts';

/**
 * What a gate is judged by, and which of its objectives this gate did not run.
 * - the SLO file: `--slo`, else `slo.yaml` in the working directory;
 * - without one, against `--target`: the objectives of what it ran (its suites' thresholds, its drills,
 *   no high finding of its scan) — a user's server is not judged by SocialConnect's objectives;
 * - without one, on the managed stack: the bundled backend's `slo.yaml`.
 * An objective whose suite, drill or scan this gate leaves out (`--suites`, `--drills`, `--no-scan`) is
 * "not run": listed, not judged, not in the exit code. A planned suite whose thresholds no objective
 * covers is judged by them too, so a suite's own thresholds are never silently ignored.
 */
export interface GateSpec {
  spec: SloSpec;
  /** Where the objectives come from, for the output and the record's notes. */
  source: string;
  /** "objective — why it did not run". */
  notRun: string[];
}

type Needs = { kind: 'scenario'; name: string } | { kind: 'drill'; name: string | undefined } | { kind: 'scan' } | null;

/** The part of a gate an objective's evidence comes from (null: the whole run, always there). */
function needs(o: Objective): Needs {
  switch (o.kind) {
    case 'latency':
    case 'error-rate':
    case 'threshold':
      return o.scenario ? { kind: 'scenario', name: o.scenario } : null;
    case 'rate-limit':
      return { kind: 'scenario', name: o.scenario };
    case 'availability':
      if (o.during === 'drill') return { kind: 'drill', name: o.drill };
      return o.during === 'scenario' && o.scenario ? { kind: 'scenario', name: o.scenario } : null;
    case 'recovery-time':
    case 'drill-passed':
    case 'data-reconciled':
      return { kind: 'drill', name: o.drill };
    case 'security':
      return { kind: 'scan' };
  }
}

function whyNotRun(n: Needs, plan: GatePlan, scenarios: Set<string>): string | null {
  if (n === null) return null;
  if (n.kind === 'scenario')
    return scenarios.has(n.name) ? null : `no suite of this gate has scenario ${n.name} (--suites)`;
  if (n.kind === 'drill') {
    if (n.name === undefined) return plan.drills.length > 0 ? null : 'this gate runs no drill (--drills)';
    return plan.drills.some((d) => d.name === n.name) ? null : `drill ${n.name} is not in this gate (--drills)`;
  }
  return plan.scan ? null : 'this gate runs no scan (--no-scan)';
}

/** The objectives of what the plan runs: each planned scenario's thresholds, each drill, the scan. */
function plannedObjectives(plan: GatePlan): Array<Record<string, unknown>> {
  const objectives: Array<Record<string, unknown>> = [];
  for (const s of plan.suites.flatMap((x) => x.scenarios)) {
    if (Object.keys(s.thresholds).length > 0)
      objectives.push({ name: `thresholds ${s.name}`, kind: 'threshold', scenario: s.name });
  }
  for (const d of plan.drills) objectives.push({ name: `drill ${d.name}`, kind: 'drill-passed', drill: d.name });
  if (plan.scan) objectives.push({ name: 'security findings', kind: 'security', minSeverity: 'high' });
  return objectives;
}

export async function gateSpec(
  plan: GatePlan,
  o: { sloFile: string | undefined; target: URL | null; cwd: string },
): Promise<GateSpec> {
  const here = path.join(o.cwd, 'slo.yaml');
  const file = o.sloFile ?? (existsSync(here) ? here : o.target ? null : repoPath('slo.yaml'));
  if (file === null) {
    const objectives = plannedObjectives(plan);
    return {
      spec: sloSpecSchema.parse({ service: 'gate', objectives }),
      source:
        "no slo.yaml here (nor --slo): the objectives of what this gate ran (its suites' thresholds, its drills, its scan)",
      notRun: [],
    };
  }
  const loaded = await loadSloSpec(file);
  const scenarios = new Set(plan.suites.flatMap((s) => s.scenarios.map((x) => x.name)));
  const notRun: string[] = [];
  const kept = loaded.objectives.filter((obj) => {
    const why = whyNotRun(needs(obj), plan, scenarios);
    if (why) notRun.push(`${obj.name} — ${why}`);
    return why === null;
  });
  // A planned suite's thresholds that no kept objective covers are judged too.
  const covered = new Set(
    kept.flatMap((obj) => (obj.kind !== 'threshold' ? [] : obj.scenario ? [obj.scenario] : [...scenarios])),
  );
  const names = new Set(kept.map((obj) => obj.name));
  const extra = plannedObjectives({ ...plan, drills: [], scan: false }).filter(
    (x) => !covered.has(x.scenario as string) && !names.has(x.name as string),
  );
  const keptNames = new Set([...names, ...extra.map((x) => x.name as string)]);
  const input = specToInput(loaded) as {
    objectives: Array<{ name: string }>;
    requirements?: Array<{ objectives?: string[]; scenarios?: string[] }>;
  };
  const spec =
    extra.length === 0 && notRun.length === 0
      ? loaded
      : sloSpecSchema.parse({
          ...input,
          objectives: [...input.objectives.filter((x) => keptNames.has(x.name)), ...extra],
          // A requirement keeps the objectives still judged; one left with none (and no scenarios of its own) is dropped.
          requirements: (input.requirements ?? [])
            .map((r) => ({ ...r, objectives: (r.objectives ?? []).filter((n) => keptNames.has(n)) }))
            .filter((r) => r.objectives.length > 0 || r.scenarios !== undefined),
        });
  return { spec, source: path.relative(o.cwd, file) || file, notRun };
}
