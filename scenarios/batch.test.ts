import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from './engine.ts';
import { Client } from 'undici';
import { compileFlow } from './flow/compile.ts';
import { runIteration, type ResponseInfo } from './flow/iteration.ts';
import { undiciSender } from './http/dispatch.ts';
import type { Outcome } from './metrics/stats.ts';
import { parseScenario } from './schema/scenario.ts';
import { exportK6 } from './k6/export.ts';
import { runK6StandIn } from './k6/testing/k6-stand-in.ts';
import { listenOnLoopback } from './testing/local-servers.ts';

/** A node:http server on loopback: /slow/* answers after 300 ms; it notes arrivals, answers and the most requests in flight at once. */
async function server() {
  const log: Array<{ path: string; at: number; done?: number }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const t0 = performance.now();
  const srv = createServer((req, res) => {
    const entry: { path: string; at: number; done?: number } = { path: req.url ?? '', at: performance.now() - t0 };
    log.push(entry);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    req.resume();
    const answer = () => {
      inFlight -= 1;
      entry.done = performance.now() - t0;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: entry.path.split('/').pop() }));
    };
    if (entry.path.startsWith('/slow/')) setTimeout(answer, 300);
    else answer();
  });
  return {
    ...(await listenOnLoopback(srv)),
    log,
    maxInFlight: () => maxInFlight,
  };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const batchScenario = (n: number) =>
  parseScenario({
    name: 'b',
    executor: 'per-vu-iterations',
    thresholdWindows: [],
    flows: [
      {
        name: 'f',
        steps: [
          {
            batch: Array.from({ length: n }, (_, i) => ({
              name: `slow ${i}`,
              path: `/slow/${i}`,
              captures: { [`got${i}`]: { json: 'id' } },
            })),
          },
          { name: 'after', path: '/after/{{got0}}-{{got1}}' },
        ],
      },
    ],
    thresholds: { http_reqs: [`count==${n + 1}`] },
  });

describe("batch steps (k6's http.batch)", () => {
  it("sends a batch's requests together within one iteration, and goes on once all are answered, with their captures", async () => {
    await using srv = await server();
    const seen: ResponseInfo[] = [];
    const r = await runScenario(batchScenario(3), { baseUrl: srv.url, onResponse: (i) => seen.push(i) });
    expect(r.thresholds[0]).toMatchObject({ outcome: 'pass', value: 4 });
    expect(srv.maxInFlight()).toBe(3);
    const slow = srv.log.filter((e) => e.path.startsWith('/slow/'));
    const after = srv.log.find((e) => e.path.startsWith('/after/'));
    // Sent one after another they would take 900 ms; together, 300 ms.
    expect(Math.max(...slow.map((e) => e.at)) - Math.min(...slow.map((e) => e.at))).toBeLessThan(250);
    expect(after?.at).toBeGreaterThanOrEqual(Math.max(...slow.map((e) => e.done ?? Infinity)));
    expect(after?.path).toBe('/after/0-1');
    expect(
      seen
        .filter((i) => i.batch)
        .map((i) => i.tag)
        .sort(),
    ).toEqual(['slow 0', 'slow 1', 'slow 2']);
  });

  it("keeps at most 6 requests of a batch in flight (k6's batchPerHost)", async () => {
    await using srv = await server();
    const r = await runScenario(batchScenario(8), { baseUrl: srv.url });
    expect(r.summary.requests).toBe(9);
    expect(srv.maxInFlight()).toBe(6);
  });

  it('a late iteration: the six requests sent at once count from its intended start, the two that waited for a lane from their send, and it is late once', async () => {
    await using srv = await server();
    const flow = compileFlow(batchScenario(8).flows[0]!);
    const clients = Array.from({ length: 6 }, () => new Client(srv.url));
    const outcomes: Outcome[] = [];
    const never = new AbortController().signal;
    const env = {
      scenario: 'b',
      sender: undiciSender(clients[0]!),
      laneSender: (lane: number) => undiciSender(clients[lane]!),
      signal: never,
      requestSignal: never,
      record: (o: Outcome) => void outcomes.push(o),
    };
    try {
      // Due 1 s ago (an open-model arrival that waited for a free VU): the delay is the batch's first six requests'.
      await runIteration(flow, { vu: 0, iter: 0 }, env, performance.now() - 1000, true);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
    const batch = outcomes.filter((o) => o.tag.startsWith('slow '));
    expect(batch).toHaveLength(8);
    const byTag = new Map(batch.map((o) => [o.tag, o]));
    for (let i = 0; i < 6; i++) expect(byTag.get(`slow ${i}`)!.latencyMs).toBeGreaterThanOrEqual(1300);
    // Sent when a lane freed (~300 ms after the batch went out), answered 300 ms later: not 1,600 ms.
    for (const i of [6, 7]) {
      expect(byTag.get(`slow ${i}`)!.latencyMs).toBeGreaterThanOrEqual(295);
      expect(byTag.get(`slow ${i}`)!.latencyMs).toBeLessThan(1000);
    }
    expect(outcomes.filter((o) => o.late)).toHaveLength(1);
    // The step after the batch is not the iteration's first: measured from its own send.
    expect(outcomes.find((o) => o.tag === 'after')!.latencyMs).toBeLessThan(1000);
  });

  it('a bad batch item is named; the k6 export sends the batch with http.batch and the captures still feed the next step', async () => {
    expect(() =>
      parseScenario({
        name: 'b',
        executor: 'per-vu-iterations',
        flows: [{ name: 'f', steps: [{ batch: [{ path: 'x' }] }] }],
      }),
    ).toThrow(/flows\[0\]\.steps\[0\]\.batch\[0\]\.path: must start with \//);
    await using srv = await server();
    const k6 = exportK6({
      name: 'b',
      description: 'batch',
      profile: 'quick',
      stack: { targetEnv: {} },
      scenarios: [batchScenario(3)],
    });
    expect(k6.script).toContain('http.batch(');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-batch-'));
    dirs.push(dir);
    const out = path.join(dir, 'k6.json');
    await runK6StandIn(k6.script, { baseUrl: srv.url.origin, out, maxIterations: 1 });
    const names = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { metric: string; type: string; data: { tags?: Record<string, string> } })
      .filter((l) => l.type === 'Point' && l.metric === 'http_reqs')
      .map((l) => l.data.tags?.name);
    expect(names).toEqual(['slow 0', 'slow 1', 'slow 2', 'after']);
    expect(srv.log.map((e) => e.path).at(-1)).toBe('/after/0-1');
  });
});
