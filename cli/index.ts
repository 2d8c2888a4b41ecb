// What other folders use: the program for test/docs-examples.test.ts. bin/rampart.js starts cli/main.ts itself.
export { buildProgram } from './main.ts';
export type { CliContext } from './context.ts';
