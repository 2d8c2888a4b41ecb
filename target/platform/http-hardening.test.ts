import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { call, startTestTarget } from '../testing.ts';
import { createLogger } from './logger.ts';

/** The production logger (redaction included) writing into an array. */
function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, logger: createLogger('trace', {}, sink) };
}

const testRoutes = () => [
  {
    path: '/test',
    router: () => {
      const r = Router();
      r.get('/boom', () => {
        throw new Error('database password=hunter2 exploded at /srv/app/secret.ts:12');
      });
      r.get('/slow', async (_req, res) => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        res.json({ finished: true });
      });
      return r;
    },
  },
];

describe('HTTP hardening', () => {
  it('sends HSTS, nosniff and a frame-ancestors CSP, never X-Powered-By; CORS answers only configured origins', async () => {
    await using t = await startTestTarget({ env: { CORS_ORIGINS: 'https://app.example, https://admin.example' } });
    const res = await fetch(`${t.url}/livez`);
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-powered-by')).toBeNull();

    const preflight = (origin: string) =>
      fetch(`${t.url}/v1/users/me`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PATCH',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const ok = await preflight('https://app.example');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(ok.headers.get('access-control-allow-methods')).toContain('PATCH');
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers an unexpected error with a bare problem+json 500: no message, no stack (the log keeps the detail)', async () => {
    const { lines, logger } = capture();
    await using t = await startTestTarget({ routes: testRoutes(), logger });
    const res = await call(t.url, 'GET', '/test/boom');
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 500, title: 'Internal Server Error' });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('hunter2');
    expect(text).not.toMatch(/\.ts:\d+|at .+\(/);
    expect(lines.join('')).toContain('unhandled error');
  });

  it('keeps passwords, tokens and emails out of the logs during register, login and authenticated calls', async () => {
    const { lines, logger } = capture();
    await using t = await startTestTarget({ logger });
    const email = `secret-${Date.now()}@example.test`;
    await call(t.url, 'POST', '/v1/auth/register', {
      body: { email, password: 'Sup3rSecretPass!', handle: `s_${Date.now() % 100000}` },
    });
    const login = await call(t.url, 'POST', '/v1/auth/login', { body: { email, password: 'Sup3rSecretPass!' } });
    await call(t.url, 'GET', '/v1/users/me', { token: login.body.accessToken });
    await call(t.url, 'POST', '/v1/auth/login', { body: { email, password: 'wrong-password' } });
    const all = lines.join('');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain('Sup3rSecretPass!');
    expect(all).not.toContain(email);
    expect(all).not.toContain(login.body.accessToken);
    expect(all).not.toContain(login.body.refreshToken);
  });

  it('rejects JSON bodies past the limit with 413 problem+json', async () => {
    await using t = await startTestTarget({ env: { BODY_LIMIT: '1kb' } });
    const res = await call(t.url, 'POST', '/v1/auth/register', {
      body: { email: 'a@example.test', password: 'x'.repeat(5000), handle: 'abc' },
    });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('exposes Prometheus metrics by route pattern and status, pool gauges and breaker state', async () => {
    await using t = await startTestTarget();
    await call(t.url, 'GET', '/v1/users/00000000-0000-4000-8000-000000000000');
    const text = (await call(t.url, 'GET', '/metrics')).body as string;
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/v1\/users\/:id",status="404"\} 1/);
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.2",method="GET",route="/v1/users/:id",status="404"}',
    );
    expect(text).toMatch(/pg_pool_connections\{pool="main",state="max"\} 10/);
    expect(text).toMatch(/circuit_breaker_state\{dependency="redis"\} 0/);
    expect(text).toContain('argon2_queue_length');
  });

  it('drains an in-flight request on stop, then refuses new connections', async () => {
    const t = await startTestTarget({ routes: testRoutes() });
    const inFlight = call(t.url, 'GET', '/test/slow');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = t.stop();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ finished: true });
    await stopped;
    await expect(fetch(`${t.url}/livez`)).rejects.toThrow();
  });

  it('serves HTTPS with TLS 1.2+ only when given a certificate', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tls-'));
    try {
      const cert = path.join(dir, 'cert.pem');
      const key = path.join(dir, 'key.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
        ],
        { stdio: 'ignore' },
      );
      await using t = await startTestTarget({ env: { TLS_CERT_FILE: cert, TLS_KEY_FILE: key } });
      expect(t.url).toMatch(/^https:\/\//);
      const get = (opts: https.RequestOptions) =>
        new Promise<{ status: number; protocol: string; hsts: string | undefined }>((resolve, reject) => {
          const req = https.get(`${t.url}/livez`, { rejectUnauthorized: false, ...opts }, (res) => {
            res.resume();
            resolve({
              status: res.statusCode ?? 0,
              protocol: (res.socket as TLSSocket).getProtocol() ?? '',
              hsts: res.headers['strict-transport-security'] as string | undefined,
            });
          });
          req.on('error', reject);
        });
      const ok = await get({});
      expect(ok.status).toBe(200);
      expect(['TLSv1.2', 'TLSv1.3']).toContain(ok.protocol);
      expect(ok.hsts).toMatch(/max-age/);
      await expect(
        get({ maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }),
      ).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
