import { evaluate, withVerdicts } from '../evaluate.ts';
import type { RunRecord } from '../run-record.ts';
import { parseSloObject } from '../slo-load.ts';
import { syntheticRecord } from './synthetic-record.ts';

export const FIXTURE_START = Date.UTC(2026, 0, 1, 12, 0, 0);

export const fixtureSpec = parseSloObject({
  objectives: [
    { name: 'feed p95', kind: 'latency', scenario: 'load', tag: 'GET /v1/feed', percentile: 95, lessThanMs: 200 },
    { name: 'errors', kind: 'error-rate', scenario: 'load', max: 0.01 },
    { name: 'drill availability', kind: 'availability', during: 'drill', target: 0.999 },
    { name: 'recovery', kind: 'recovery-time', maxSeconds: 10 },
    { name: 'security', kind: 'security', minSeverity: 'high' },
  ],
});

/**
 * A recorded-looking run: `seconds` of load on two tags with real histograms;
 * a PostgreSQL latency fault from 40 % to 50 % of the run (events + drill) during
 * which the feed slows to ~450 ms and 5xx appear; one high finding with evidence.
 */
export function fixtureRun(seconds = 300, rps = 20): RunRecord {
  const from = Math.floor(seconds * 0.4);
  const to = Math.floor(seconds * 0.5);
  const inFault = (t: number) => t >= from && t < to;
  const ts = (t: number) => FIXTURE_START + t * 1000;
  const record = syntheticRecord(
    {
      seconds,
      rps,
      startedAt: FIXTURE_START,
      tags: ['GET /v1/feed', 'POST /v1/posts'],
      latencyMs: (t, i, tag) =>
        inFault(t) ? 400 + (i % 10) * 10 : (tag === 'GET /v1/feed' ? 15 : 40) + ((t * 31 + i * 17) % 50),
      failure: (t, i) => (inFault(t) && i % 7 === 0 ? '5xx' : t % 50 === 3 && i === 0 ? '4xx' : null),
    },
    {
      events: [
        { ts: ts(0), type: 'phase.started', label: 'load', id: 'load' },
        { ts: ts(from), type: 'fault.injected', label: 'pg latency 500 ms', id: 'f1' },
        { ts: ts(from + 2), type: 'process.killed', label: 'kill -9 worker 1234' },
        { ts: ts(to), type: 'fault.removed', label: 'pg latency 500 ms rolled back', id: 'f1' },
        { ts: ts(seconds), type: 'phase.ended', label: 'load', id: 'load' },
      ],
      drills: [
        {
          name: 'pg-latency',
          passed: false,
          startedAt: ts(from - 5),
          endedAt: ts(to + 15),
          faults: [{ label: 'pg latency 500 ms', start: ts(from), end: ts(to) }],
          recoverySeconds: 3,
          reconciliation: { acknowledged: 120, found: 120, lost: 0, duplicated: 0 },
          checks: [
            { name: 'steady state', ok: true, detail: 'p95 31 ms' },
            { name: 'cached reads p95 within 250 ms', ok: false, detail: 'p95 452 ms' },
          ],
          skipped: [],
          aborted: null,
        },
      ],
      findings: [
        {
          id: 'bola-1',
          ruleId: 'rampart-api1-bola-read',
          title: "Another user's post <draft> readable",
          category: 'API1:2023',
          severity: 'high',
          endpoint: 'GET /v1/posts/{id}',
          description: "User B read user A's draft post.",
          source: 'rampart',
          evidence: {
            request: {
              method: 'GET',
              url: 'http://127.0.0.1:3000/v1/posts/42',
              headers: { authorization: 'Bearer [redacted]' },
            },
            response: { status: 200, body: '{"id":42,"draft":true}' },
          },
        },
      ],
      parts: [{ kind: 'scan', name: 'security', status: 'ran', startedAt: ts(seconds), endedAt: ts(seconds) + 1000 }],
      notes: ['security scan: ZAP not reachable, built-in probes only'],
    },
  );
  return withVerdicts(record, fixtureSpec, evaluate(record, fixtureSpec));
}
