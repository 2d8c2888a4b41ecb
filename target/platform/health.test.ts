import { describe, expect, it } from 'vitest';
import { call, startTestTarget } from '../testing.ts';

describe('health, request ids and problem+json', () => {
  it('livez answers, readyz checks PostgreSQL and Redis for real and names Redis when it is stopped', async () => {
    await using target = await startTestTarget();
    expect((await call(target.url, 'GET', '/livez')).status).toBe(200);
    const ready = await call(target.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.postgres.status).toBe('up');
    expect(ready.body.checks.redis.status).toBe('up');

    await target.redis.stop();
    const down = await call(target.url, 'GET', '/readyz');
    expect(down.status).toBe(503);
    expect(down.body.down).toEqual(['redis']);
    expect(down.body.detail).toContain('redis');
    expect(down.body.checks.postgres.status).toBe('up');
  });

  it('echoes a given X-Request-Id, generates one otherwise, and answers unknown routes with problem+json and no stack', async () => {
    await using target = await startTestTarget();
    const given = await call(target.url, 'GET', '/v1/nope', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    expect(given.status).toBe(404);
    expect(given.headers.get('content-type')).toContain('application/problem+json');
    expect(given.body).toMatchObject({ status: 404, title: 'Not Found', requestId: 'abc-123' });
    expect(JSON.stringify(given.body)).not.toMatch(/at .+\.ts:\d+/);

    const generated = await call(target.url, 'GET', '/livez');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const junk = await call(target.url, 'GET', '/livez', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(junk.headers.get('x-request-id')).not.toContain('bad');
  });

  it('rejects a malformed body with 400 and an oversized one with 413, both problem+json', async () => {
    await using target = await startTestTarget();
    const bad = await call(target.url, 'POST', '/v1/auth/login', { body: '{"email":' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const big = await call(target.url, 'POST', '/v1/auth/login', {
      body: JSON.stringify({ email: 'x'.repeat(200_000) }),
    });
    expect(big.status).toBe(413);
    expect(big.body.status).toBe(413);
  });
});
