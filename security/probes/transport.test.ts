import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FindingSink } from '../findings.ts';
import { ScanHttpClient } from '../http.ts';
import type { ScanContext } from '../scan-context.ts';
import { probeTransport } from './transport.ts';

let dir: string;
let cert: Buffer;
let key: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rampart-tls-'));
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    path.join(dir, 'k.pem'),
    '-out',
    path.join(dir, 'c.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  cert = await readFile(path.join(dir, 'c.pem'));
  key = await readFile(path.join(dir, 'k.pem'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function serve(minVersion: tls.SecureVersion) {
  const server = https.createServer({ cert, key, minVersion, ciphers: 'DEFAULT:@SECLEVEL=0' }, (_req, res) =>
    res.end('ok'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function transportFindings(url: string) {
  const ctx = {
    client: new ScanHttpClient(url, { insecureTls: true }),
    sink: new FindingSink(),
    notes: [] as string[],
  } as unknown as ScanContext;
  await probeTransport(ctx);
  await ctx.client.close();
  return { findings: ctx.sink.list(), notes: ctx.notes };
}

describe('transport probe', () => {
  it('reports a server that completes a TLS 1.0/1.1 handshake', async () => {
    await using server = await serve('TLSv1');
    const { findings } = await transportFindings(server.url);
    expect(findings.map((f) => f.ruleId)).toContain('rampart-transport-old-tls');
    expect(findings.find((f) => f.ruleId === 'rampart-transport-old-tls')?.severity).toBe('high');
  });

  it('finds nothing against TLS 1.2+ only, and notes the negotiated version', async () => {
    await using server = await serve('TLSv1.2');
    const { findings, notes } = await transportFindings(server.url);
    expect(findings).toEqual([]);
    expect(notes.join()).toMatch(/negotiated TLSv1\.3/);
  });

  it('plain HTTP on loopback is informational only', async () => {
    const { findings } = await transportFindings('http://127.0.0.1:1');
    expect(findings).toMatchObject([
      { ruleId: 'rampart-transport-plain-http', severity: 'info', category: 'transport' },
    ]);
  });
});
