import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvConfig } from '../../common/index.ts';
import { startStack, type StartedStack } from '../../stack/index.ts';
import { listBundledDrills, loadDrill } from './file/load-drill.ts';
import { runDrill } from './runner.ts';

/**
 * Every shipped drill, quick profile, against the managed stack (real
 * PostgreSQL, Redis, fault proxy process and target cluster). One stack for
 * the file; the drills that kill processes run last.
 */
const order = [
  'pg-latency',
  'redis-latency',
  'bandwidth-squeeze',
  'network-reset',
  'redis-down',
  'pg-down',
  'worker-crash',
  'pg-restart',
];

describe('drills on the managed stack (quick profile)', () => {
  it('covers every bundled drill file', () => {
    expect([...order].sort()).toEqual(listBundledDrills());
  });

  let stack: StartedStack;
  beforeAll(async () => {
    stack = await startStack({ env: loadEnvConfig({}), stateDir: null });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  for (const name of order) {
    it(`${name} passes conclusively: every window carries the requests its objectives need, faults are rolled back, no acknowledged write is lost`, async () => {
      const part = await runDrill(loadDrill(name, 'quick'), { stack, signal: AbortSignal.timeout(110_000) });
      const drill = part.drills![0]!;
      expect(drill.checks.filter((c) => c.outcome !== 'pass')).toEqual([]);
      expect(drill.aborted).toBeNull();
      expect(drill.outcome).toBe('pass');
      expect(drill.passed).toBe(true);
      expect(drill.windows!.map((w) => w.phase)).toEqual(['steady', 'during', 'after']);
      expect(drill.reconciliation).toMatchObject({ lost: 0, duplicated: 0 });
      expect(drill.reconciliation!.acknowledged).toBeGreaterThan(0);
      // The journal pairs every injection with its removal, so reports can shade the fault window.
      const injected = part.events!.filter((e) => e.type === 'fault.injected').map((e) => e.id);
      const removed = part.events!.filter((e) => e.type === 'fault.removed').map((e) => e.id);
      expect(injected.length).toBeGreaterThan(0);
      expect(removed.sort()).toEqual(injected.sort());
      expect(part.samples!.length).toBeGreaterThan(5);
      expect(part.engine!.length).toBeGreaterThan(5);
      // Nothing is left behind on the proxy.
      const proxies = (await (await fetch(`${stack.proxyUrl}/proxies`)).json()) as Record<
        string,
        { enabled: boolean; toxics: unknown[] }
      >;
      for (const p of Object.values(proxies)) expect(p).toMatchObject({ enabled: true, toxics: [] });
    }, 120_000);
  }
});
