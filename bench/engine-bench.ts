// npm run bench:engine — the load engine against its peers, measured side by side in one run, medians of
// BENCH_ROUNDS rounds (default 3) with the tools alternating so the machine's noise hits them alike:
//  1. closed-model throughput against a trivial server, 50 keep-alive connections: rampart vs autocannon vs wrk;
//  2. CPU seconds per 10,000 requests at a fixed 1,000 req/s (open model): rampart vs autocannon's rate mode
//     (wrk has no fixed-rate mode; Debian ships no wrk2) vs bare sockets on rampart's timetable (the floor), and
//     how each tool's requests reach the server (autocannon's rate mode sends each second's share in a burst);
//  3. accuracy against a server that stalls 500 ms every 2 s, at 1,000 req/s: percentiles against the theoretical
//     ones (p50 ≈ 0, p90 ≈ 300 ms, p99 ≈ 480 ms, max ≈ 500 ms), the scheduler's lateness, and the warning printed
//     when connections run short;
//  4. start-up: `rampart --help` from the compiled build and from the TypeScript sources, next to `node -e 0`;
//  5. RSS of 1k and 10k closed-model VUs (each with its own keep-alive connection and think time).
// Servers run in their own process. Everything on loopback, every run bounded in time.
// BENCH_ONLY=2,3 runs only those sections.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { repoPath, tsNodeArgs } from '../common/index.ts';
import { pathToFileURL } from 'node:url';
import type * as EngineModule from '../scenarios/index.ts';
import { loadBenchConfig } from './config.ts';
import { median } from './stats.ts';
// @ts-expect-error plain JavaScript module without types (bin/dist-fresh.js)
import { distIsFresh } from '../bin/dist-fresh.js';
import { SEND_AHEAD_MS, spawnLocalServer } from '../scenarios/testing.ts';

// rampart as `rampart` runs it: the compiled build when it is current (npm ci builds it), else the TypeScript
// sources through tsx (whose transform adds a little per call: ~3 % of closed-model throughput here).
const config = loadBenchConfig();
const FROM_DIST = (distIsFresh as () => boolean)() && !config.fromSource;
type Engine = typeof EngineModule;
const { formatSummary, parseScenario, runScenario } = (
  FROM_DIST
    ? await import(pathToFileURL(repoPath('dist/scenarios/index.js')).href)
    : await import('../scenarios/index.ts')
) as Engine;
// The shipped CLI runs compiled JavaScript without source maps; tsx (which runs this script) turns them on, which
// makes every stack trace the engine's dependencies format far dearer than in the real thing.
process.setSourceMapsEnabled(false);
const run = promisify(execFile);
const CONNECTIONS = config.connections;
const SECONDS = config.seconds;
const ROUNDS = config.rounds;
const RATE = 1000;
const want = (section: number) => config.only === null || config.only.includes(section);
const log = (s: string) => process.stdout.write(`${s}\n`);
const fmt = (xs: number[], d = 0) => xs.map((x) => x.toFixed(d)).join(', ');
const cpuSeconds = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;

function autocannonRun(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

const hasWrk = !spawnSync('wrk', ['--version']).error;

/**
 * The generators (this process, autocannon in it, wrk and bare sockets) on core 0 and each server on core 1, so a
 * tool's figure is what one core does rather than how the kernel happened to share two between it and the server
 * (unpinned, a round's ratio swung 0.6-1.2). BENCH_PIN=0 turns it off; needs taskset and two cores.
 */
const PIN = config.pin && os.cpus().length >= 2 && !spawnSync('taskset', ['-V']).error;
const pin = (pid: number, core: number) => {
  if (PIN) spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)]);
};
async function server(
  behaviour: Parameters<typeof spawnLocalServer>[0],
): Promise<Awaited<ReturnType<typeof spawnLocalServer>>> {
  const srv = await spawnLocalServer(behaviour);
  pin(srv.pid, 1);
  return srv;
}

