import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAuthConfig } from '../auth-config.ts';
import { createUser } from '../auth.ts';
import { FindingSink } from '../findings.ts';
import { ScanHttpClient } from '../http.ts';
import { loadApiSource } from '../inputs/api-source.ts';
import { Ledger } from '../ledger.ts';
import type { ScanContext } from '../scan-context.ts';
import { setupObjects } from '../setup-objects.ts';
import { startVulnerableApp } from '../test-apps/vulnerable-app.ts';
import { vulnerableOpenApi } from '../test-apps/vulnerable-openapi.ts';
import { bodyCaseArb, boundaryValue, validArb } from './arbitraries.ts';
import { runFuzz } from './run-fuzz.ts';
import { SchemaValidator } from './schema-validator.ts';

const run = promisify(execFile);

async function fuzzOnce(url: string, seed: number) {
  const client = new ScanHttpClient(url);
  const auth = parseAuthConfig({});
  const api = (await loadApiSource(client, { servedPath: '/openapi.json' }, null, () => {})).model;
  const a = await createUser(client, auth, 'A');
  const ctx: ScanContext = {
    client,
    api,
    auth,
    profile: 'quick',
    seed,
    sink: new FindingSink(),
    a,
    b: a,
    pool: [a],
    objects: new Map(),
    notes: [],
    progress: () => {},
    signal: new AbortController().signal,
    catchAll: null,
    readOnly: false,
    admin: null,
    discovered: false,
    ledger: new Ledger(),
    accounts: 'registered',
  };
  await setupObjects(ctx);
  const before = client.history.length;
  await runFuzz(ctx);
  await client.close();
  // Ids and emails differ between runs; the generated inputs must not.
  const norm = (s: string) => s.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'ID');
  return {
    requests: client.history
      .slice(before)
      .map((e) => norm(`${e.request.method} ${e.request.url.replace(url, '')} ${e.request.body ?? ''}`)),
    ctx,
    token: a.token,
  };
}

describe('negative fuzzing from the OpenAPI schemas', () => {
  const noteInput = vulnerableOpenApi.paths['/v1/notes'].post.requestBody.content['application/json']
    .schema as unknown as Record<string, unknown>;

  it('valid arbitraries derived from a schema always satisfy it (ajv)', () => {
    const v = new SchemaValidator();
    fc.assert(
      fc.property(validArb(noteInput), (value) => v.check(noteInput, value) === null),
      { seed: 7, numRuns: 200 },
    );
  });

  it('boundary values are one step outside the documented bounds', () => {
    const v = new SchemaValidator();
    expect(v.check({ type: 'string', maxLength: 5 }, boundaryValue({ type: 'string', maxLength: 5 }))).not.toBeNull();
    expect(
      v.check(
        { type: 'integer', minimum: 1, maximum: 50 },
        boundaryValue({ type: 'integer', minimum: 1, maximum: 50 }),
      ),
    ).not.toBeNull();
  });

  it('generates every kind of bad input: wrong types, missing required, boundaries, nasty strings, non-objects and malformed JSON', () => {
    const kinds = new Set(fc.sample(bodyCaseArb(noteInput), { seed: 1, numRuns: 300 }).map((c) => c.kind));
    expect([...kinds].sort()).toEqual([
      'boundary',
      'malformed-json',
      'missing-required',
      'nasty-string',
      'not-an-object',
      'valid',
      'wrong-type',
    ]);
  });

  it('the same seed sends the same cases; another seed sends others', async () => {
    await using app = await startVulnerableApp();
    const first = await fuzzOnce(app.url, 99);
    const again = await fuzzOnce(app.url, 99);
    const other = await fuzzOnce(app.url, 100);
    expect(first.requests.length).toBeGreaterThan(30);
    expect(again.requests).toEqual(first.requests);
    expect(other.requests).not.toEqual(first.requests);
  });

  it('a failure prints a curl command that reproduces it', async () => {
    await using app = await startVulnerableApp();
    const { ctx, token } = await fuzzOnce(app.url, 5);
    const finding = ctx.sink
      .list()
      .find((f) => f.ruleId === 'rampart-fuzz-invalid-accepted' && f.endpoint === 'POST /v1/notes');
    expect(finding, 'the app accepts invalid notes; fuzzing must say so').toBeDefined();
    const curl = /\n {2}(curl .*)$/.exec(finding?.description ?? '')?.[1];
    expect(curl).toContain('$RAMPART_TOKEN');
    expect(finding?.description).not.toContain(token);
    const { stdout } = await run('bash', ['-c', curl as string], { env: { ...process.env, RAMPART_TOKEN: token } });
    expect(stdout.split('\n')[0]).toMatch(new RegExp(`^HTTP/1.1 ${finding?.evidence?.response?.status} `));
  });
});
