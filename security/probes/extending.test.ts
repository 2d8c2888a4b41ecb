import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { codeLines, fileCode, guideExample } from '../../test/guide-examples.ts';
import { runScan } from '../run-scan.ts';
import type * as Registry from './registry.ts';

// docs/extending.md, "A security probe", step 2: scanSteps lists the new probe, before the passive checks. The
// example (step 1, testing/trace-probe.ts) is not shipped, so this file adds it to the real registry module here;
// the scan, its HTTP client and the server are real.
vi.mock('./registry.ts', async (importOriginal) => {
  const real = await importOriginal<typeof Registry>();
  const { probeTrace } = await import('./testing/trace-probe.ts');
  const passive = real.scanSteps.findIndex((s) => s.name === 'API3/API8 passive checks');
  const step: Registry.ScanStep = { name: 'API8 TRACE', need: 'none', run: (ctx) => probeTrace(ctx) };
  return { ...real, scanSteps: [...real.scanSteps.slice(0, passive), step, ...real.scanSteps.slice(passive)] };
});

const doc = {
  openapi: '3.0.3',
  info: { title: 'items', version: '1' },
  paths: { '/items': { get: { responses: { '200': { description: 'the items' } } } } },
};

/** A small API with one documented route; `traceEnabled` answers TRACE by echoing the request, as some servers do. */
async function startApi(traceEnabled: boolean) {
  const server = http.createServer((req, res) => {
    if (req.method === 'TRACE') {
      if (!traceEnabled) return void res.writeHead(405).end();
      const head = [
        `${req.method} ${req.url} HTTP/${req.httpVersion}`,
        ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`),
      ];
      return void res.writeHead(200, { 'content-type': 'message/http' }).end(`${head.join('\r\n')}\r\n\r\n`);
    }
    if (req.method === 'GET' && req.url === '/openapi.json')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
    if (req.method === 'GET' && req.url?.split('?')[0] === '/items')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const scan = (target: URL) => runScan({ target, profile: 'quick', seed: 7, signal: AbortSignal.timeout(90_000) });

describe('a security probe added the way docs/extending.md says (the example TRACE probe)', () => {
  it("is the guide's example, line for line", () => {
    expect(fileCode('security', 'probes', 'testing', 'trace-probe.ts')).toEqual(
      codeLines(guideExample('security/probes/trace.ts')),
    );
  });

  it('runs in a real scan of a small HTTP server and reports a finding with its evidence', async () => {
    await using api = await startApi(true);
    const part = await scan(api.url);
    const found = (part.findings ?? []).find((f) => f.ruleId === 'rampart-api8-trace-enabled');
    expect(found).toMatchObject({ id: 'rampart-api8-trace-enabled:TRACE /', severity: 'low', category: 'API8:2023' });
    expect(found?.evidence?.response?.body).toContain('x-rampart-trace: echo-me');
    const notes = (part.notes ?? []).join('\n');
    expect(notes).toMatch(/tested: [^;]*API8 TRACE/);
    expect(notes).not.toMatch(/step "API8 TRACE" failed/);
    expect(part.events?.some((e) => e.type === 'probe' && e.label === 'scan: API8 TRACE')).toBe(true);
  }, 120_000);

  it('finds nothing where TRACE is refused', async () => {
    await using api = await startApi(false);
    const part = await scan(api.url);
    expect((part.findings ?? []).map((f) => f.ruleId)).not.toContain('rampart-api8-trace-enabled');
    expect(part.events?.some((e) => e.type === 'probe' && e.label === 'scan: API8 TRACE')).toBe(true);
  }, 120_000);
});
