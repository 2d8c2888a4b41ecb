import { listBundledDrills, loadDrill } from './file/load-drill.ts';
import { sizingTable } from './sizing.ts';

export const START = '<!-- sizing:start (npm run docs:sizing) -->';
export const END = '<!-- sizing:end -->';

/** The sizing table of every bundled drill in both profiles. */
export function bundledSizingTable(): string {
  return sizingTable(
    listBundledDrills().flatMap((name) => (['quick', 'full'] as const).map((p) => loadDrill(name, p))),
  );
}

/** A document with the text between the sizing markers replaced by the current table. */
export function replaceSizingTable(doc: string): string {
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/chaos.md has no "${START}" … "${END}" block for the sizing table`);
  return `${doc.slice(0, a + START.length)}\n${bundledSizingTable()}\n${doc.slice(b)}`;
}
