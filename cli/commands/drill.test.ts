import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { getFreePort } from '../../common/index.ts';
import { runCli } from '../testing.ts';

const run = (args: string[]) => runCli(args);

describe('rampart drill', () => {
  it('lists the drills', async () => {
    const r = await run(['drill', '--list']);
    expect(r.code).toBe(0);
    for (const name of [
      'pg-latency',
      'pg-down',
      'redis-down',
      'redis-latency',
      'network-reset',
      'bandwidth-squeeze',
      'worker-crash',
      'pg-restart',
    ]) {
      expect(r.stdout).toContain(name);
    }
  });

  it('exits 2 naming an unknown drill, a drill file that is not there, a bad profile or a bad URL', async () => {
    const unknown = await run(['drill', 'pg-melts']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('pg-melts');
    const missing = await run(['drill', 'drills/not-there.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read drill file .*not-there\.yaml/);
    const proxyName = await run(['drill', 'pg-down', '--proxy-name', 'postgres']);
    expect(proxyName.code).toBe(2);
    expect(proxyName.stderr).toContain('--proxy-name must be NAME_IN_FILE=NAME_ON_TOXIPROXY');
    const profile = await run(['drill', 'pg-down', '--profile', 'huge']);
    expect(profile.code).toBe(2);
    expect(profile.stderr).toContain('--profile');
    const url = await run(['drill', 'pg-down', '--target', 'not a url']);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('--target');
  });

  it('exits 3 when --target does not answer', async () => {
    const r = await run(['drill', 'pg-down', '--target', `http://127.0.0.1:${await getFreePort()}`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot reach/);
  });

  it('a drill whose faults cannot reach an external target is INCONCLUSIVE, exits 1, and its JUnit has a test case saying why', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rampart-drill-'));
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const [drill, why] of [
        ['worker-crash', /process fault on worker needs the managed stack/],
        ['redis-down', /no Toxiproxy to reach proxy redis .*--toxiproxy/],
      ] as const) {
        const out = path.join(dir, drill);
        const r = await run(['drill', drill, '--target', target, '--out', out]);
        expect(r.code, r.stdout + r.stderr).toBe(1);
        expect(r.stdout).toMatch(new RegExp(`^INCONCLUSIVE ${drill}`, 'm'));
        expect(r.stdout).toMatch(why);
        expect(r.stdout).toContain('verdict: INCONCLUSIVE');
        expect(r.stdout).not.toMatch(/^PASS/m);
        const record = JSON.parse(await readFile(path.join(out, 'run.json'), 'utf8')) as {
          drills: { name: string; passed: boolean; outcome: string; reason: string; skipped: string[] }[];
          verdict: string;
          verdicts: { outcome: string; reason: string }[];
        };
        expect(record.drills[0]).toMatchObject({
          name: drill,
          passed: false,
          outcome: 'inconclusive',
          skipped: [expect.stringMatching(why)],
        });
        expect(record.drills[0]!.reason).toMatch(/faults not injected/);
        expect(record.verdict).toBe('inconclusive');
        expect(record.verdicts).toEqual([
          expect.objectContaining({ outcome: 'inconclusive', reason: expect.stringMatching(/to conclude/) }),
        ]);
        const junit = await readFile(path.join(out, 'junit.xml'), 'utf8');
        expect(junit).toMatch(/<testsuites name="rampart" tests="1" failures="0" errors="1"/);
        expect(junit).toMatch(
          new RegExp(
            `<testcase [^>]*name="drill ${drill}\\[${drill}\\]"[^>]*><error message="INCONCLUSIVE[^"]*" type="inconclusive">`,
          ),
        );
      }
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
