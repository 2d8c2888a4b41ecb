export { main, buildProgram } from './main.ts';
export type { MainOptions } from './main.ts';
export type { CliContext } from './context.ts';
export { ExitCode, exitCodeFor, exitCodeForError, describeError } from './exit-codes.ts';