/** wrk's throughput, and the CPU it used (bash's `times` reports its children's user and system time). */
async function wrkMax(url: string): Promise<{ rps: number; cpu: number; requests: number } | null> {
  if (!hasWrk) return null;
  const { stdout } = await run('bash', ['-c', `wrk -t1 -c${CONNECTIONS} -d${SECONDS}s ${url}; times`], {
    timeout: (SECONDS + 30) * 1000,
  }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  const rps = /Requests\/sec:\s+([0-9.]+)/.exec(stdout);
  const total = /(\d+) requests in/.exec(stdout);
  const times = stdout.trim().split('\n').pop() ?? '';
  const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(times);
  const cpu = m ? Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]) : Number.NaN;
  return rps && total ? { rps: Number(rps[1]), cpu, requests: Number(total[1]) } : null;
}

const getFlow = [{ name: 'get', steps: [{ path: '/' }] }];

async function rampartClosed(url: string): Promise<{ rps: number; cpu: number; requests: number }> {
  const s = parseScenario({
    name: 'max',
    executor: 'constant-vus',
    vus: CONNECTIONS,
    duration: `${SECONDS}s`,
    flows: getFlow,
    thresholdWindows: [],
  });
  const c0 = process.cpuUsage();
  const r = await runScenario(s, { baseUrl: new URL(url) });
  return { rps: r.summary.rate.achieved, cpu: cpuSeconds(process.cpuUsage(c0)), requests: r.summary.requests };
}

async function autocannonClosed(url: string): Promise<{ rps: number; cpu: number; requests: number }> {
  const c0 = process.cpuUsage();
  const a = await autocannonRun({ url, connections: CONNECTIONS, duration: SECONDS });
  return { rps: a.requests.average, cpu: cpuSeconds(process.cpuUsage(c0)), requests: a.requests.total };
}

/**
 * The floor of an open model in Node on this machine: bare net sockets, requests written on the same evenly spaced
 * timetable as rampart's (a wake-up sends what is due within SEND_AHEAD_MS), responses only counted ("HTTP/1.1 "
 * at a read's start, enough for the trivial server's small answers), no parsing, no measuring.
 */
async function bareOpenModel(url: string, rate: number, seconds: number): Promise<{ cpu: number; requests: number }> {
  const u = new URL(url);
  const wire = Buffer.from(`GET / HTTP/1.1\r\nhost: ${u.host}\r\n\r\n`);
  const free: net.Socket[] = [];
  const all: net.Socket[] = [];
  const total = rate * seconds;
  let sent = 0;
  let answered = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const open = () => {
      const s = net.connect({ host: u.hostname, port: Number(u.port), noDelay: true });
      s.on('data', (d: Buffer) => {
        let i = d.indexOf('HTTP/1.1 ');
        if (i === -1) return; // the rest of a response split across reads: the socket is still busy
        while (i !== -1) {
          answered += 1;
          i = d.indexOf('HTTP/1.1 ', i + 9);
        }
        free.push(s);
      });
      s.on('error', () => undefined);
      all.push(s);
      return s;
    };
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - t0 + SEND_AHEAD_MS) * rate) / 1000) + 1);
      while (sent < due) {
        (free.pop() ?? open()).write(wire);
        sent += 1;
      }
      if (sent >= total) {
        const wait = () =>
          answered >= total || performance.now() - t0 > (seconds + 5) * 1000 ? resolve() : void setTimeout(wait, 5);
        wait();
        return;
      }
      setTimeout(tick, Math.max(1, Math.floor(t0 + (sent * 1000) / rate - performance.now())));
    };
    tick();
  });
  const cpu = cpuSeconds(process.cpuUsage(c0));
  for (const s of all) s.destroy();
  return { cpu, requests: answered };
}

/**
 * When the requests of a fixed-rate run reach the server: an in-process server notes each arrival's time, and
 * the shape is told by the busiest 10 ms of the run and the share of each second's requests that arrived in its
 * busiest 100 ms (evenly spaced 1,000/s: ~10 and ~10 %).
 */
