import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { runScenario } from './engine.ts';
import { parseScenario } from './schema/scenario.ts';
import { exportK6, extractOptions } from './k6/export.ts';
import { listenOnLoopback } from './testing/local-servers.ts';

/** A node:http server on loopback that sends its headers 100 ms after the request and the body 100 ms after them. */
async function server() {
  const srv = createServer((req, res) => {
    req.resume();
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '4' });
      res.flushHeaders();
      setTimeout(() => res.end('done'), 100);
    }, 100);
  });
  return {
    ...(await listenOnLoopback(srv)),
  };
}

const thresholds = {
  http_req_waiting: ['min>=60', 'max<2000'],
  http_req_receiving: ['min>=60', 'max<2000'],
  'http_req_connecting{name:split}': ['max>0', 'med==0', 'min==0'],
  http_req_sending: ['max<5'],
  http_req_blocked: ['max<50'],
  // No TLS on plain HTTP: every request's handshake is 0 ms, as k6 records it (not 1 µs).
  http_req_tls_handshaking: ['max==0'],
};

describe("the request timing breakdown (k6's http_req_blocked … http_req_receiving)", () => {
  it("is measured per request on a VU's own connection: waiting to the headers, receiving to the end, connecting only on the first; thresholds on them are judged", async () => {
    await using srv = await server();
    const r = await runScenario(
      parseScenario({
        name: 't',
        executor: 'per-vu-iterations',
        iterations: 3,
        thresholdWindows: [],
        thresholds,
        flows: [{ name: 'f', steps: [{ name: 'split', path: '/split' }] }],
      }),
      { baseUrl: srv.url },
    );
    for (const t of r.thresholds)
      expect(t, `${t.metric}{${t.filter ?? ''}} ${t.expression} = ${String(t.value)}`).toMatchObject({
        outcome: 'pass',
      });
    expect(r.thresholds).toHaveLength(10);
    // Judged, not waved through: a bound the measurements break fails.
    const strict = await runScenario(
      parseScenario({
        name: 't',
        executor: 'per-vu-iterations',
        thresholdWindows: [],
        thresholds: { http_req_waiting: ['max<50'] },
        flows: [{ name: 'f', steps: [{ path: '/split' }] }],
      }),
      { baseUrl: srv.url },
    );
    expect(strict.thresholds[0]?.outcome).toBe('fail');
    expect(r.part.notes?.join('\n')).toMatch(/t: http_req_waiting: count 3, p50 \d+/);
  });

  it('is measured on the undici pool too (fewer connections than VUs): waiting and receiving, connect folded into blocked', async () => {
    await using srv = await server();
    const r = await runScenario(
      parseScenario({
        name: 'u',
        executor: 'constant-vus',
        vus: 2,
        connections: 1,
        duration: '700ms',
        thresholdWindows: [],
        thresholds: {
          http_req_waiting: ['p(50)>=80', 'min>=50'],
          http_req_receiving: ['p(50)>=80', 'min>=50'],
          http_req_connecting: ['max<0.01'],
        },
        flows: [{ name: 'f', steps: [{ path: '/split' }] }],
      }),
      { baseUrl: srv.url },
    );
    for (const t of r.thresholds)
      expect(t, `${t.metric} ${t.expression} = ${String(t.value)}`).toMatchObject({ outcome: 'pass' });
  });

  it("the k6 export keeps the thresholds on k6's own built-in metrics, scoped to the scenario", () => {
    const s = parseScenario({
      name: 't',
      executor: 'per-vu-iterations',
      thresholds,
      flows: [{ name: 'f', steps: [{ name: 'split', path: '/split' }] }],
    });
    const o = extractOptions(
      exportK6({ name: 't', description: 't', profile: 'quick', stack: { targetEnv: {} }, scenarios: [s] }).script,
    ) as { thresholds: Record<string, unknown> };
    expect(o.thresholds['http_req_waiting{scenario:t}']).toEqual(['min>=60', 'max<2000']);
    expect(o.thresholds['http_req_connecting{scenario:t,name:split}']).toEqual(['max>0', 'med==0', 'min==0']);
  });
});
