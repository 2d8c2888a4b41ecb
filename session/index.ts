// Public door of session/: the one runner of the commands that run parts (load suites, drills, the scan)
// against --target or managed stacks, and the judging of the record it writes. What only session's own
// tests use (the planning functions in plan.ts) stays inside.
export { runSession } from './run-session.ts';
export { judgeAndWrite, resolveSpec, timestampDir } from './judge.ts';
export type { Judgement } from './judge.ts';
