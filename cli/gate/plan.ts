import { InputError, type Profile } from '../../common/index.ts';
import { isDrillFile, listBundledDrills, loadDrill, type Drill } from '../../chaos/index.ts';
import { listSuites, loadSuite, type Suite } from '../../scenarios/index.ts';
import { FlagInvalidError } from '../flags.ts';

/**
 * What the gate runs by default, in this order: smoke → load → rate-limit (→ concurrency-10k in the full
 * profile: the headline requirement, 10,000 signed-in users at p95 < 200 ms and < 0.1 % errors, with the
 * suite's own objective) → drills → security scan.
 */
export const defaultSuites: Record<Profile, string[]> = {
  quick: ['smoke', 'load', 'rate-limit'],
  full: ['smoke', 'load', 'rate-limit', 'concurrency-10k'],
};
/** The quick profile keeps to three drills (about 25 s each) so the whole gate stays under 5 minutes on 2 cores. */
export const defaultDrills: Record<Profile, string[] | 'all'> = {
  quick: ['pg-latency', 'redis-down', 'worker-crash'],
  full: 'all',
};

export interface GatePlan {
  profile: Profile;
  suites: Suite[];
  drills: Drill[];
  scan: boolean;
  /** Why something planned by default is not in the plan (recorded in record.notes). */
  notes: string[];
}

const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/**
 * Resolves --suites/--drills/--no-scan into a plan, validating names before
 * anything starts (bad input exits 2 without bringing up a stack). Defaults that
 * this checkout does not have are left out with a note instead of failing.
 */
export function planGate(o: {
  profile: Profile;
  suites?: string;
  drills?: string;
  scan: boolean;
  env?: Record<string, string | undefined>;
}): GatePlan {
  const notes: string[] = [];
  const available = listSuites();
  let suiteNames = list(o.suites);
  if (suiteNames === undefined) {
    suiteNames = defaultSuites[o.profile].filter((s) => available.includes(s));
    for (const s of defaultSuites[o.profile])
      if (!available.includes(s)) notes.push(`suite ${s}: skipped, not in scenarios/suites of this checkout`);
  } else if (suiteNames.length === 1 && suiteNames[0] === 'none') suiteNames = [];
  const suites = suiteNames.map((name) => {
    try {
      return loadSuite(name, o.profile, o.env ? { env: o.env } : {});
    } catch (err) {
      if (err instanceof InputError)
        throw new FlagInvalidError(`--suites: ${err.message}`, {
          hint: err.hint ?? `use names from: ${available.join(', ')} or suite file paths`,
        });
      throw err;
    }
  });

  const known = listBundledDrills();
  let names = list(o.drills);
  if (names === undefined) {
    const wanted = defaultDrills[o.profile];
    names = wanted === 'all' ? known : wanted.filter((d) => known.includes(d));
    if (wanted !== 'all')
      for (const d of wanted)
        if (!known.includes(d)) notes.push(`drill ${d}: skipped, not in this checkout's bundled drills`);
    if (known.length === 0) notes.push('drills: skipped, no drills are available yet');
  } else if (names.length === 1 && names[0] === 'none') names = [];
  else if (names.length === 1 && names[0] === 'all') names = known;
  for (const d of names) {
    if (!isDrillFile(d) && !known.includes(d))
      throw new FlagInvalidError(`--drills: unknown drill "${d}"`, {
        hint: `choose from: ${known.join(', ')}, all, none, or drill files (my-drill.yaml)`,
      });
  }
  const drills = names.map((d) => {
    try {
      return loadDrill(d, o.profile, o.env ? { env: o.env } : {});
    } catch (err) {
      if (err instanceof InputError)
        throw new FlagInvalidError(`--drills: ${err.message}`, {
          hint: err.hint ?? 'docs/chaos.md describes drill files',
        });
      throw err;
    }
  });
  const seen = new Set<string>();
  for (const d of drills) {
    if (seen.has(d.name))
      throw new FlagInvalidError(`--drills: two drills are named "${d.name}"`, {
        hint: 'give each drill file its own name: the run record keeps drills apart by name',
      });
    seen.add(d.name);
  }
  return { profile: o.profile, suites, drills, scan: o.scan, notes };
}
