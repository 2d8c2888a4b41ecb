import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/testing.ts';
import { codeLines, fileCode, guideExample } from '../../test/guide-examples.ts';
import type * as Formats from './formats.ts';

// docs/extending.md, "A report format", step 2: the new definition is listed in reportFormatDefinitions. The
// example (step 1, testing/csv-format.ts) is not shipped, so this file adds it to the real module here; the run,
// the CLI and the files written are the real ones.
vi.mock('./formats.ts', async (importOriginal) => {
  const real = await importOriginal<typeof Formats>();
  const { csvFormat } = await import('./testing/csv-format.ts');
  return { ...real, reportFormatDefinitions: [...real.reportFormatDefinitions, csvFormat] };
});

const suite = `name: probe
description: GET / a few times
stack: {}
scenarios:
  - name: probe
    executor: per-vu-iterations
    vus: 1
    iterations: 5
    maxDuration: 20s
    flows:
      - name: get
        steps:
          - { name: GET /, path: /, checks: [{ type: status, equals: 200 }] }
    thresholds:
      checks: ["rate==1"]
    thresholdWindows: []
`;

describe('a report format added the way docs/extending.md says (the example csv format)', () => {
  let dir: string;
  let record: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-extending-format-'));
    await writeFile(path.join(dir, 'probe.yaml'), suite);
    const server = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const run = await runCli(['run', path.join(dir, 'probe.yaml'), '--target', url, '--out', path.join(dir, 'run')]);
      expect(run.code, run.stderr).toBe(0);
    } finally {
      server.close();
    }
    record = path.join(dir, 'run', 'run.json');
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("is the guide's example, line for line (the file adds the definition the guide puts in formats.ts)", () => {
    const guide = codeLines(guideExample('reports/render/csv.ts'));
    expect(fileCode('reports', 'render', 'testing', 'csv-format.ts').slice(0, guide.length)).toEqual(guide);
  });

  it('rampart report --format csv writes it from a real run record, beside the other formats', async () => {
    const out = path.join(dir, 'chosen');
    const res = await runCli(['report', record, '--format', 'csv,md', '--out', out]);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['summary.md', 'verdicts.csv']);
    const csv = await readFile(path.join(out, 'verdicts.csv'), 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('objective,outcome,target,measured');
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^thresholds probe,pass,/)]);
    // The same verdicts as the JSON format gives.
    expect((await runCli(['report', record, '--format', 'json', '--out', out])).code).toBe(0);
    const json = JSON.parse(await readFile(path.join(out, 'verdicts.json'), 'utf8')) as {
      verdicts: Array<{ objective: string; outcome: string }>;
    };
    expect(json.verdicts.map((v) => `${v.objective},${v.outcome}`)).toEqual(
      lines.slice(1).map((l) => l.split(',').slice(0, 2).join(',')),
    );
  });

  it('is one of the formats everywhere they are listed: the default of rampart report, its help, the error', async () => {
    const out = path.join(dir, 'default');
    expect((await runCli(['report', record, '--out', out])).code).toBe(0);
    expect((await readdir(out)).sort()).toEqual([
      'junit.xml',
      'report.html',
      'summary.md',
      'verdicts.csv',
      'verdicts.json',
    ]);
    const help = (await runCli(['report', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/comma-separated: html,json,junit,md,csv/);
    expect(help).toMatch(/JUnit XML, a Markdown summary and CSV \(one row per objective\)\./);
    const bad = await runCli(['report', record, '--format', 'pdf', '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/use a comma-separated list of html, json, junit, md, csv/);
  });
});
