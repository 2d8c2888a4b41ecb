import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSloSpec, parseSloYaml, SloFileInvalidError } from './slo-load.ts';

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SloFileInvalidError);
    return (err as Error).message;
  }
  throw new Error('expected the SLO file to be rejected');
}

describe('loading the SLO spec', () => {
  it('loads the repository slo.yaml', async () => {
    const spec = await loadSloSpec(path.resolve(import.meta.dirname, '..', 'slo.yaml'));
    expect(spec.objectives.map((o) => o.kind)).toContain('latency');
    expect(spec.objectives.find((o) => o.kind === 'latency')).toMatchObject({
      percentile: 95,
      lessThanMs: 200,
      window: 60_000,
    });
  });

  it('names the line and key of a bad value', () => {
    const text = [
      'objectives:',
      '  - name: feed',
      '    kind: latency',
      '    lessThanMs: fast',
      '  - name: errors',
      '    kind: error-rate',
      '    max: 2',
    ].join('\n');
    const msg = problemsOf(() => parseSloYaml(text, 'slo.yaml'));
    expect(msg).toContain('slo.yaml:4: key objectives[0].lessThanMs');
    expect(msg).toContain('slo.yaml:7: key objectives[1].max');
  });

  it('names the line of an unknown key and of an unknown kind', () => {
    const msg = problemsOf(() =>
      parseSloYaml(
        'objectives:\n  - name: a\n    kind: latency\n    lessThanMs: 200\n    percentil: 99\n  - name: b\n    kind: speed\n',
        'x.yaml',
      ),
    );
    expect(msg).toMatch(/x\.yaml:2: key objectives\[0\].*percentil/);
    expect(msg).toMatch(/x\.yaml:7: key objectives\[1\]\.kind/);
  });

  it('reports YAML syntax errors with their line', () => {
    const msg = problemsOf(() => parseSloYaml('objectives:\n  - name: a\n    kind: [latency\n', 'bad.yaml'));
    expect(msg).toMatch(/bad\.yaml:\d+:\d+: YAML syntax/);
  });

  it('rejects duplicate names and an empty objective list', () => {
    expect(problemsOf(() => parseSloYaml('objectives: []'))).toContain('key objectives');
    const dup = problemsOf(() =>
      parseSloYaml('objectives:\n  - {name: a, kind: security}\n  - {name: a, kind: threshold}\n'),
    );
    expect(dup).toContain('slo.yaml:3: key objectives[1].name: duplicate objective name "a"');
  });

  it('accepts OpenSLO v1 SLO documents beside a rampart spec', () => {
    const text = `
apiVersion: rampart/v1
kind: SloSpec
objectives:
  - { name: sec, kind: security }
---
apiVersion: openslo/v1
kind: SLO
metadata: { name: feed-latency }
spec:
  service: socialconnect
  indicator:
    metadata: { name: feed-latency }
    spec:
      thresholdMetric:
        metricSource: { type: rampart, spec: { scenario: load, tag: GET /v1/feed } }
  budgetingMethod: Occurrences
  objectives: [{ displayName: p95, op: lt, value: 200, target: 0.95 }]
---
apiVersion: openslo/v1
kind: SLO
metadata: { name: availability }
spec:
  indicator:
    spec:
      ratioMetric:
        counter: true
        good: { metricSource: { type: rampart } }
        total: { metricSource: { type: rampart, spec: { drill: pg-down } } }
  objectives: [{ target: 0.999 }]
`;
    const spec = parseSloYaml(text);
    expect(spec.objectives).toEqual([
      expect.objectContaining({ name: 'sec', kind: 'security' }),
      expect.objectContaining({
        name: 'feed-latency',
        kind: 'latency',
        percentile: 95,
        lessThanMs: 200,
        scenario: 'load',
        tag: 'GET /v1/feed',
      }),
      expect.objectContaining({
        name: 'availability',
        kind: 'availability',
        target: 0.999,
        during: 'drill',
        drill: 'pg-down',
      }),
    ]);
  });

  it('names the OpenSLO key it cannot map', () => {
    const msg = problemsOf(() =>
      parseSloYaml(
        'apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  indicator:\n    spec:\n      thresholdMetric: {metricSource: {type: rampart}}\n  objectives:\n    - {op: gt, value: 5, target: 0.9}\n',
      ),
    );
    expect(msg).toMatch(/slo\.yaml:9: key spec\.objectives\[0\]\.op/);
  });

  it('loads a TypeScript spec file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-slo-'));
    const file = path.join(dir, 'slo.ts');
    await writeFile(
      file,
      "export default { objectives: [{ name: 'p99', kind: 'latency', percentile: 99, lessThanMs: 500 }] };\n",
    );
    const spec = await loadSloSpec(file);
    expect(spec.objectives[0]).toMatchObject({ name: 'p99', percentile: 99, lessThanMs: 500 });
  });
});
