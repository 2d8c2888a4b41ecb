import { describe, expect, it } from 'vitest';
import { call, startTestTarget } from '../testing.ts';
import { createSemaphore } from './semaphore.ts';

describe('bulkheads', () => {
  it('a semaphore runs at most `concurrency` tasks and sheds past its queue bound with 503', async () => {
    const sem = createSemaphore({ name: 'x', concurrency: 2, maxQueue: 1, retryAfterSeconds: 3 });
    let running = 0;
    let peak = 0;
    const task = () =>
      sem.run(async () => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 50));
        running--;
      });
    const results = await Promise.allSettled([task(), task(), task(), task()]);
    expect(peak).toBe(2);
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toMatchObject({ status: 503, retryAfterSeconds: 3 });
  });

  it('a login storm is shed with 503 + Retry-After while reads keep answering', async () => {
    await using t = await startTestTarget({
      env: {
        ARGON2_CONCURRENCY: '1',
        ARGON2_MAX_QUEUE: '2',
        RATE_LIMIT_ANON_PER_MINUTE: '100000',
        LOGIN_MAX_FAILURES_PER_IP: '100000',
      },
    });
    const u = {
      email: `storm-${Date.now()}@example.test`,
      password: 'password123!',
      handle: `storm_${Date.now() % 100000}`,
    };
    const reg = await call(t.url, 'POST', '/v1/auth/register', { body: u });
    const storm = Array.from({ length: 12 }, () =>
      call(t.url, 'POST', '/v1/auth/login', { body: { email: u.email, password: u.password } }),
    );
    const read = await call(t.url, 'GET', `/v1/users/${reg.body.user.id}`);
    expect(read.status).toBe(200);
    const results = await Promise.all(storm);
    const statuses = results.map((r) => r.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    const shed = results.find((r) => r.status === 503)!;
    expect(shed.body.code).toBe('OVERLOADED');
    expect(Number(shed.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
