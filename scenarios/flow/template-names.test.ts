import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/testing.ts';
import { listSuites, loadSuite, parseScenario } from '../index.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rampart-template-names-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const scenario = (steps: unknown[], extra: Record<string, unknown> = {}) => ({
  name: 'typo',
  executor: 'constant-vus',
  vus: 1,
  duration: '1s',
  flows: [{ name: 'f', steps }],
  ...extra,
});

describe('a template naming a value nothing can supply fails when the suite is loaded', () => {
  it('names the step, the name and the nearest capture: {{okFlg}} where a step captures okFlag', () => {
    const s = scenario([
      { name: 'make', method: 'POST', path: '/things', captures: { okFlag: { json: 'ok' } } },
      { name: 'read', path: '/things/{{okFlg}}' },
    ]);
    expect(() => parseScenario(s, 'suite x')).toThrow(
      /flows\[0\] \(f\)\.steps\[1\] "read": \{\{okFlg\}\} names no value: nothing captures "okFlg" before this step; did you mean \{\{okFlag\}\}\?/,
    );
  });

  it('suggests a per-request value: {{uuidd}} → {{uuid}}, and a user field: {{user.emial}} → {{user.email}}', () => {
    const s = scenario([{ path: '/x', headers: { 'idempotency-key': '{{uuidd}}', 'x-user': '{{user.emial}}' } }], {
      users: [{ email: 'a@b.c' }],
    });
    expect(() => parseScenario(s)).toThrow(/\{\{uuidd\}\} names no value.*did you mean \{\{uuid\}\}\?/);
    expect(() => parseScenario(s)).toThrow(
      /\{\{user\.emial\}\} names a user field nothing sets.*did you mean \{\{user\.email\}\}\?/,
    );
  });

  it('says when a value is captured only by a later step, and accepts what is supplied', () => {
    expect(() =>
      parseScenario(scenario([{ path: '/a/{{id}}' }, { path: '/b', captures: { id: { json: 'id' } } }])),
    ).toThrow(/"id" is captured only by a later step/);
    // Captures of earlier steps, per-request values, env-free users from the caller (no setup, no rows): all fine.
    expect(() =>
      parseScenario(
        scenario([
          { path: '/b', captures: { id: { json: 'id' } } },
          {
            path: '/a/{{id}}?v={{vu}}&i={{iter}}&r={{rep}}&u={{uuid}}&n={{now}}&x={{rand}}&run={{runId}}',
            headers: { authorization: 'Bearer {{user.token}}' },
          },
        ]),
      ),
    ).not.toThrow();
  });

  it('rampart run exits 2 naming the step before any request is sent (the target is never reached)', async () => {
    const file = path.join(tmp, 'typo.yaml');
    writeFileSync(
      file,
      [
        'name: typo',
        'description: a typo in a template',
        'scenarios:',
        '  - name: s',
        '    executor: constant-vus',
        '    vus: 1',
        '    duration: 1s',
        '    flows:',
        '      - name: f',
        '        steps:',
        '          - { name: make, method: POST, path: /things, captures: { okFlag: { json: ok } } }',
        '          - { name: read, path: "/things/{{okFlg}}" }',
      ].join('\n'),
    );
    // Port 9 (discard) on loopback: nothing listens; reaching it would be exit 3, not 2.
    const r = await runCli(['run', file, '--target', 'http://127.0.0.1:9']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('{{okFlg}}');
    expect(r.stderr).toContain('"read"');
    expect(r.stderr).toContain('did you mean {{okFlag}}?');
  });

  it("refuses a step's own capture and a batch sibling's capture (neither is set when the request is rendered), accepts them after", async () => {
    expect(() =>
      parseScenario(scenario([{ name: 'self', path: '/a/{{id}}', captures: { id: { json: 'id' } } }])),
    ).toThrow(/steps\[0\] "self": \{\{id\}\} names no value: "id" is this step's own capture/);
    const batch = {
      batch: [
        { name: 'make', method: 'POST', path: '/posts', captures: { postId: { json: 'id' } } },
        { name: 'read', path: '/posts/{{postId}}' },
      ],
    };
    expect(() => parseScenario(scenario([batch]))).toThrow(
      /steps\[1\] "read": \{\{postId\}\} names no value: "postId" is captured in the same batch/,
    );
    // The sibling named before the capturing one: refused alike.
    expect(() => parseScenario(scenario([{ batch: [...batch.batch].reverse() }]))).toThrow(
      /steps\[0\] "read".*captured in the same batch/,
    );
    // After the step, after the batch: fine.
    expect(() =>
      parseScenario(
        scenario([
          { path: '/a', captures: { id: { json: 'id' } } },
          { batch: [{ path: '/a/{{id}}', captures: { postId: { json: 'id' } } }, { path: '/b/{{id}}' }] },
          { path: '/posts/{{postId}}' },
        ]),
      ),
    ).not.toThrow();
    const file = path.join(tmp, 'batch.yaml');
    writeFileSync(
      file,
      [
        'name: batch',
        "description: a batch sibling's capture",
        'scenarios:',
        '  - name: s',
        '    executor: constant-vus',
        '    vus: 1',
        '    duration: 1s',
        '    flows:',
        '      - name: f',
        '        steps:',
        '          - batch:',
        '              - { name: make, method: POST, path: /posts, captures: { postId: { json: id } } }',
        '              - { name: read, path: "/posts/{{postId}}" }',
      ].join('\n'),
    );
    const r = await runCli(['run', file, '--target', 'http://127.0.0.1:9']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('captured in the same batch');
  });

  it("a capture an add reads ({ capture: name }) is checked alike: a typo or a later step's is refused, the step's own is fine", () => {
    const withAdd = (steps: unknown[]) => scenario(steps, { metrics: { size: 'trend' } });
    expect(() =>
      parseScenario(
        withAdd([
          { name: 'list', path: '/a', captures: { count: { json: 'n' } }, add: { size: { capture: 'cuont' } } },
        ]),
      ),
    ).toThrow(
      /steps\[0\] "list": add\.size: \{ capture: cuont \} names no value: nothing captures "cuont" by this step, so nothing is ever added; did you mean \{ capture: count \}\?/,
    );
    expect(() =>
      parseScenario(
        withAdd([
          { name: 'early', path: '/a', add: { size: { capture: 'count' } } },
          { path: '/b', captures: { count: { json: 'n' } } },
        ]),
      ),
    ).toThrow(/"early": add\.size: \{ capture: count \} names no value: "count" is captured only by a later step/);
    expect(() =>
      parseScenario(
        withAdd([
          {
            batch: [
              { path: '/a', captures: { count: { json: 'n' } } },
              { name: 'sib', path: '/b', add: { size: { capture: 'count' } } },
            ],
          },
        ]),
      ),
    ).toThrow(
      /"sib": add\.size: \{ capture: count \} names no value: "count" is captured only by a later step or another request of the batch/,
    );
    expect(() =>
      parseScenario(
        scenario([{ path: '/a', add: { size: { capture: 'user.sise' } } }], {
          metrics: { size: 'trend' },
          users: [{ size: 3 }],
        }),
      ),
    ).toThrow(
      /add\.size: \{ capture: user\.sise \} names a user field nothing sets.*did you mean \{ capture: user\.size \}\?/s,
    );
    // Its own capture (taken before the add), an earlier one, a user field: fine.
    expect(() =>
      parseScenario(
        withAdd([
          { path: '/a', captures: { count: { json: 'n' } }, add: { size: { capture: 'count' } } },
          { path: '/b', add: { size: { capture: 'count' } } },
        ]),
      ),
    ).not.toThrow();
  });

  it("every bundled suite's templates resolve, in both profiles (the login-storm teardown named {{user.accessToken}}, which nothing set)", () => {
    for (const name of listSuites())
      for (const profile of ['quick', 'full'] as const)
        expect(() => loadSuite(name, profile), `${name} ${profile}`).not.toThrow();
  });
});
