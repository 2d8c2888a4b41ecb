import { createServer } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, repoPath } from '../common/index.ts';
import { runScenario } from './engine.ts';
import { scenarioJsonSchema } from './schema/suite.ts';
import { listSuites, loadSuite, suitesDir } from './suites.ts';

const dirs: string[] = [];
async function scratch(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-suite-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const suite = (scenario: string) => `
name: mine
description: a suite of my own
scenarios:
  - name: s
    executor: per-vu-iterations
    vus: 2
    iterations: 1
${scenario}`;

describe('suite files: {{env.NAME}}', () => {
  it('fills {{env.NAME}} from the environment it is given, leaving the engine its own placeholders', async () => {
    const dir = await scratch({
      's.yaml': suite(`    flows:
      - name: f
        steps:
          - { path: "/v1/{{env.API_PATH}}/{{uuid}}", headers: { authorization: "Bearer {{ env.TOKEN }}" } }`),
    });
    const loaded = loadSuite(path.join(dir, 's.yaml'), 'quick', { env: { TOKEN: 'abc', API_PATH: 'posts' } });
    const step = loaded.scenarios[0]?.flows[0]?.steps[0];
    expect(step?.path).toBe('/v1/posts/{{uuid}}');
    expect(step?.headers).toEqual({ authorization: 'Bearer abc' });
  });

  it('a variable that is not set is bad input naming it and where it is used', async () => {
    const dir = await scratch({
      's.yaml': suite(`    flows:
      - name: f
        steps:
          - { path: /v1/feed, headers: { authorization: "Bearer {{env.TOKEN}}" } }`),
    });
    const err = (() => {
      try {
        loadSuite(path.join(dir, 's.yaml'), 'quick', { env: {} });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(
      /\{\{env\.TOKEN\}\} \(at scenarios\[0\]\.flows\[0\]\.steps\[0\]\.headers\.authorization\), but TOKEN is not set/,
    );
  });
});

describe('suite files: users from CSV and JSON data files', () => {
  it("reads a CSV (quoted commas) or JSON file relative to the suite into the scenario's users", async () => {
    const dir = await scratch({
      'users.csv': 'email,password\nann@example.test,"pa,ss1"\nbob@example.test,pass2\n',
      'users.json': JSON.stringify([{ email: 'cy@example.test', id: 7 }]),
      'csv.yaml': suite('    users: { file: users.csv }\n    flows: [{ name: f, steps: [{ path: /x }] }]'),
      'json.yaml': suite('    users: { file: users.json }\n    flows: [{ name: f, steps: [{ path: /x }] }]'),
    });
    expect(loadSuite(path.join(dir, 'csv.yaml')).scenarios[0]?.users).toEqual([
      { email: 'ann@example.test', password: 'pa,ss1' },
      { email: 'bob@example.test', password: 'pass2' },
    ]);
    expect(loadSuite(path.join(dir, 'json.yaml')).scenarios[0]?.users).toEqual([{ email: 'cy@example.test', id: 7 }]);
  });

  it('refuses a missing, malformed or empty data file, naming it', async () => {
    const dir = await scratch({
      'bad.csv': 'email,password\n"unterminated,x\n',
      'empty.json': '[]',
      'missing.yaml': suite('    users: { file: nope.csv }\n    flows: [{ name: f, steps: [{ path: /x }] }]'),
      'bad.yaml': suite('    users: { file: bad.csv }\n    flows: [{ name: f, steps: [{ path: /x }] }]'),
      'empty.yaml': suite('    users: { file: empty.json }\n    flows: [{ name: f, steps: [{ path: /x }] }]'),
    });
    expect(() => loadSuite(path.join(dir, 'missing.yaml'))).toThrow(/data file .*nope\.csv: cannot be read \(ENOENT\)/);
    expect(() => loadSuite(path.join(dir, 'bad.yaml'))).toThrow(/data file .*bad\.csv: is not valid CSV/);
    expect(() => loadSuite(path.join(dir, 'empty.yaml'))).toThrow(/data file .*empty\.json: has no rows/);
  });

  it('each VU sends its own row, and setup steps start from the rows ({{user.email}} logs in)', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['x-user'] ?? ''}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ token: `t-${String(req.headers['x-user'])}` }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const dir = await scratch({
        'users.csv': 'email\nann@example.test\nbob@example.test\n',
        's.yaml': suite(`    users: { file: users.csv }
    setup:
      users:
        count: 2
        steps: [{ method: POST, path: /login, headers: { x-user: "{{user.email}}" }, captures: { token: { json: token } } }]
    flows:
      - name: f
        steps: [{ path: "/me", headers: { x-user: "{{user.email}} {{user.token}}" } }]`),
      });
      const scenario = loadSuite(path.join(dir, 's.yaml')).scenarios[0];
      const { port } = server.address() as AddressInfo;
      const result = await runScenario(scenario!, { baseUrl: new URL(`http://127.0.0.1:${port}`) });
      expect(result.summary.requests).toBe(2);
      expect(seen.filter((l) => l.startsWith('POST')).sort()).toEqual([
        'POST /login ann@example.test',
        'POST /login bob@example.test',
      ]);
      expect(seen.filter((l) => l.startsWith('GET')).sort()).toEqual([
        'GET /me ann@example.test t-ann@example.test',
        'GET /me bob@example.test t-bob@example.test',
      ]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('schemas/scenario.schema.json', () => {
  it('is what `npm run schema` generates now', async () => {
    const committed = JSON.parse(await readFile(repoPath('schemas', 'scenario.schema.json'), 'utf8'));
    expect(committed, 'run `npm run schema` and commit schemas/scenario.schema.json').toEqual(scenarioJsonSchema());
  });

  it('accepts every bundled suite and refuses an unknown executor or field', async () => {
    const validate = new Ajv2020.default({ strict: false }).compile(scenarioJsonSchema());
    for (const name of listSuites()) {
      const doc = parseYaml(await readFile(path.join(suitesDir, `${name}.yaml`), 'utf8'));
      expect(validate(doc), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const bad = parseYaml(suite('    flows: [{ name: f, steps: [{ path: /x, expectStatuses: [200] }] }]'));
    expect(validate(bad)).toBe(false);
    expect(
      validate({ name: 'x', description: 'y', scenarios: [{ name: 's', executor: 'constant-rate', rate: 1 }] }),
    ).toBe(false);
  });
});
