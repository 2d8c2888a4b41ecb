/**
 * Round-trip overhead of the fault proxy with no toxics, against the same
 * echo server reached directly, measured side by side in one run (rounds
 * alternate so machine noise hits both alike). The proxy runs as its own
 * process, as in the stack. Goal (Toxiproxy's bar): < 0.3 ms added per round trip.
 *
 *   npm run bench:proxy [-- --rounds 20 --per-round 500 --bytes 64]
 */
import net from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { startProxyProcess } from '../chaos/index.ts';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '20' }, 'per-round': { type: 'string', default: '500' }, bytes: { type: 'string', default: '64' } },
});
const rounds = Number(values.rounds);
const perRound = Number(values['per-round']);
const payload = Buffer.alloc(Number(values.bytes), 120);

const echo = net.createServer({ noDelay: true }, (s) => s.pipe(s));
await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
const echoPort = (echo.address() as net.AddressInfo).port;

const proxy = await startProxyProcess({ seed: 1 });
const created = await fetch(`${proxy.url}/proxies`, {
  method: 'POST',
  body: JSON.stringify({ name: 'bench', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echoPort}` }),
});
const { listen } = (await created.json()) as { listen: string };
const proxyPort = Number(listen.split(':').at(-1));

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

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

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
await proxy.stop();
echo.close();

const fmt = (x: number) => `${(x * 1000).toFixed(0).padStart(6)} µs`;
const added = pct(p, 50) - pct(d, 50);
console.log(`fault proxy round-trip overhead — ${new Date().toISOString()}`);
console.log(`${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load avg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`${rounds} alternating rounds × ${perRound} sequential round trips of ${payload.length} bytes each, per path\n`);
console.log(`path       p50        p90        p99`);
console.log(`direct  ${fmt(pct(d, 50))} ${fmt(pct(d, 90))} ${fmt(pct(d, 99))}`);
console.log(`proxied ${fmt(pct(p, 50))} ${fmt(pct(p, 90))} ${fmt(pct(p, 99))}`);
console.log(`\nadded per round trip (p50): ${(added * 1000).toFixed(0)} µs; median of per-round p50 differences: ${(pct(roundDiffs, 50) * 1000).toFixed(0)} µs`);
console.log(`ratio proxied/direct (p50): ${(pct(p, 50) / pct(d, 50)).toFixed(2)}×`);
console.log(`goal < 300 µs added: ${added < 0.3 ? 'met' : 'NOT met'}`);
