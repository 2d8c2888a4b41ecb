import { describe, expect, it } from 'vitest';
import { loadTargetConfig, workerEnv } from './config.ts';

const base = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('target configuration', () => {
  it('applies the documented defaults and freezes the result', () => {
    const c = loadTargetConfig(base);
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      workers: 2,
      redisFallback: true,
      logLevel: 'info',
      tls: null,
      otel: null,
      corsOrigins: [],
    });
    expect(c.rateLimit).toMatchObject({ perUserPerMinute: 100, perIpPerMinute: 100 });
    expect(c.accessTokenTtlMs).toBe(15 * 60_000);
    expect(Object.isFrozen(c) && Object.isFrozen(c.rateLimit)).toBe(true);
  });

  it('generates a JWT secret when none is given, and passes it to workers so they agree', () => {
    const c = loadTargetConfig(base);
    expect(c.jwtSecretGenerated).toBe(true);
    expect(c.jwtSecret.length).toBeGreaterThanOrEqual(32);
    const worker = loadTargetConfig(workerEnv(c, base));
    expect(worker.jwtSecret).toBe(c.jwtSecret);
    expect(worker.jwtSecretGenerated).toBe(false);
  });

  it('reads REDIS_FALLBACK, CORS_ORIGINS, durations and TLS files', () => {
    const c = loadTargetConfig({
      ...base,
      REDIS_FALLBACK: 'off',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      ACCESS_TOKEN_TTL: '30s',
      TLS_CERT_FILE: '/c.pem',
      TLS_KEY_FILE: '/k.pem',
    });
    expect(c.redisFallback).toBe(false);
    expect(c.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.accessTokenTtlMs).toBe(30_000);
    expect(c.tls).toEqual({ certFile: '/c.pem', keyFile: '/k.pem' });
    expect(
      loadTargetConfig({ ...base, WORKER_NODE_ARGS: ' --cpu-prof  --cpu-prof-dir=/tmp/prof ' }).workerNodeArgs,
    ).toEqual(['--max-semi-space-size=64', '--cpu-prof', '--cpu-prof-dir=/tmp/prof']);
    expect(loadTargetConfig({ ...base, WORKER_SEMI_SPACE_MB: '16' }).workerNodeArgs).toEqual([
      '--max-semi-space-size=16',
    ]);
    expect(loadTargetConfig(base).clusterScheduling).toBe('none');
    expect(loadTargetConfig({ ...base, CLUSTER_SCHEDULING: 'rr' }).clusterScheduling).toBe('rr');
    expect(() => loadTargetConfig({ ...base, CLUSTER_SCHEDULING: 'fair' })).toThrow(/CLUSTER_SCHEDULING/);
  });

  it('names every bad or missing key', () => {
    expect(() => loadTargetConfig({})).toThrow(/DATABASE_URL[\s\S]*REDIS_URL/);
    expect(() => loadTargetConfig({ ...base, WORKERS: '0' })).toThrow(/WORKERS/);
    expect(() => loadTargetConfig({ ...base, JWT_SECRET: 'short' })).toThrow(/JWT_SECRET: must be at least 32/);
    expect(() => loadTargetConfig({ ...base, REDIS_FALLBACK: 'maybe' })).toThrow(/REDIS_FALLBACK/);
    expect(() => loadTargetConfig({ ...base, TLS_CERT_FILE: '/c.pem' })).toThrow(/TLS_KEY_FILE/);
    expect(() => loadTargetConfig({ ...base, ACCESS_TOKEN_TTL: 'soon' })).toThrow(/ACCESS_TOKEN_TTL/);
    expect(() => loadTargetConfig({ ...base, DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadTargetConfig({ ...base, WORKER_NODE_ARGS: 'rm -rf /' })).toThrow(
      /WORKER_NODE_ARGS: must be node flags/,
    );
  });
});
