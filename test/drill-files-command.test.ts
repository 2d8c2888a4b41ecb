import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../common/index.ts';
import type { RunRecord } from '../reports/index.ts';
import { ordersReallyLost, runDrillConclusive, startShopSystem, type ShopSystem } from './shop/system.ts';

/**
 * The same drill with a command fault: the catalog process frozen with kill -STOP {{env.CATALOG_PID}} and
 * thawed with kill -CONT (test/shop/catalog-frozen.yaml). A frozen dependency hangs instead of refusing:
 * the hardened front's short timeouts and snapshot still serve reads (PASS); the fragile front fails
 * reads and loses the orders it acknowledged (FAIL). Either way the catalog runs again afterwards.
 */
const drillFile = repoPath('test', 'shop', 'catalog-frozen.yaml');

describe('a drill file with a command fault, against a system rampart has never seen', () => {
  let system: ShopSystem | undefined;
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(path.join(tmpdir(), 'rampart-drill-command-'));
    return () => rm(out, { recursive: true, force: true });
  });
  afterEach(async () => {
    await system?.stop();
    system = undefined;
  });

  it('the front that degrades gracefully PASSes while its catalog is frozen, and the catalog is thawed afterwards', async () => {
    system = await startShopSystem('hardened');
    const dir = path.join(out, 'hardened');
    const r = await runDrillConclusive(['drill', drillFile, '--target', system.frontUrl, '--out', dir], {
      CATALOG_PID: String(system.catalogPid),
    });
    expect(r.stdout, r.stderr).toMatch(/^PASS catalog-frozen/m);
    expect(r.code).toBe(0);
    const record = JSON.parse(await readFile(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
    expect(record.drills[0]!.reconciliation).toMatchObject({ lost: 0, duplicated: 0 });
    // The freeze was real: orders timed out into 503s while the catalog was stopped.
    expect(
      record.samples.filter((s) => s.tag === 'POST /orders').reduce((n, s) => n + s.status['5xx'], 0),
    ).toBeGreaterThan(10);
    expect(await system.catalogState()).not.toBe('T');
  }, 150_000);

  it('the fragile front FAILs, its lost orders named, and the rollback still thaws the catalog', async () => {
    system = await startShopSystem('fragile');
    const dir = path.join(out, 'fragile');
    const r = await runDrillConclusive(['drill', drillFile, '--target', system.frontUrl, '--out', dir], {
      CATALOG_PID: String(system.catalogPid),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL catalog-frozen/m);
    expect(r.stdout).toMatch(/FAIL during: GET \/items\/\{id\}: available at least 99 %/);
    const record = JSON.parse(await readFile(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
    const rec = record.drills[0]!.reconciliation!;
    // The orders the front gave up forwarding: the thawed catalog refuses them (their deadline passed), so they are lost;
    // reconciliation names exactly those the catalog does not hold.
    const truth = await ordersReallyLost(system);
    expect(truth.length).toBeGreaterThan(10);
    expect(rec.missing!.map((m) => m.id).sort()).toEqual(truth);
    expect(record.events.filter((e) => e.type === 'fault.removed')).toHaveLength(1);
    expect(await system.catalogState()).not.toBe('T');
  }, 150_000);
});
