import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, RunRecordPart } from '../reports/index.ts';
import type { StartedRedis } from '../stack/index.ts';
import { loadTargetConfig, startTarget } from '../target/index.ts';
import type { RunningServer } from '../target/index.ts';
import { repoPath } from '../common/index.ts';
import { useDatabase, useRedis } from '../test/services.ts';
import type { TestDatabase } from '../test/services.ts';
import { runScan } from './run-scan.ts';
import { failingFindings, loadSuppressions } from './suppressions.ts';

let db: TestDatabase;
let redis: StartedRedis;
let server: RunningServer;
let part: RunRecordPart;
let findings: Finding[];
let seconds: number;

beforeAll(async () => {
  db = await useDatabase();
  redis = await useRedis();
  server = await startTarget(
    loadTargetConfig({
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      PORT: '0',
      WORKERS: '1',
      LOG_LEVEL: 'silent',
      JWT_SECRET: 'scan-test-secret-scan-test-secret-0123456789',
    }),
  );
  const t0 = Date.now();
  part = await runScan({
    target: new URL(server.url),
    profile: 'quick',
    seed: 2024,
    signal: new AbortController().signal,
    suppressions: await loadSuppressions(repoPath('security/target-known-issues.yaml')),
  });
  seconds = (Date.now() - t0) / 1000;
  findings = part.findings ?? [];
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await redis?.stop();
  await db?.drop();
});

describe('a quick scan of the SocialConnect target', () => {
  it('finds zero unsuppressed high or medium findings', () => {
    const failing = failingFindings(findings, 'medium');
    expect(failing.map((f) => `${f.severity} ${f.ruleId} ${f.endpoint}: ${f.description.split('\n')[0]}`)).toEqual([]);
  });

  it('really exercised the target: objects created for BOLA, the rate limit and brute-force limit were met', () => {
    const notes = (part.notes ?? []).join('\n');
    expect(notes).toMatch(/user A created [1-9]\d* object\(s\).*\/v1\/posts\/\{id\} \(private\)/);
    expect(notes).toMatch(/rate limit reached after \d+ requests/);
    expect(findings.map((f) => f.ruleId)).not.toContain('rampart-api2-no-bruteforce-limit');
    expect(notes).toMatch(/fuzzing sent \d+ cases \(seed 2024\)/);
    expect(notes).not.toMatch(/failed and was skipped/);
  });

  it('finishes in under 2 minutes', () => {
    expect(seconds).toBeLessThan(120);
  });
});
