import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../common/index.ts';
import type { RunRecord } from '../reports/index.ts';
import { runRampart, startShopSystem, type ShopSystem } from './shop/system.ts';

/**
 * What a drill file must never do to the system it runs on: leave a fault behind (after a failure, after
 * Ctrl-C), or send load when the file or the fault's destination is wrong (exit 2, nothing sent).
 */
const shopSuite = repoPath('test', 'shop', 'shop.yaml');

/** A short drill (seconds, not minutes) in a temporary folder beside a copy-free reference to the shop suite. */
function shortDrill(name: string, method: string, extra = ''): string {
  return `name: ${name}
load: { suite: ${JSON.stringify(shopSuite)}, rate: 20 }
steadyState: { duration: 3s, objectives: [{ tag: "GET /items/{id}", availability: 90% }] }
method:
${method}
during: { objectives: [{ tag: "GET /items/{id}", availability: 90% }] }
after: { duration: 3s, objectives: [{ tag: "GET /items/{id}", availability: 90% }] }
recovery: { within: 5s }
${extra}`;
}

describe('drill files keep the system safe', () => {
  let system: ShopSystem;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rampart-drill-safety-'));
    system = await startShopSystem('fragile');
  });
  afterAll(async () => {
    await system?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const file = async (name: string, text: string) => {
    const f = path.join(dir, `${name}.yaml`);
    await writeFile(f, text);
    return f;
  };
  const requestsSeen = async () =>
    ((await (await fetch(`${system.toxiproxyUrl}/proxies/catalog`)).json()) as { enabled: boolean }).enabled;

  it('a drill file with a missing field exits 2 naming it, before anything is sent', async () => {
    const f = await file(
      'no-recovery',
      shortDrill(
        'no-recovery',
        '  - { name: freeze, duration: 5s, command: { run: "true", rollback: "true" } }',
      ).replace(/^recovery:.*$/m, ''),
    );
    const r = await runRampart(['drill', f, '--target', system.frontUrl, '--out', path.join(dir, 'out-1')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/recovery: Invalid input/);
    expect(r.stderr).toContain('no-recovery.yaml');
  }, 60_000);

  it('a method entry with two fault kinds, or an objective on a tag the load never sends, exits 2 naming it', async () => {
    const two = await file(
      'two-kinds',
      shortDrill(
        'two-kinds',
        '  - { name: both, duration: 5s, command: { run: "true", rollback: "true" }, toxiproxy: { proxy: catalog, enabled: false } }',
      ),
    );
    const r1 = await runRampart(['drill', two, '--target', system.frontUrl]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(
      /method\[0\]: give exactly one fault kind \(toxiproxy, command, http, process\), got toxiproxy and command/,
    );
    const typo = await file(
      'typo-tag',
      shortDrill('typo-tag', '  - { name: freeze, duration: 5s, command: { run: "true", rollback: "true" } }').replace(
        'during: { objectives: [{ tag: "GET /items/{id}"',
        'during: { objectives: [{ tag: "GET /item/{id}"',
      ),
    );
    const r2 = await runRampart(['drill', typo, '--target', system.frontUrl]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(
      /names tag "GET \/item\/\{id\}", which the load does not send; its request tags: GET \/items\/\{id\}, POST \/orders/,
    );
  }, 60_000);

  it('a proxy the Toxiproxy does not have exits 2 naming the ones it has, and no load is sent', async () => {
    const f = await file(
      'wrong-proxy',
      shortDrill('wrong-proxy', '  - { name: down, duration: 5s, toxiproxy: { proxy: catalgo, enabled: false } }'),
    );
    const before = system.front.dropped.length;
    const r = await runRampart([
      'drill',
      f,
      '--target',
      system.frontUrl,
      '--toxiproxy',
      system.toxiproxyUrl,
      '--out',
      path.join(dir, 'out-2'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no proxy named "catalgo"; it has: catalog/);
    expect(system.front.dropped.length).toBe(before);
    expect(await requestsSeen()).toBe(true);
    // A toxic the Toxiproxy refuses is bad input too, found before the load (tried at toxicity 0).
    const bad = await file(
      'bad-toxic',
      shortDrill(
        'bad-toxic',
        '  - { name: slow, duration: 5s, toxiproxy: { proxy: catalog, toxic: { type: latncy, attributes: { latency: 100 } } } }',
      ),
    );
    const r2 = await runRampart(['drill', bad, '--target', system.frontUrl, '--toxiproxy', system.toxiproxyUrl]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/refused toxic latncy on proxy catalog/);
    const toxics = (await (await fetch(`${system.toxiproxyUrl}/proxies/catalog/toxics`)).json()) as unknown[];
    expect(toxics).toEqual([]);
  }, 60_000);

  it('a command fault is rolled back after the drill fails on a stop condition', async () => {
    const f = await file(
      'freeze-stop',
      shortDrill(
        'freeze-stop',
        '  - { name: freeze the catalog, duration: 30s, command: { run: "kill -STOP {{env.CATALOG_PID}}", rollback: "kill -CONT {{env.CATALOG_PID}}" } }',
        'stopWhen: [{ tag: "GET /items/{id}", availability: 50%, window: 2s }]\n',
      ),
    );
    const out = path.join(dir, 'out-3');
    const r = await runRampart(['drill', f, '--target', system.frontUrl, '--out', out], {
      CATALOG_PID: String(system.catalogPid),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL freeze-stop \(stop condition: GET \/items\/\{id\}: available at least 50 %/m);
    expect(await system.catalogState()).not.toBe('T');
    const record = JSON.parse(await readFile(path.join(out, 'run.json'), 'utf8')) as RunRecord;
    const fault = record.drills[0]!.faults[0]!;
    // Stopped well before its 30 s: the stop condition ended it, and the rollback ran.
    expect(fault.end! - fault.start).toBeLessThan(20_000);
  }, 90_000);

  it('Ctrl-C during the fault rolls the command back, writes what was measured, and exits 105', async () => {
    const f = await file(
      'freeze-interrupted',
      shortDrill(
        'freeze-interrupted',
        '  - { name: freeze the catalog, duration: 60s, command: { run: "kill -STOP {{env.CATALOG_PID}}", rollback: "kill -CONT {{env.CATALOG_PID}}" } }',
      ),
    );
    const out = path.join(dir, 'out-4');
    let sent = false;
    const r = await runRampart(
      ['drill', f, '--target', system.frontUrl, '--out', out],
      { CATALOG_PID: String(system.catalogPid) },
      (line, child) => {
        if (!sent && line.includes('freeze the catalog') && !line.includes('rolled back')) {
          sent = true;
          setTimeout(() => child.kill('SIGINT'), 2000);
        }
      },
    );
    expect(sent).toBe(true);
    expect(r.code).toBe(105);
    expect(await system.catalogState()).not.toBe('T');
    const record = JSON.parse(await readFile(path.join(out, 'run.json'), 'utf8')) as RunRecord;
    expect(record.drills[0]!.aborted).toMatch(/interrupted/);
    expect(record.events.some((e) => e.type === 'fault.removed')).toBe(true);
    expect(record.samples.length).toBeGreaterThan(0);
  }, 90_000);

  it('an http fault calls the admin endpoint and its undo; a rollback that fails is named and FAILs the drill', async () => {
    const f = await file(
      'flag-flip',
      shortDrill(
        'flag-flip',
        '  - { name: flip the flag, duration: 3s, http: { method: PUT, url: /admin/flags/degraded, rollback: { method: DELETE, url: /admin/flags/degraded } } }\n' +
          '  - { name: undo that fails, duration: 3s, http: { method: PUT, url: /admin/flags/other, rollback: { method: DELETE, url: /admin/nothing-here } } }',
      ),
    );
    const out = path.join(dir, 'out-5');
    const r = await runRampart(['drill', f, '--target', system.frontUrl, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL flag-flip/m);
    expect(r.stdout).toMatch(
      /FAIL rollback of undo that fails: DELETE http:\/\/127\.0\.0\.1:\d+\/admin\/nothing-here answered 404/,
    );
    expect(system.front.adminCalls).toEqual([
      'PUT /admin/flags/degraded',
      'PUT /admin/flags/other',
      'DELETE /admin/flags/degraded',
    ]);
  }, 90_000);

  it("a drill whose load cannot start on this system (SocialConnect's drill against the shop) is INCONCLUSIVE, not FAIL, and injects nothing", async () => {
    const out = path.join(dir, 'out-6');
    const r = await runRampart([
      'drill',
      'redis-down',
      '--target',
      system.frontUrl,
      '--toxiproxy',
      system.toxiproxyUrl,
      '--proxy-name',
      'redis=catalog',
      '--database-url',
      'postgres://nobody@127.0.0.1:1/none',
      '--out',
      out,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^INCONCLUSIVE redis-down \(the load did not start: setup for user 0 failed at POST \/v1\/auth\/register: status 404; nothing injected\)/m,
    );
    const record = JSON.parse(await readFile(path.join(out, 'run.json'), 'utf8')) as RunRecord;
    expect(record.drills[0]!.outcome).toBe('inconclusive');
    expect(record.drills[0]!.faults).toEqual([]);
    expect(await requestsSeen()).toBe(true);
  }, 90_000);
});
