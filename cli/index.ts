export { main, buildProgram } from './main.ts';
export type { MainOptions } from './main.ts';
export type { CliContext } from './context.ts';
export { ExitCode, exitCodeFor, describeError } from './exit-codes.ts';
