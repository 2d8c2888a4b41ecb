import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunRecord } from '../../reports/index.ts';
import { startCatalogApp } from '../../security/testing.ts';
import { runCli } from '../testing.ts';

describe('rampart gate when the target dies during the scan', () => {
  it('exits 3 (environment), not 1, with the one critical "target crashed" finding in the report', async () => {
    // A small API without registration whose search closes the server on a quote: the scan's injection probe kills it.
    await using app = await startCatalogApp({ hardened: false, crashOnQuote: true });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-gate-crash-'));
    const out = path.join(dir, 'out');
    const r = await runCli(
      ['gate', '--target', app.url, '--suites', 'none', '--drills', 'none', '--out', out],
      {},
      dir,
    );
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/the target stopped answering during the scan, after GET \/api\/search/);
    const record = await readRunRecord(path.join(out, 'run.json'));
    const crashed = record.findings.filter((f) => f.ruleId === 'rampart-target-crashed');
    expect(crashed).toHaveLength(1);
    expect(crashed[0]?.severity).toBe('critical');
  }, 120_000);
});