async function arrivalShape(send: (url: string) => Promise<unknown>): Promise<string> {
  const arrivals: number[] = [];
  const server = http.createServer((req, res) => {
    arrivals.push(performance.now());
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '11' }).end('{"ok":true}');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await send(`http://127.0.0.1:${port}`);
  server.closeAllConnections();
  server.close();
  const t0 = arrivals[0] ?? 0;
  const bins10 = new Map<number, number>();
  const bins100 = new Map<number, number>();
  const perSecond = new Map<number, number>();
  for (const t of arrivals) {
    const ms = t - t0;
    bins10.set(Math.floor(ms / 10), (bins10.get(Math.floor(ms / 10)) ?? 0) + 1);
    bins100.set(Math.floor(ms / 100), (bins100.get(Math.floor(ms / 100)) ?? 0) + 1);
    perSecond.set(Math.floor(ms / 1000), (perSecond.get(Math.floor(ms / 1000)) ?? 0) + 1);
  }
  const shares: number[] = [];
  for (const [sec, n] of perSecond) {
    if (n < 100) continue; // a partial last second
    let peak = 0;
    for (let b = sec * 10; b < sec * 10 + 10; b++) peak = Math.max(peak, bins100.get(b) ?? 0);
    shares.push(peak / n);
  }
  return `${arrivals.length} requests; busiest 10 ms held ${Math.max(...bins10.values())}; busiest 100 ms of a second held ${(median(shares) * 100).toFixed(0)} % of that second's requests (median over seconds)`;
}

async function helpSeconds(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const t0 = performance.now();
  await run(process.execPath, args, { env, timeout: 60_000 });
  return (performance.now() - t0) / 1000;
}

async function rss(
  url: string,
  vus: number,
): Promise<{ rssPeakMB: number; rssBaseMB: number; perVuKB: number; requests: number; errors: number }> {
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', ...tsNodeArgs(), repoPath('bench/engine-rss.ts'), url, String(vus)],
    { maxBuffer: 1 << 20, timeout: 120_000 },
  );
  return JSON.parse(stdout.trim().split('\n').pop() as string);
}

