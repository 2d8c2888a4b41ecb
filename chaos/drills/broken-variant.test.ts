import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvConfig } from '../../common/index.ts';
import { startStack, type StartedStack } from '../../stack/index.ts';
import { loadDrill } from './file/load-drill.ts';
import { runDrill } from './runner.ts';

/**
 * A drill that cannot fail proves nothing: with the target's Redis fallback
 * turned off, redis-down must fail. The same stack also stands in for
 * "someone else's deployment" reached by URL and Toxiproxy API only.
 */
describe('drills against a deliberately broken target', () => {
  let stack: StartedStack;
  beforeAll(async () => {
    stack = await startStack({ env: loadEnvConfig({}), stateDir: null, targetEnv: { REDIS_FALLBACK: 'off' } });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('redis-down fails when reads do not fall back to PostgreSQL, and still rolls the fault back', async () => {
    const part = await runDrill(loadDrill('redis-down', 'quick'), { stack, signal: AbortSignal.timeout(110_000) });
    const drill = part.drills![0]!;
    expect(drill.passed).toBe(false);
    expect(drill.outcome).toBe('fail');
    const failed =
      drill.checks
        .filter((c) => c.outcome === 'fail')
        .map((c) => c.name)
        .join('\n') + (drill.aborted ?? '');
    expect(failed).toMatch(/reads available/);
    const redis = (await (await fetch(`${stack.proxyUrl}/proxies/${stack.proxies!.redis}`)).json()) as {
      enabled: boolean;
    };
    expect(redis.enabled).toBe(true);
  }, 120_000);

  it('an interrupted drill (Ctrl-C) rolls its fault back and keeps what it measured', async () => {
    const controller = new AbortController();
    const running = runDrill(loadDrill('pg-down', 'quick'), {
      stack,
      signal: controller.signal,
      progress: (line) => {
        if (line.includes('pg down') && !line.includes('rolled back'))
          setTimeout(() => controller.abort(new Error('SIGINT')), 1500);
      },
    });
    const part = await running;
    const drill = part.drills![0]!;
    expect(drill.aborted).toMatch(/interrupted/);
    expect(drill.passed).toBe(false);
    expect(drill.outcome).not.toBe('pass');
    expect(part.events!.some((e) => e.type === 'fault.removed')).toBe(true);
    expect(part.samples!.length).toBeGreaterThan(0);
    const pg = (await (await fetch(`${stack.proxyUrl}/proxies/${stack.proxies!.postgres}`)).json()) as {
      enabled: boolean;
    };
    expect(pg.enabled).toBe(true);
  }, 120_000);

  it('runs against an external target through its Toxiproxy, by proxy name, reconciling through DATABASE_URL', async () => {
    const part = await runDrill(loadDrill('pg-down', 'quick'), {
      target: new URL(stack.targetUrl),
      toxiproxyUrl: stack.proxyUrl!,
      databaseUrl: stack.postgresUrl,
      proxyNames: { postgres: stack.proxies!.postgres },
      signal: AbortSignal.timeout(110_000),
    });
    const drill = part.drills![0]!;
    expect(drill.checks.filter((c) => c.outcome !== 'pass')).toEqual([]);
    expect(drill.outcome).toBe('pass');
    expect(drill.passed).toBe(true);
    expect(drill.skipped).toEqual([]);
    expect(drill.reconciliation).toMatchObject({ lost: 0, duplicated: 0 });
    expect(drill.faults).toHaveLength(1);
  }, 120_000);
});
