/**
 * The fault proxy with no toxics, against peers measured side by side in the
 * same run (rounds alternate so machine noise hits every path alike). The
 * proxy runs as its own process, as in the stack.
 *
 * 1. Round-trip overhead: sequential 64-byte round trips through an echo
 *    server, direct and proxied. Goal (Toxiproxy's bar): < 0.3 ms added.
 * 2. Bulk throughput: a large one-way transfer over loopback into a sink,
 *    direct socket and proxied, in MB/s (1 MB = 2^20 bytes), and each proxy
 *    process's CPU (user + system) per 100 MB. With
 *    TOXIPROXY_BIN=/path/to/toxiproxy-server the real Toxiproxy runs as a third
 *    path (its binary is not part of rampart: build it yourself). Goals: ≥ 1.0×
 *    the real Toxiproxy's throughput and ≤ 1.0× its CPU per byte.
 *
 * Structure (printed with the figures, so an outside harness can copy it):
 * the writer is this process; the sink is a process of its own; each proxy
 * is a long-running process of its own (rampart's as the stack starts it,
 * Toxiproxy's with its defaults), with its output discarded, and is warmed by
 * two full transfers before any is measured; transfer rounds rotate the order
 * of the paths so that machine noise hits each alike.
 *
 *   npm run bench:proxy [-- --rounds 20 --per-round 500 --bytes 64 --mb 256 --transfers 7]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { startProxyProcess } from '../proxy/index.ts';
import { getFreePort } from '../common/index.ts';
import { loadBenchConfig } from './config.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    'per-round': { type: 'string', default: '500' },
    bytes: { type: 'string', default: '64' },
    mb: { type: 'string', default: '256' },
    transfers: { type: 'string', default: '7' },
  },
});
const rounds = Number(values.rounds);
const perRound = Number(values['per-round']);
const payload = Buffer.alloc(Number(values.bytes), 120);
const MB = 1 << 20;
const transferMb = Number(values.mb);
const transfers = Number(values.transfers);
const toxiproxyBin = loadBenchConfig().toxiproxyBin;

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as net.AddressInfo).port;
}

async function createProxy(apiUrl: string, upstreamPort: number): Promise<number> {
  const created = await fetch(`${apiUrl}/proxies`, {
    method: 'POST',
    body: JSON.stringify({
      name: `bench-${upstreamPort}`,
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${upstreamPort}`,
    }),
  });
  if (created.status !== 201)
    throw new Error(`proxy not created at ${apiUrl}: ${created.status} ${await created.text()}`);
  const { listen } = (await created.json()) as { listen: string };
  return Number(listen.split(':').at(-1));
}

/** The real Toxiproxy, on loopback, when TOXIPROXY_BIN names its server binary. */
async function startToxiproxy(bin: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await getFreePort();
  // Detached like rampart's proxy process (startProxyProcess), so both run in a session of their own:
  // with the kernel's autogroup scheduling, sharing the bench's session or not changes the CPU share.
  const child = spawn(bin, ['-host', '127.0.0.1', '-port', String(port)], { stdio: 'ignore', detached: true });
  process.once('exit', () => child.kill('SIGKILL'));
  let failure: Error | undefined;
  child.once('error', (err) => (failure = err));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/version`)).ok) return { url, child };
    } catch {
      if (failure)
        throw new Error(
          `TOXIPROXY_BIN=${bin} cannot be started (${failure.message}): point it at a toxiproxy-server binary`,
        );
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`${bin} did not answer on ${url} within 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const echo = net.createServer({ noDelay: true }, (s) => s.pipe(s));
const echoPort = await listen(echo);
// The sink counts what each connection delivered and reports when it has all of it. It is a process of its
// own, as each proxy is: the writer (this process), the proxy and the reader never share an event loop, and
// the sink's CPU is not charged to the writer's.
const sink = spawn(
  process.execPath,
  [
    '-e',
    `const net = require('node:net');
     const server = net.createServer((s) => {
       let got = 0;
       s.on('data', (d) => (got += d.length));
       s.on('end', () => { process.send({ got }); s.end(); });
       s.on('error', () => {});
     });
     process.on('message', () => server.close(() => process.disconnect()));
     server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));`,
  ],
  { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
);
process.once('exit', () => sink.kill('SIGKILL'));
const sinkPort = await new Promise<number>((resolve) => sink.once('message', (m: { port: number }) => resolve(m.port)));
const sinkWaiters: ((bytes: number) => void)[] = [];
sink.on('message', (m: { got?: number }) => {
  if (m.got !== undefined) sinkWaiters.shift()?.(m.got);
});
const proxy = await startProxyProcess({ seed: 1 });
const toxiproxy = toxiproxyBin ? await startToxiproxy(toxiproxyBin) : undefined;

async function open(port: number): Promise<net.Socket> {
  const s = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise((r) => s.once('connect', r));
  return s;
}

/** n sequential round trips on one connection; returns each one's duration in ms. */
function pingPong(socket: net.Socket, n: number): Promise<number[]> {
  const times: number[] = [];
  return new Promise((resolve) => {
    let got = 0;
    let start = performance.now();
    const onData = (d: Buffer) => {
      got += d.length;
      if (got < payload.length) return;
      got = 0;
      times.push(performance.now() - start);
      if (times.length === n) {
        socket.off('data', onData);
        resolve(times);
        return;
      }
      start = performance.now();
      socket.write(payload);
    };
    socket.on('data', onData);
    socket.write(payload);
  });
}

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined where there is no /proc. */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
  } catch {
    return undefined;
  }
}

