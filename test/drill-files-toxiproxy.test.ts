import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../common/index.ts';
import type { RunRecord } from '../reports/index.ts';
import { ordersReallyLost, runDrillConclusive, runRampart, startShopSystem, type ShopSystem } from './shop/system.ts';

/**
 * The drill file of docs/chaos.md, exactly as written (test/shop/catalog-down.yaml), run by the CLI against
 * a two-service system rampart does not ship: only --target and --toxiproxy reach it. The front that
 * serves items from a snapshot PASSes; the one that reads through and acknowledges orders before the
 * catalog took them FAILs, with every lost order named.
 */
const drillFile = repoPath('test', 'shop', 'catalog-down.yaml');

describe('a drill file against a system rampart has never seen (toxiproxy fault)', () => {
  let system: ShopSystem | undefined;
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(path.join(tmpdir(), 'rampart-drill-file-'));
    return () => rm(out, { recursive: true, force: true });
  });
  afterEach(async () => {
    await system?.stop();
    system = undefined;
  });

  it('the front that degrades gracefully PASSes: reads served while the catalog is down, every acknowledged order read back', async () => {
    system = await startShopSystem('hardened');
    const dir = path.join(out, 'hardened');
    const r = await runDrillConclusive([
      'drill',
      drillFile,
      '--target',
      system.frontUrl,
      '--toxiproxy',
      system.toxiproxyUrl,
      '--out',
      dir,
    ]);
    expect(r.stdout, r.stderr).toMatch(/^PASS catalog-down/m);
    expect(r.code).toBe(0);
    const record = JSON.parse(await readFile(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
    const drill = record.drills[0]!;
    expect(drill.outcome).toBe('pass');
    expect(drill.windows!.map((w) => w.phase)).toEqual(['steady', 'during', 'after']);
    expect(drill.faults).toHaveLength(1);
    expect(drill.reconciliation).toMatchObject({ lost: 0, duplicated: 0 });
    expect(drill.reconciliation!.acknowledged).toBeGreaterThan(100);
    // The fault was real: orders failed (503) while the catalog was down, and the proxy is enabled again.
    expect(
      record.samples.filter((s) => s.tag === 'POST /orders').reduce((n, s) => n + s.status['5xx'], 0),
    ).toBeGreaterThan(10);
    const proxy = (await (await fetch(`${system.toxiproxyUrl}/proxies/catalog`)).json()) as { enabled: boolean };
    expect(proxy.enabled).toBe(true);
  }, 150_000);

  it('the fragile front FAILs: reads fail while the catalog is down, and each acknowledged order it lost is named', async () => {
    system = await startShopSystem('fragile');
    const dir = path.join(out, 'fragile');
    const r = await runDrillConclusive(
      ['drill', drillFile, '--target', system.frontUrl, '--toxiproxy', system.toxiproxyUrl, '--out', dir],
      {},
      async () => {
        system!.front.dropped.length = 0; // a rerun: only its own lost orders count
      },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL catalog-down/m);
    expect(r.stdout).toMatch(/FAIL during: GET \/items\/\{id\}: available at least 99 %/);
    const record = JSON.parse(await readFile(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
    const rec = record.drills[0]!.reconciliation!;
    // What the catalog really lacks of what the front acknowledged is exactly what reconciliation found missing.
    const truth = await ordersReallyLost(system);
    expect(truth.length).toBeGreaterThan(10);
    expect(rec.lost).toBe(truth.length);
    expect(rec.missing!.map((m) => m.id).sort()).toEqual(truth);
    // The first 20 are printed with when they were acknowledged; run.json holds every one.
    const printed = [
      ...r.stdout.matchAll(/^ {2}lost: POST \/orders id (\S+), acknowledged at \S+: GET \/orders\/\S+ answered 404$/gm),
    ].map((m) => m[1]);
    expect(printed).toHaveLength(Math.min(20, truth.length));
    for (const id of printed) expect(truth).toContain(id);
    expect(r.stdout).toMatch(
      /FAIL every acknowledged write \(POST \/orders\) is found afterwards: \d+ acknowledged, \d+ found, \d+ lost/,
    );
    // `rampart report` re-judges the drill from its run record alone: the same FAIL, the lost orders in the report.
    const again = await runRampart(['report', path.join(dir, 'run.json'), '--out', path.join(dir, 're-judged')]);
    expect(again.code).toBe(1);
    const summary = await readFile(path.join(dir, 're-judged', 'summary.md'), 'utf8');
    expect(summary).toMatch(/FAIL \| drill catalog-down/);
    const html = await readFile(path.join(dir, 're-judged', 'report.html'), 'utf8');
    expect(html).toContain(`POST /orders ${rec.missing![0]!.id}</code>`);
  }, 150_000);
});
