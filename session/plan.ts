import type { Drill, RunDrillOptions } from '../chaos/index.ts';
import type { RunPart } from '../reports/index.ts';
import type { Suite, ThresholdSemantics } from '../scenarios/index.ts';
import type { ScanOptions } from '../security/index.ts';
import type { LbKind } from '../stack/index.ts';
import type { Profile } from '../common/index.ts';

/** What one session runs: load suites, then drills, then the scan — against `target`, or against managed stacks. */
export interface SessionPlan {
  /** The run record's meta.command ("gate", "run smoke load", "drill pg-down", "scan"). */
  command: string;
  profile: Profile;
  /** A server someone else runs (--target, parsed by the CLI), or null: the session starts managed stacks. */
  target: URL | null;
  suites: Suite[];
  /** Drills loaded from their files (bundled or the user's) for the session's profile. */
  drills: Drill[];
  /** Options of the drills beyond where they run (an external target's fault proxy and database). */
  drillOptions?: Pick<RunDrillOptions, 'toxiproxyUrl' | 'databaseUrl' | 'proxyNames'>;
  /** The security scan and its options beyond where it runs, or null for none. */
  scan: Omit<ScanOptions, 'target' | 'profile' | 'signal' | 'progress'> | null;
  /**
   * How managed stacks start beyond the session's rule (TLS for the scan, where the children's output goes,
   * `instances` target clusters behind the load balancer `lb`).
   */
  stack?: { tls?: boolean; componentLogFile?: string; lb?: LbKind; instances?: number };
  /** How the suites' thresholds are judged (default rampart: a PASS earned at 95 % confidence; k6: point verdicts). */
  thresholdSemantics?: ThresholdSemantics;
  /** Notes for the record (e.g. why a default part is left out). */
  notes?: string[];
}

export interface PlannedPart {
  kind: RunPart['kind'];
  name: string;
  /** Target settings this part needs from a managed stack ({} = the target's defaults). */
  targetEnv: Record<string, string>;
}

/** One managed stack of a session: the target settings it starts with, its seed, the parts it runs in order. */
export interface StackGroup {
  targetEnv: Record<string, string>;
  seed: { users: number; posts: number };
  parts: PlannedPart[];
}

/**
 * The seeding rule: every managed stack a session starts holds the same data — 200
 * users (user1..user200@example.test, password123!) and 1,000 posts with follows,
 * likes and comments — so a suite reads a populated database whichever command
 * runs it. The suites, drills and scan create the users they sign in as.
 */
export const managedSeed: Readonly<{ users: number; posts: number }> = Object.freeze({ users: 200, posts: 1000 });

/** The parts of a plan in the order they run: suites, then drills, then the scan. */
export function plannedParts(plan: Pick<SessionPlan, 'suites' | 'drills' | 'scan'>): PlannedPart[] {
  return [
    ...plan.suites.map((s) => ({ kind: 'suite' as const, name: s.name, targetEnv: s.stack.targetEnv })),
    ...plan.drills.map((d) => ({ kind: 'drill' as const, name: d.name, targetEnv: d.stack.targetEnv })),
    ...(plan.scan ? [{ kind: 'scan' as const, name: 'security', targetEnv: {} }] : []),
  ];
}

const envKey = (e: Record<string, string>) => JSON.stringify(Object.entries(e).sort(([a], [b]) => a.localeCompare(b)));

/**
 * The grouping rule: parts that need the same target settings share one managed
 * stack, groups in order of their first part, parts in plan order inside a group
 * (so `smoke load rate-limit` starts two stacks, not three).
 */
export function stackGroups<P extends PlannedPart>(
  parts: readonly P[],
): Array<Omit<StackGroup, 'parts'> & { parts: P[] }> {
  const byKey = new Map<string, Omit<StackGroup, 'parts'> & { parts: P[] }>();
  for (const p of parts) {
    const k = envKey(p.targetEnv);
    const g = byKey.get(k);
    if (g) g.parts.push(p);
    else byKey.set(k, { targetEnv: p.targetEnv, seed: { ...managedSeed }, parts: [p] });
  }
  return [...byKey.values()];
}

/** Where each part of a plan runs: one group per managed stack, or one group on --target (no stack, no seed). */
export function planStacks(
  plan: Pick<SessionPlan, 'suites' | 'drills' | 'scan' | 'target'>,
): StackGroup[] | { target: URL; parts: PlannedPart[] } {
  const parts = plannedParts(plan);
  return plan.target === null ? stackGroups(parts) : { target: plan.target, parts };
}
