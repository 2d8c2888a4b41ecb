import { describe, expect, it } from 'vitest';
import { mergeHistograms } from '../reports/index.ts';
import { parseScenario, runScenario } from './index.ts';
import { spawnLocalServer } from './testing/spawn-server.ts';

// A capture that finds nothing at run time (the server answers no JSON) leaves the next step unrenderable:
// that request is never sent. It is a failed request of its own kind (codes.template), never a latency
// (it used to count at 0 ms and pull every percentile down) and no part of the achieved rate.
describe('an unsent request', () => {
  it('closed model: counted as failed, absent from the latency histogram and from the achieved rate', async () => {
    await using srv = await spawnLocalServer({ kind: 'fixed', delayMs: 20 });
    const s = parseScenario({
      name: 'unsent',
      executor: 'constant-vus',
      vus: 2,
      duration: '1s',
      thresholdWindows: [],
      flows: [
        {
          name: 'f',
          steps: [
            { name: 'first', path: '/a', captures: { id: { json: 'id' } } },
            { name: 'second', path: '/b/{{id}}' },
          ],
        },
      ],
    });
    const r = await runScenario(s, { baseUrl: new URL(srv.url) });
    const unsent = r.summary.codes.template ?? 0;
    const sent = r.summary.requests - unsent;
    expect(unsent).toBeGreaterThan(10);
    expect(r.summary.errors).toBeGreaterThanOrEqual(unsent);
    const h = mergeHistograms((r.part.samples ?? []).map((x) => x.latency));
    expect(h.totalCount).toBe(sent);
    // Every sent request took at least the server's 20 ms: a 0-ms entry would be an unsent one.
    expect(h.minNonZeroValue / 1000).toBeGreaterThanOrEqual(19);
    expect(r.summary.latencyMs.p50).toBeGreaterThanOrEqual(19);
    h.destroy();
    const secs = (r.summary.endedAt - r.summary.startedAt) / 1000;
    // The achieved rate is what was sent: about half of all the requests counted.
    expect(r.summary.rate.achieved * secs).toBeLessThan(r.summary.requests * 0.75);
    expect(r.part.notes?.join('\n')).toMatch(/request not sent \d+x, second: template value \{\{id\}\} is not set/);
  });

  it('open model: an arrival whose first request could not be rendered is no part of the achieved rate', async () => {
    await using srv = await spawnLocalServer({ kind: 'trivial' });
    // Every other user row lacks the token the first step needs.
    const s = parseScenario({
      name: 'unsent-open',
      executor: 'constant-arrival-rate',
      rate: 60,
      duration: '1s',
      thresholdWindows: [],
      users: [{ token: 'a' }, { other: 'b' }],
      flows: [
        { name: 'f', steps: [{ name: 'first', path: '/a', headers: { authorization: 'Bearer {{user.token}}' } }] },
      ],
    });
    const r = await runScenario(s, { baseUrl: new URL(srv.url) });
    expect(r.summary.requests).toBe(60);
    expect(r.summary.codes.template).toBe(30);
    expect(r.summary.rate.achieved).toBeLessThan(45);
    expect(r.summary.rate.achieved).toBeGreaterThan(15);
  });

  it("open model: a later request that could not be rendered leaves its arrival in the achieved rate, even under the first step's tag", async () => {
    await using srv = await spawnLocalServer({ kind: 'trivial' });
    // The first request is always sent; the second, under the same tag, fails for every other user row.
    const s = parseScenario({
      name: 'unsent-later',
      executor: 'constant-arrival-rate',
      rate: 60,
      duration: '1s',
      thresholdWindows: [],
      users: [{ token: 'a' }, { other: 'b' }],
      flows: [
        {
          name: 'f',
          steps: [
            { name: 'same', path: '/a' },
            { name: 'same', path: '/b', headers: { authorization: 'Bearer {{user.token}}' } },
          ],
        },
      ],
    });
    const r = await runScenario(s, { baseUrl: new URL(srv.url) });
    expect(r.summary.codes.template).toBe(30);
    // Every one of the 60 arrivals sent its first request: all of them count (they counted as 30 when unsent arrivals went by tag).
    expect(r.summary.rate.achieved).toBeGreaterThan(45);
  });

  it("an unsent request inside a group is one of that group's failed requests (http_req_failed{group:::g})", async () => {
    await using srv = await spawnLocalServer({ kind: 'fixed', delayMs: 5 });
    const s = parseScenario({
      name: 'grouped',
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: 3,
      thresholdWindows: [],
      flows: [
        {
          name: 'f',
          steps: [
            {
              group: 'g',
              steps: [
                { name: 'first', path: '/a', captures: { id: { json: 'id' } } },
                { name: 'second', path: '/b/{{id}}' },
              ],
            },
          ],
        },
      ],
      thresholds: { 'http_req_failed{group:::g}': ['rate<0.9'] },
    });
    const r = await runScenario(s, { baseUrl: new URL(srv.url) });
    // Three sent (first), three unsent (second): half of the group's requests failed.
    expect(r.summary.codes.template).toBe(3);
    expect(r.thresholds.find((t) => t.filter === 'group:::g')).toMatchObject({ metric: 'http_req_failed', value: 0.5 });
  });
});
