import { executorDocsTable } from './registry.ts';

export const START = '<!-- executors:start (npm run docs:executors) -->';
export const END = '<!-- executors:end -->';

/** A document with the text between the executors markers replaced by the registry's table. */
export function replaceExecutorTable(doc: string): string {
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/engine.md has no "${START}" … "${END}" block for the executors table`);
  return `${doc.slice(0, a + START.length)}\n${executorDocsTable()}\n${doc.slice(b)}`;
}
