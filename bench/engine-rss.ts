// Child of bench/engine-bench.ts: runs N closed-model VUs (own keep-alive connection each, 1-3 s think time)
// against URL and prints {"vus","rssBaseMB","rssPeakMB","perVuKB","requests","connections"} as JSON.
import { parseScenario, runScenario } from '../scenarios/index.ts';

const [url, nText] = process.argv.slice(2);
const vus = Number(nText);
const rampS = Math.max(3, Math.ceil(vus / 1500));
const scenario = parseScenario({
  name: `vus-${vus}`,
  executor: 'ramping-vus',
  startVUs: 0,
  stages: [
    { target: vus, duration: `${rampS}s` },
    { target: vus, duration: '8s' },
  ],
  thinkTime: { type: 'uniform', min: '1s', max: '3s' },
  requestTimeout: '30s',
  flows: [{ name: 'get', steps: [{ path: '/', checks: [{ type: 'status', equals: 200 }] }] }],
  thresholdWindows: [],
});
global.gc?.();
const base = process.memoryUsage().rss;
let peak = base;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 200);
const r = await runScenario(scenario, { baseUrl: new URL(url as string) });
clearInterval(sampler);
const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
process.stdout.write(
  `${JSON.stringify({
    vus,
    rssBaseMB: mb(base),
    rssPeakMB: mb(peak),
    perVuKB: Math.round((peak - base) / vus / 102.4) / 10,
    requests: r.summary.requests,
    errors: r.summary.errors,
    p95: r.summary.latencyMs.p95,
  })}\n`,
);
