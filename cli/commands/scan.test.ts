import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunRecord } from '../../reports/index.ts';
import { failingFindings } from '../../security/index.ts';
import { startShopApp, startVulnerableApp, startZapReplay } from '../../security/testing.ts';
import { runCli } from '../testing.ts';

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, env);

let dir: string;
let app: Awaited<ReturnType<typeof startVulnerableApp>>;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rampart-cli-scan-'));
  app = await startVulnerableApp();
});
afterAll(async () => {
  await app?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('rampart scan', () => {
  it('exits 2 naming the flag for a bad profile, seed, target or fail-on', async () => {
    for (const [args, flag] of [
      [['--profile', 'huge'], '--profile'],
      [['--seed', 'abc'], '--seed'],
      [['--target', 'ftp://x'], '--target'],
      [['--fail-on', 'scary'], '--fail-on'],
    ] as const) {
      const r = await run(['scan', '--target', 'http://127.0.0.1:1', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(flag);
    }
  });

  it('exits 2 for an auth config with a bad key, naming it', async () => {
    const file = path.join(dir, 'auth.yaml');
    await writeFile(file, 'login:\n  path: no-leading-slash\n');
    const r = await run(['scan', '--target', app.url, '--auth-config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('login.path');
    await writeFile(file, 'sendTokens: { in: header, name: x-auth }\n');
    const misspelt = await run(['scan', '--target', app.url, '--auth-config', file]);
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain('unknown key "sendTokens"; did you mean "sendToken"?');
  });

  it('exits 2 naming the problem for an unreadable --openapi file, or --openapi with --har', async () => {
    const missing = await run(['scan', '--target', app.url, '--openapi', path.join(dir, 'nope.yaml'), '--out', dir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--openapi: cannot read the OpenAPI document .*nope\.yaml/);
    const both = await run(['scan', '--target', app.url, '--openapi', 'a.yaml', '--har', 'b.har']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--openapi and --har');
  });

  it('scans with --openapi api.yaml (Swagger 2.0, converted) and a cookie-session auth config', async () => {
    await using shop = await startShopApp({ hardened: false });
    const out = path.join(dir, 'openapi-yaml');
    const r = await run([
      'scan',
      '--target',
      shop.url,
      '--openapi',
      'security/fixtures/shop-swagger2.yaml',
      '--auth-config',
      'security/fixtures/shop-auth-cookie.yaml',
      '--seed',
      '5',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/CRITICAL +injection +rampart-inj-sql-union +GET \/rest\/products\/search/);
    expect(r.stdout).toMatch(
      /document from --openapi security\/fixtures\/shop-swagger2\.yaml \(Swagger 2\.0, converted to OpenAPI 3\.0\): 11 operations/,
    );
  }, 60_000);

  it('exits 3 when the target stops answering mid-scan, with one critical "target crashed" finding in the report', async () => {
    await using shop = await startShopApp({ hardened: false, crashOnReviews: true });
    const out = path.join(dir, 'crashed');
    const r = await run([
      'scan',
      '--target',
      shop.url,
      '--auth-config',
      'security/fixtures/shop-auth-cookie.yaml',
      '--seed',
      '13',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/the target stopped answering after GET \/rest\/products\/\S+\/reviews/);
    expect(r.stdout).toMatch(/CRITICAL +API4:2023 +rampart-target-crashed +GET \/rest\/products\/\S+\/reviews/);
    const record = await readRunRecord(path.join(out, 'run.json'));
    expect(record.findings.filter((f) => f.ruleId === 'rampart-target-crashed')).toHaveLength(1);
  }, 60_000);

  it('without any document discovers the API and writes the working document next to run.json', async () => {
    await using shop = await startShopApp({ hardened: true });
    const out = path.join(dir, 'discovered');
    const r = await run([
      'scan',
      '--target',
      shop.url,
      '--auth-config',
      'security/fixtures/shop-auth-cookie.yaml',
      '--seed',
      '6',
      '--out',
      out,
    ]);
    expect(r.code, r.stdout).toBe(0);
    const doc = JSON.parse(await readFile(path.join(out, 'openapi.discovered.json'), 'utf8')) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/rest/basket/{id}', '/api/Products/{id}']));
    expect(r.stdout).toContain(`working document written to ${path.join(out, 'openapi.discovered.json')}`);
  }, 60_000);

  it('exits 3 when the target does not answer', async () => {
    const r = await run(['scan', '--target', 'http://127.0.0.1:9', '--out', dir]);
    expect(r.code).toBe(3);
  });

  it('writes run.json and exits 1 on a vulnerable target; a suppression file accepting every failing rule makes it exit 0', async () => {
    const out = path.join(dir, 'first');
    const first = await run(['scan', '--target', app.url, '--seed', '3', '--out', out]);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/CRITICAL +API1:2023 +rampart-api1-bola-write +PATCH \/v1\/notes\/\{id\}/);
    const record = await readRunRecord(path.join(out, 'run.json'));
    expect(record.meta.command).toBe('scan');
    expect(record.findings.length).toBeGreaterThan(10);
    expect(record.notes.join('\n')).toContain('seed 3');

    const failing = [...new Set(failingFindings(record.findings).map((f) => f.ruleId))];
    const rules = path.join(dir, 'rules.tsv');
    await writeFile(rules, failing.map((id) => `${id}\tIGNORE\t(accepted for this test app)`).join('\n'));
    const second = await run([
      'scan',
      '--target',
      app.url,
      '--seed',
      '3',
      '--out',
      path.join(dir, 'second'),
      '--suppressions',
      rules,
    ]);
    expect(second.code, second.stdout).toBe(0);
    expect(second.stdout).toContain('[IGNORE: accepted for this test app]');
  });

  it('drives ZAP from ZAP_URL / ZAP_API_KEY and merges its alerts (mock ZAP daemon replaying a recorded exchange)', async () => {
    await using zap = await startZapReplay({ target: 'http://nginx:8080' });
    const out = path.join(dir, 'zap');
    const r = await run(
      ['scan', '--target', app.url, '--seed', '4', '--out', out, '--zap-target', 'http://nginx:8080'],
      { ZAP_URL: zap.url, ZAP_API_KEY: 'rampart-test-key' },
    );
    expect(r.code).toBe(1);
    // ZAP is told the target as it reaches it (inside docker compose), not the harness's address.
    expect(zap.calls.find((c) => c.path === '/JSON/openapi/action/importUrl/')?.params.url).toBe(
      'http://nginx:8080/openapi.json',
    );
    const record = JSON.parse(await readFile(path.join(out, 'run.json'), 'utf8')) as {
      findings: { ruleId: string; source: string }[];
    };
    expect(record.findings.filter((f) => f.source === 'zap').map((f) => f.ruleId)).toContain('zap-40018');
  }, 60_000);

  it('without --target starts the managed stack, scans SocialConnect with the known-issues file, exits 0 and stops the stack', async () => {
    const out = path.join(dir, 'managed');
    const r = await run(['scan', '--seed', '8', '--out', out, '--suppressions', 'security/target-known-issues.yaml']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const record = await readRunRecord(path.join(out, 'run.json'));
    expect(record.meta.target).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(failingFindings(record.findings)).toEqual([]);
    // The stack is gone: its port no longer answers.
    await expect(fetch(`${record.meta.target}/livez`)).rejects.toThrow();
  }, 180_000);
});
