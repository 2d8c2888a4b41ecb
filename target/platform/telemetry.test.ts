import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { repoPath, tsNodeArgs } from '../../common/index.ts';
import { useDatabase, useRedis } from '../../test/services.ts';
import { isTargetMessage } from '../protocol.ts';

/**
 * A stand-in OTLP/HTTP collector (a plain HTTP server recording what is
 * POSTed to /v1/traces) — the real exporter talks to it over a real socket.
 */
describe('OpenTelemetry', () => {
  it('exports spans of HTTP, pg and ioredis over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    await using db = await useDatabase();
    await using redis = await useRedis();
    const bodies: Buffer[] = [];
    const collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const child = fork(repoPath('target/cluster.ts'), [], {
      execArgv: tsNodeArgs(),
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        PORT: '0',
        WORKERS: '1',
        LOG_LEVEL: 'silent',
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('target not ready')), 60_000);
        child.on('message', (m) => {
          if (isTargetMessage(m) && m.type === 'target.ready') {
            clearTimeout(timer);
            resolve(m.url);
          }
        });
      });
      const res = await fetch(`${url}/v1/users/00000000-0000-4000-8000-000000000000`);
      expect(res.status).toBe(404);
      const deadline = Date.now() + 20_000;
      const seen = () => Buffer.concat(bodies).toString('latin1');
      while (
        Date.now() < deadline &&
        !(seen().includes('SELECT') && /evalsha|get|EVALSHA|GET/.test(seen()) && seen().includes('GET /v1/users'))
      ) {
        await new Promise((r) => setTimeout(r, 250));
      }
      const all = seen();
      expect(all).toContain('socialconnect');
      expect(all).toContain('SELECT'); // pg span (statement text, parameterised)
      expect(all).toMatch(/ioredis|redis/i);
      expect(all).toContain('GET /v1/users');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      collector.close();
    }
  });
});