async function main() {
  const cpus = os.cpus();
  log(`# rampart engine benchmark — ${new Date().toISOString()}`);
  log(
    `hardware: ${cpus.length} × ${cpus[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, ${os.platform()} ${os.release()}, node ${process.version}`,
  );
  pin(process.pid, 0);
  log(
    FROM_DIST
      ? 'rampart measured from the compiled build (dist/), as `rampart` runs it'
      : 'rampart measured from the TypeScript sources (tsx): the build is missing or older than a source (npm run build)',
  );
  log(
    PIN
      ? 'generators pinned to core 0, servers to core 1 (taskset; BENCH_PIN=0 to turn off)'
      : 'not pinned (BENCH_PIN=0, one core, or no taskset)',
  );
  log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (a shared machine: compare the ratios, not the absolutes); ${ROUNDS} rounds, medians`,
  );

  if (want(1))
    log(
      `\n## 1. closed-model throughput, trivial server, ${CONNECTIONS} keep-alive connections, ${SECONDS}s per tool per round`,
    );
  if (want(1)) {
    await using srv = await server({ kind: 'trivial' });
    await autocannonRun({ url: srv.url, connections: CONNECTIONS, duration: 2 }); // warm the server
    await rampartClosed(srv.url); // warm the generator's JIT
    const r: number[] = [];
    const a: number[] = [];
    const w: number[] = [];
    const rc: number[] = [];
    const ac: number[] = [];
    const wc: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const x = await rampartClosed(srv.url);
      r.push(x.rps);
      rc.push((x.cpu / x.requests) * 10_000);
      const y = await autocannonClosed(srv.url);
      a.push(y.rps);
      ac.push((y.cpu / y.requests) * 10_000);
      const z = await wrkMax(srv.url);
      if (z) {
        w.push(z.rps);
        wc.push((z.cpu / z.requests) * 10_000);
      }
    }
    log(`rampart    ${median(r).toFixed(0)} req/s (rounds ${fmt(r)}), ${median(rc).toFixed(3)} CPU s per 10k requests`);
    log(`autocannon ${median(a).toFixed(0)} req/s (rounds ${fmt(a)}), ${median(ac).toFixed(3)} CPU s per 10k requests`);
    log(
      w.length
        ? `wrk -t1    ${median(w).toFixed(0)} req/s (rounds ${fmt(w)}), ${median(wc).toFixed(3)} CPU s per 10k requests`
        : 'wrk        skipped: not installed (apt-get install -y wrk)',
    );
    const ratios = r.map((x, i) => x / (a[i] as number));
    log(
      `ratio rampart/autocannon: median ${median(ratios).toFixed(2)} (per round ${fmt(ratios, 2)}; goal ≥ 1.0)${w.length ? `; rampart/wrk ${(median(r) / median(w)).toFixed(2)}` : ''}`,
    );
  }

  if (want(2)) log(`\n## 2. CPU per 10,000 requests at a fixed ${RATE} req/s for 10 s (open model), trivial server`);
  if (want(2)) {
    await using srv = await server({ kind: 'trivial' });
    const r: number[] = [];
    const a: number[] = [];
    const b: number[] = [];
    const lateness: string[] = [];
    const fixed = (duration: string) =>
      parseScenario({
        name: 'fixed',
        executor: 'constant-arrival-rate',
        rate: RATE,
        duration,
        flows: getFlow,
        thresholdWindows: [],
      });
    await runScenario(fixed('2s'), { baseUrl: new URL(srv.url) }); // warm the generator's JIT
    for (let i = 0; i < ROUNDS; i++) {
      let c0 = process.cpuUsage();
      const res = await runScenario(fixed('10s'), { baseUrl: new URL(srv.url) });
      r.push((cpuSeconds(process.cpuUsage(c0)) / res.summary.requests) * 10_000);
      lateness.push(
        res.part.notes
          ?.find((n) => n.includes('scheduler lateness'))
          ?.replace(/^.*?scheduler lateness \(arrival issued after its time\) /, '') ?? '',
      );
      c0 = process.cpuUsage();
      const ac = await autocannonRun({ url: srv.url, connections: 100, overallRate: RATE, duration: 10 });
      a.push((cpuSeconds(process.cpuUsage(c0)) / ac.requests.total) * 10_000);
      const bare = await bareOpenModel(srv.url, RATE, 10);
      b.push((bare.cpu / bare.requests) * 10_000);
    }
    log(`rampart    ${median(r).toFixed(3)} CPU s per 10k requests (rounds ${fmt(r, 3)})`);
    log(`autocannon ${median(a).toFixed(3)} CPU s per 10k requests (rounds ${fmt(a, 3)})`);
    log(
      `bare sockets, rampart's timetable, no parsing (the floor) ${median(b).toFixed(3)} CPU s per 10k requests (rounds ${fmt(b, 3)})`,
    );
    log(
      `ratio rampart/autocannon: ${(median(r) / median(a)).toFixed(2)} (goal ≤ 1.0); rampart/floor ${(median(r) / median(b)).toFixed(2)}; wrk: no fixed-rate mode`,
    );
    log(`rampart scheduler lateness per round: ${lateness.join(' | ')}`);
    log('how the requests reach the server (3 s at the same rate, in-process server noting each arrival):');
    log(`  rampart    ${await arrivalShape((url) => runScenario(fixed('3s'), { baseUrl: new URL(url) }))}`);
    log(
      `  autocannon ${await arrivalShape((url) => autocannonRun({ url, connections: 100, overallRate: RATE, duration: 3 }))}`,
    );
  }

  if (want(3))
    log(
      `\n## 3. accuracy: server stalls 500 ms every 2 s, ${RATE} req/s for 10 s (theory: p50 ≈ 0, p90 ≈ 300 ms, p99 ≈ 480 ms, max ≈ 500 ms)`,
    );
  if (want(3)) {
    await using srv = await server({ kind: 'stall', periodMs: 2000, stallMs: 500 });
    await autocannonRun({ url: srv.url, connections: 20, duration: 1 });
    const rows: Array<{ p50: number; p90: number; p99: number; max: number }> = [];
    const acRows: Array<{ p50: number; p90: number; p99: number; max: number }> = [];
    const lateness: string[] = [];
    const stallScenario = (maxVUs?: number) =>
      parseScenario({
        name: 'stall',
        executor: 'constant-arrival-rate',
        rate: RATE,
        duration: '10s',
        ...(maxVUs ? { maxVUs } : {}),
        flows: getFlow,
        thresholdWindows: [],
      });
    await runScenario(
      parseScenario({
        name: 'warm',
        executor: 'constant-arrival-rate',
        rate: RATE,
        duration: '3s',
        flows: getFlow,
        thresholdWindows: [],
      }),
      { baseUrl: new URL(srv.url) },
    );
    for (let i = 0; i < ROUNDS; i++) {
      const r = await runScenario(stallScenario(), { baseUrl: new URL(srv.url) });
      rows.push(r.summary.latencyMs);
      lateness.push(
        `${r.summary.valid ? 'valid' : `INVALID (${r.summary.invalidReasons.join('; ')})`}; ${r.part.notes?.find((n) => n.includes('scheduler lateness'))?.replace(/^.*?scheduler lateness \(arrival issued after its time\) /, '') ?? ''}`,
      );
      const ac = await autocannonRun({ url: srv.url, connections: 1000, overallRate: RATE, duration: 10 });
      acRows.push({ p50: ac.latency.p50, p90: ac.latency.p90, p99: ac.latency.p99, max: ac.latency.max });
    }
    const m = (xs: typeof rows, k: keyof (typeof rows)[number]) => median(xs.map((x) => x[k]));
    const within = (v: number, t: number) => `${(((v - t) / t) * 100).toFixed(1)} %`;
    log(
      `rampart (connections on demand, cap ${RATE})  p50 ${m(rows, 'p50').toFixed(1)} ms  p90 ${m(rows, 'p90').toFixed(1)} ms (${within(m(rows, 'p90'), 300)} vs 300)  p99 ${m(rows, 'p99').toFixed(1)} ms (${within(m(rows, 'p99'), 480)} vs 480)  max ${m(rows, 'max').toFixed(1)} ms`,
    );
    log(`  rounds p90/p99: ${rows.map((x) => `${x.p90.toFixed(0)}/${x.p99.toFixed(0)}`).join(', ')}`);
    log(`  self-check and scheduler lateness per round: ${lateness.join(' | ')}`);
    log(
      `autocannon rate mode, 1000 connections  p50 ${m(acRows, 'p50')} ms  p90 ${m(acRows, 'p90')} ms  p99 ${m(acRows, 'p99')} ms  max ${m(acRows, 'max')} ms (latency from the actual send: the stall is hidden)`,
    );
    log('wrk: no fixed-rate mode (its closed model waits out the stall, so it cannot measure this)');
    const short = await runScenario(stallScenario(100), { baseUrl: new URL(srv.url), capFlag: '--max-connections' });
    log('rampart with connections short (--max-connections 100), its summary as printed:');
    log(formatSummary(short.summary, short.thresholds, short.failedChecks, short.warnings).trimEnd());
  }

  if (want(4)) log('\n## 4. start-up: `rampart --help`');
  if (want(4)) {
    const compiled = existsSync(repoPath('dist', '.build-stamp'));
    const bare: number[] = [];
    const dist: number[] = [];
    const src: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      bare.push(await helpSeconds(['-e', '0']));
      if (compiled) dist.push(await helpSeconds([repoPath('bin/rampart.js'), '--help']));
      src.push(await helpSeconds([repoPath('bin/rampart.js'), '--help'], { ...process.env, RAMPART_FROM_SOURCE: '1' }));
    }
    log(`node -e 0                ${median(bare).toFixed(2)} s (rounds ${fmt(bare, 2)})`);
    log(
      compiled
        ? `rampart --help (dist)    ${median(dist).toFixed(2)} s (rounds ${fmt(dist, 2)}; goal < 0.5 s)`
        : 'rampart --help (dist)    skipped: no build (npm run build)',
    );
    log(`rampart --help (tsx)     ${median(src).toFixed(2)} s (rounds ${fmt(src, 2)})`);
    log('(dist is used only when no source is newer than the build: an edited checkout runs from source)');
  }

  if (config.rss && want(5)) {
    log('\n## 5. memory: closed-model VUs, one keep-alive connection each, 1-3 s think time');
    await using srv = await server({ kind: 'trivial' });
    for (const vus of [1000, 10000]) {
      const r = await rss(srv.url, vus);
      log(
        `${String(vus).padStart(5)} VUs: RSS ${r.rssPeakMB} MB (baseline ${r.rssBaseMB} MB, ${r.perVuKB} KB per VU), ${r.requests} requests, ${r.errors} errors${vus === 10000 ? `; goal < 500 MB: ${r.rssPeakMB < 500 ? 'met' : 'NOT met'}` : ''}`,
      );
    }
  }
  log(
    `\nload average at end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

await main();
