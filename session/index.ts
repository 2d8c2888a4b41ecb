// Public door of session/: one runner for every command that runs parts (load suites, drills, the scan)
// against --target or managed stacks, and the judging of the record it writes.
export { runSession } from './run-session.ts';
export type { SessionIo, SessionOutcome, SessionReports } from './run-session.ts';
export { managedSeed, planStacks, plannedParts, stackGroups } from './plan.ts';
export type { PlannedPart, SessionPlan, SessionProfile, StackGroup } from './plan.ts';
export { defaultSloFile, judgeRecord, resolveSpec, timestampDir } from './judge.ts';
export type { Judgement, JudgeOptions } from './judge.ts';
