// npm run bench:engine — the load engine against its peers, measured side by side in one run:
//  1. max throughput vs a trivial local server, same connection count: rampart vs autocannon vs wrk (if installed);
//  2. RSS of 1k and 10k closed-model VUs (each with its own keep-alive connection and think time);
//  3. accuracy: the stall server (500 ms stall every 2 s) at 1,000 req/s, rampart vs autocannon's rate mode.
// Servers run in their own process. Everything on loopback, every run bounded in time.
import { execFile, spawnSync } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { repoPath, tsNodeArgs } from '../common/index.ts';
import { parseScenario, runScenario, spawnLocalServer } from '../scenarios/index.ts';

const run = promisify(execFile);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const log = (s: string) => process.stdout.write(`${s}\n`);

async function rampartMax(url: string): Promise<number> {
  const s = parseScenario({
    name: 'max', executor: 'constant-vus', vus: CONNECTIONS, connections: CONNECTIONS, duration: `${SECONDS}s`,
    flows: [{ name: 'get', steps: [{ path: '/' }] }], thresholdWindows: [],
  });
  const r = await runScenario(s, { baseUrl: url });
  return r.summary.rate.achieved;
}

async function autocannonRun(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function wrkMax(url: string): Promise<number | null> {
  if (spawnSync('wrk', ['--version']).error) return null;
  const { stdout } = await run('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, url]).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  const m = /Requests\/sec:\s+([0-9.]+)/.exec(stdout);
  return m ? Number(m[1]) : null;
}

async function rss(url: string, vus: number): Promise<{ rssPeakMB: number; rssBaseMB: number; perVuKB: number; requests: number; errors: number }> {
  const { stdout } = await run(process.execPath, ['--expose-gc', ...tsNodeArgs(), repoPath('bench/engine-rss.ts'), url, String(vus)], { maxBuffer: 1 << 20, timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').pop() as string);
}

async function main() {
  const cpus = os.cpus();
  log(`# rampart engine benchmark — ${new Date().toISOString()}`);
  log(`hardware: ${cpus.length} × ${cpus[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, ${os.platform()} ${os.release()}, node ${process.version}`);
  log(`load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (a shared machine: compare the ratios, not the absolutes)`);

  log(`\n## 1. max throughput, trivial server, ${CONNECTIONS} keep-alive connections, ${SECONDS}s each`);
  {
    await using srv = await spawnLocalServer({ kind: 'trivial' });
    await autocannonRun({ url: srv.url, connections: CONNECTIONS, duration: 2 }); // warm the server
    // Alternate the tools over several rounds and compare medians: the machine's noise hits both alike.
    const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
    const rs: number[] = [];
    const as: number[] = [];
    for (let i = 0; i < rounds; i++) {
      rs.push(await rampartMax(srv.url));
      as.push((await autocannonRun({ url: srv.url, connections: CONNECTIONS, duration: SECONDS })).requests.average);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const rampart = median(rs);
    const ac = median(as);
    log(`rounds: rampart ${rs.map((x) => x.toFixed(0)).join(', ')}; autocannon ${as.map((x) => x.toFixed(0)).join(', ')} (medians below)`);
    const wrk = await wrkMax(srv.url);
    log(`rampart    ${rampart.toFixed(0)} req/s`);
    log(`autocannon ${ac.toFixed(0)} req/s`);
    log(wrk === null ? 'wrk        skipped: not installed (apt-get install -y wrk)' : `wrk -t1    ${wrk.toFixed(0)} req/s`);
    log(`ratio rampart/autocannon = ${(rampart / ac).toFixed(2)} (goal ≥ 1.0)${wrk ? `; rampart/wrk = ${(rampart / wrk).toFixed(2)}` : ''}`);
  }

  log('\n## 2. memory: closed-model VUs, one keep-alive connection each, 1-3 s think time');
  {
    await using srv = await spawnLocalServer({ kind: 'trivial' });
    for (const vus of [1000, 10000]) {
      const r = await rss(srv.url, vus);
      log(`${String(vus).padStart(5)} VUs: RSS ${r.rssPeakMB} MB (baseline ${r.rssBaseMB} MB, ${r.perVuKB} KB per VU), ${r.requests} requests, ${r.errors} errors${vus === 10000 ? `; goal < 500 MB: ${r.rssPeakMB < 500 ? 'met' : 'NOT met'}` : ''}`);
    }
  }

  log('\n## 3. accuracy: server stalls 500 ms every 2 s, 1,000 req/s for 10 s (expected p90 ≈ 300 ms, p99 ≈ 480 ms)');
  {
    await using srv = await spawnLocalServer({ kind: 'stall', periodMs: 2000, stallMs: 500 });
    await autocannonRun({ url: srv.url, connections: 20, duration: 1 });
    const s = parseScenario({
      name: 'stall', executor: 'constant-arrival-rate', rate: 1000, duration: '10s', connections: 100, maxVUs: 100,
      flows: [{ name: 'get', steps: [{ path: '/' }] }], thresholdWindows: [],
    });
    const r = (await runScenario(s, { baseUrl: srv.url })).summary;
    const ac = await autocannonRun({ url: srv.url, connections: 100, overallRate: 1000, duration: 10 });
    log(`rampart    p50 ${r.latencyMs.p50} ms  p90 ${r.latencyMs.p90} ms  p99 ${r.latencyMs.p99} ms  max ${r.latencyMs.max} ms  (${r.requests} requests, ${r.late} late)`);
    log(`autocannon p50 ${ac.latency.p50} ms  p90 ${ac.latency.p90} ms  p99 ${ac.latency.p99} ms  max ${ac.latency.max} ms  (${ac.requests.total} requests; latency from the actual send: the stall is hidden)`);
  }
}

await main();
