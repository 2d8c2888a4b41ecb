/**
 * `npm run bench:scan` — how long a quick scan of the SocialConnect target
 * takes (managed stack, 2 workers), side by side with a quick scan of the
 * in-process vulnerable test app (no database) as the peer: the ratio shows
 * what the real target's work (argon2, PostgreSQL, Redis) adds.
 */
import os from 'node:os';
import { loadEnvConfig } from '../common/index.ts';
import { startStack } from '../stack/index.ts';
import { runScan } from './run-scan.ts';
import { startVulnerableApp } from './test-apps/vulnerable-app.ts';

async function timed(target: string, seed: number) {
  const t0 = performance.now();
  const part = await runScan({ target, profile: 'quick', seed, signal: AbortSignal.timeout(600_000) });
  const s = (performance.now() - t0) / 1000;
  const requests = Number(/security scan: (\d+) requests/.exec((part.notes ?? []).join('\n'))?.[1] ?? 0);
  return { s, requests, findings: part.findings?.length ?? 0 };
}

const stack = await startStack({ env: loadEnvConfig(process.env), stateDir: null, workers: 2 });
try {
  await using app = await startVulnerableApp();
  const target = await timed(stack.targetUrl, 1);
  const peer = await timed(app.url, 1);
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  console.log(`machine: ${os.cpus().length} x ${cpu}, node ${process.version}, ${new Date().toISOString()}`);
  console.log(`quick scan, SocialConnect (managed stack, 2 workers): ${target.s.toFixed(1)} s, ${target.requests} requests (${(target.requests / target.s).toFixed(0)} req/s), ${target.findings} findings`);
  console.log(`quick scan, vulnerable test app (peer, in-process):   ${peer.s.toFixed(1)} s, ${peer.requests} requests (${(peer.requests / peer.s).toFixed(0)} req/s), ${peer.findings} findings`);
  console.log(`ratio target/peer: ${(target.s / peer.s).toFixed(1)}x time; goal: target quick scan < 120 s -> ${target.s < 120 ? 'met' : 'NOT met'}`);
} finally {
  await stack.stop();
}
