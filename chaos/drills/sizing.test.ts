import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../../common/index.ts';
import { listBundledDrills, loadDrill } from './file/load-drill.ts';
import { MARGIN, planDrill, requestsToConclude, sizingNotes, undersized } from './sizing.ts';
import { replaceSizingTable } from './sizing-doc.ts';
import type { Drill } from './types.ts';

const profiles = ['quick', 'full'] as const;

describe('drill sizing: planned requests per window against what the objectives need', () => {
  it('needs the Clopper–Pearson and order-statistic counts of a flawless window', () => {
    const o = (metric: Drill['during'][number]['metric'], value: number, op: '<=' | '>=' = '>=') => ({
      name: 'x',
      tag: 'all',
      metric,
      op,
      value,
    });
    expect(requestsToConclude(o('availability', 0.99))).toBe(299);
    expect(requestsToConclude(o('fastFail', 0.95))).toBe(59);
    expect(requestsToConclude(o('success', 0.999))).toBe(2995);
    expect(requestsToConclude(o('p95', 200, '<='))).toBe(59);
    expect(requestsToConclude(o('p99', 200, '<='))).toBe(299);
    expect(requestsToConclude(o('timeouts', 0, '<='))).toBe(1);
  });

  it("plans a window from the load rate, the tag's share of each iteration and the whole seconds the window spans", () => {
    const drill = loadDrill('pg-down', 'quick');
    const writes = planDrill(drill).find((p) => p.phase === 'during' && p.tag === 'write')!;
    // 30 iterations/s, 30 % of them one POST /v1/posts; the during window spans the fault less 2 s of alignment.
    const faultSeconds = drill.method[0]!.duration;
    expect(writes.planned).toBe(Math.floor(30 * 0.3 * (faultSeconds - 2)));
  });

  it('names a window planned under the margin (a drill cut to a short fault)', () => {
    const drill = loadDrill('pg-down', 'quick');
    const short: Drill = { ...drill, method: drill.method.map((a) => ({ ...a, duration: 6 })) };
    expect(undersized(short).join('\n')).toMatch(
      /pg-down \(quick\) during: "failed writes answer 503 with Retry-After \(at least 95 %\)" plans 36 write requests, needs 59/,
    );
  });

  it("a run notes the windows its drill file (any file, a user's own included) plans under the margin, at the rate it runs with", () => {
    const drill = loadDrill('pg-down', 'quick');
    expect(sizingNotes(drill)).toEqual([]);
    const notes = sizingNotes(drill, 15);
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.join('\n')).toMatch(
      /during: "failed writes answer 503 with Retry-After \(at least 95 %\)" plans 54 write requests, needs 59 .*lengthen the window or raise load\.rate/,
    );
  });

  for (const name of listBundledDrills()) {
    for (const profile of profiles) {
      it(`${name} (${profile}): every window plans at least ${MARGIN}× the requests its objectives need`, () => {
        expect(undersized(loadDrill(name, profile))).toEqual([]);
      });
    }
  }

  it('docs/chaos.md shows the current sizing table (npm run docs:sizing rewrites it)', () => {
    const doc = readFileSync(repoPath('docs', 'chaos.md'), 'utf8');
    expect(doc, "docs/chaos.md's sizing table is stale: run `npm run docs:sizing`").toBe(replaceSizingTable(doc));
  });
});