/** Writes `transferMb` MB as fast as the path takes it; MB/s until the sink has every byte, and the proxy's CPU ms per 100 MB. */
async function transfer(port: number, pid?: number): Promise<{ mbps: number; cpuPer100Mb?: number }> {
  const chunk = Buffer.alloc(MB, 7);
  const socket = await open(port);
  const received = new Promise<number>((resolve) => sinkWaiters.push(resolve));
  const cpuBefore = cpuMs(pid);
  const start = performance.now();
  for (let i = 0; i < transferMb; i++) {
    if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
  }
  socket.end();
  const bytes = await received;
  const seconds = (performance.now() - start) / 1000;
  const cpuAfter = cpuMs(pid);
  socket.destroy();
  if (bytes !== transferMb * MB) throw new Error(`the sink got ${bytes} of ${transferMb * MB} bytes`);
  const cpuPer100Mb =
    cpuBefore !== undefined && cpuAfter !== undefined ? ((cpuAfter - cpuBefore) * 100) / transferMb : undefined;
  return { mbps: transferMb / seconds, cpuPer100Mb };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

// 1. Round trips.
const proxyPort = await createProxy(proxy.url, echoPort);
const direct = await open(echoPort);
const proxied = await open(proxyPort);
await pingPong(direct, 200); // warm-up
await pingPong(proxied, 200);
const d: number[] = [];
const p: number[] = [];
const roundDiffs: number[] = [];
for (let r = 0; r < rounds; r++) {
  const first = r % 2 === 0;
  const a = await pingPong(first ? direct : proxied, perRound);
  const b = await pingPong(first ? proxied : direct, perRound);
  const [dr, pr] = first ? [a, b] : [b, a];
  d.push(...dr);
  p.push(...pr);
  roundDiffs.push(pct(pr, 50) - pct(dr, 50));
}
direct.destroy();
proxied.destroy();

// 2. Throughput: each transfer round visits every path, in a rotating order.
const paths: { name: string; port: number; pid?: number; mbps: number[]; cpu: number[] }[] = [
  { name: 'direct socket', port: sinkPort, mbps: [], cpu: [] },
  { name: 'rampart proxy', port: await createProxy(proxy.url, sinkPort), pid: proxy.pid, mbps: [], cpu: [] },
];
if (toxiproxy)
  paths.push({
    name: 'Toxiproxy',
    port: await createProxy(toxiproxy.url, sinkPort),
    pid: toxiproxy.child.pid,
    mbps: [],
    cpu: [],
  });
for (const path of paths) for (let i = 0; i < 2; i++) await transfer(path.port); // warm-up: the JIT settles over the first transfers
for (let r = 0; r < transfers; r++) {
  for (let i = 0; i < paths.length; i++) {
    const path = paths[(i + r) % paths.length]!;
    const { mbps, cpuPer100Mb } = await transfer(path.port, path.pid);
    path.mbps.push(mbps);
    if (cpuPer100Mb !== undefined) path.cpu.push(cpuPer100Mb);
  }
}

await proxy.stop();
toxiproxy?.child.kill('SIGTERM');
echo.close();
sink.send('stop');

const fmt = (x: number) => `${(x * 1000).toFixed(0).padStart(6)} µs`;
const added = pct(p, 50) - pct(d, 50);
console.log(`fault proxy, no toxics — ${new Date().toISOString()}`);
console.log(
  `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load avg ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `\n1. round trips: ${rounds} alternating rounds × ${perRound} sequential round trips of ${payload.length} bytes each, per path\n`,
);
console.log(`path       p50        p90        p99`);
console.log(`direct  ${fmt(pct(d, 50))} ${fmt(pct(d, 90))} ${fmt(pct(d, 99))}`);
console.log(`proxied ${fmt(pct(p, 50))} ${fmt(pct(p, 90))} ${fmt(pct(p, 99))}`);
console.log(
  `\nadded per round trip (p50): ${(added * 1000).toFixed(0)} µs; median of per-round p50 differences: ${(pct(roundDiffs, 50) * 1000).toFixed(0)} µs`,
);
console.log(`ratio proxied/direct (p50): ${(pct(p, 50) / pct(d, 50)).toFixed(2)}×`);
console.log(`goal < 300 µs added: ${added < 0.3 ? 'met' : 'NOT met'}`);

console.log(
  `\n2. bulk throughput: ${transfers} rounds × ${transferMb} MB one way into a sink, per path (median, min–max; proxy process CPU per 100 MB)`,
);
console.log(
  'structure: writer = this process; sink = its own process; each proxy = its own long-running process, output discarded, ' +
    `warmed by 2 transfers of ${transferMb} MB; path order rotates each round\n`,
);
for (const path of paths) {
  const s = [...path.mbps].sort((a, b) => a - b);
  const cpu = path.cpu.length > 0 ? `   CPU ${pct(path.cpu, 50).toFixed(0)} ms / 100 MB` : '';
  console.log(
    `${path.name.padEnd(14)} ${pct(s, 50).toFixed(0).padStart(6)} MB/s   (${s[0]!.toFixed(0)}–${s.at(-1)!.toFixed(0)})${cpu}`,
  );
}
const rampartMbps = pct(paths[1]!.mbps, 50);
console.log(`\nratio rampart/direct: ${(rampartMbps / pct(paths[0]!.mbps, 50)).toFixed(2)}×`);
if (toxiproxy) {
  const ratio = rampartMbps / pct(paths[2]!.mbps, 50);
  console.log(`ratio rampart/Toxiproxy: ${ratio.toFixed(2)}× (goal ≥ 1.0×: ${ratio >= 1 ? 'met' : 'NOT met'})`);
  if (paths[1]!.cpu.length > 0 && paths[2]!.cpu.length > 0) {
    const cpuRatio = pct(paths[1]!.cpu, 50) / pct(paths[2]!.cpu, 50);
    console.log(
      `CPU per byte rampart/Toxiproxy: ${cpuRatio.toFixed(2)}× (goal ≤ 1.0×: ${cpuRatio <= 1 ? 'met' : 'NOT met'})`,
    );
  }
} else {
  console.log(
    'Toxiproxy not measured: set TOXIPROXY_BIN to its server binary to add it as a peer (goal ≥ 1.0× its MB/s)',
  );
}
