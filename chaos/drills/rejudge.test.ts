import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvConfig } from '../../common/index.ts';
import {
  appendPart,
  createRunRecord,
  evaluate,
  judgeDrill,
  readRunRecord,
  sloSpecSchema,
  writeRunRecord,
  type DrillResult,
  type RunRecord,
} from '../../reports/index.ts';
import { startStack, type StartedStack } from '../../stack/index.ts';
import { loadDrill } from './file/load-drill.ts';
import { runDrill } from './runner.ts';

/**
 * A drill's checks are not a verdict frozen by the runner: run.json holds its
 * windows, the objectives each was held to and the samples, so reports/
 * re-judges them. One real drill (pg-down, quick) on the managed stack, then
 * the record read back from disk and judged under other objectives.
 */
describe('drill checks re-judged from the run record', () => {
  let stack: StartedStack;
  let dir: string;
  let record: RunRecord;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rampart-rejudge-'));
    stack = await startStack({ env: loadEnvConfig({}), stateDir: null });
    const part = await runDrill(loadDrill('pg-down', 'quick'), { stack, signal: AbortSignal.timeout(100_000) });
    const written = appendPart(createRunRecord({ command: 'drill pg-down', profile: 'quick' }), part);
    await writeRunRecord(path.join(dir, 'run.json'), written);
    record = await readRunRecord(path.join(dir, 'run.json'));
  }, 150_000);
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('records its windows with their objectives, the read/write tags and the profile; the recorded outcome is the one re-judged from run.json', () => {
    const drill = record.drills[0]!;
    // A steady state that a busy machine breaks ends the drill before the fault: then only its window is recorded.
    expect(drill.windows!.map((w) => w.phase)).toEqual(drill.aborted ? ['steady'] : ['steady', 'during', 'after']);
    expect(drill.windows![0]!.objectives.map((o) => o.name)).toContain('requests available at least 98 %');
    expect(drill.tags).toEqual({ read: ['GET /v1/feed', 'GET /v1/trending'], write: ['POST /v1/posts'] });
    expect(drill.profile).toBe('quick');
    expect(drill.checks.filter((c) => c.source === 'steady-state')).toHaveLength(3);
    expect(drill.checks.every((c) => c.source !== undefined && c.outcome !== undefined)).toBe(true);
    expect(record.summaries).toEqual([expect.objectContaining({ scenario: 'drill:pg-down' })]);
    const again = judgeDrill(record, drill);
    expect(again.outcome).toBe(drill.outcome);
    expect(again.checks.map((c) => c.outcome)).toEqual(drill.checks.map((c) => c.outcome));
  });

  it('a stricter objective on a recorded window changes the verdict: reads p95 under 1 ms fails where under 60 s does not', () => {
    const drill = record.drills[0]!;
    const steady = drill.windows!.find((w) => w.phase === 'steady')!;
    const held = (value: number): DrillResult => ({
      ...drill,
      aborted: null,
      checks: [],
      windows: [
        {
          ...steady,
          objectives: [{ name: `reads p95 within ${value} ms`, tag: 'read', metric: 'p95', op: '<=', value }],
        },
      ],
    });
    // A generator that fell behind (a busy machine) makes a latency verdict doubtful: inconclusive, saying so. Otherwise exact.
    const doubtful = /generator|invalid/;
    const loose = judgeDrill(record, held(60_000));
    expect(loose.checks[0]!.name).toBe('steady state: reads p95 within 60000 ms');
    if (loose.outcome !== 'pass')
      expect(loose.checks[0]).toMatchObject({ outcome: 'inconclusive', detail: expect.stringMatching(doubtful) });
    const strict = judgeDrill(record, held(1));
    expect(strict.checks[0]!.name).toBe('steady state: reads p95 within 1 ms');
    if (strict.outcome !== 'fail')
      expect(strict.checks[0]).toMatchObject({ outcome: 'inconclusive', detail: expect.stringMatching(doubtful) });
    expect(strict.outcome).not.toBe('pass');
    expect([loose.outcome, strict.outcome]).not.toEqual(['inconclusive', 'inconclusive']);
  });

  it('an availability-during-the-drill objective: 50 % is met, 99.999 % is never a pass (breached, or too few requests to show it, saying what would conclude it)', () => {
    const spec = (target: number) =>
      sloSpecSchema.parse({
        objectives: [
          { name: 'availability during pg-down', kind: 'availability', during: 'drill', drill: 'pg-down', target },
        ],
      });
    expect(evaluate(record, spec(0.5)).verdict).not.toBe('fail');
    const strict = evaluate(record, spec(0.99999));
    expect(strict.verdict).not.toBe('pass');
    // pg-down answers failed writes 503 by design: any of them in the drill's span breaches 99.999 % outright.
    if (strict.verdict === 'inconclusive') expect(strict.verdicts[0]!.reason).toMatch(/to conclude/);
    else expect(strict.verdicts[0]!.statistics?.failures).toBeGreaterThan(0);
  });
});
