import { MessageChannel, Worker } from 'node:worker_threads';
import { CookieJar } from 'tough-cookie';
import ts from 'typescript';
import { extractOptions } from '../export.ts';
import { STAND_IN_WORKER } from './stand-in-worker.ts';

/**
 * A STAND-IN for the k6 binary, which cannot exist on this machine: it runs an exported script's own code
 * (setup(), the exec functions, their interpreter) against a real server, with k6's modules played by small
 * functions, and writes what `k6 run --out json` writes for it (Metric lines, then http_reqs,
 * http_req_duration, http_req_failed, checks, iterations, iteration_duration and group_duration points with
 * k6's tags; group() sets the group tag as k6 does, http.batch sends its requests one after another).
 *
 * What it does like k6: a JavaScript runtime per VU (module state per VU), setup() once and its data copied
 * to every VU, synchronous http.request with the script's timeout and responseCallback, `vu % users` as the
 * script computes it, thresholds on parent metrics written in the Metric lines (k6 writes no sub-metric's).
 * What it does not: time. Iterations run one after another, round-robin over the VUs the executor would
 * pre-allocate, as many as the executor would start (capped by maxIterations); scenarios in startTime order.
 */

interface ScenarioOptions {
  executor: string;
  exec: string;
  startTime?: string;
  rate?: number;
  startRate?: number;
  timeUnit?: string;
  duration?: string;
  preAllocatedVUs?: number;
  vus?: number;
  startVUs?: number;
  iterations?: number;
  stages?: Array<{ target: number; duration: string }>;
}

const ms = (d: string | undefined) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d ?? '0ms');
  return m
    ? Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[m[2] as string]!
    : 0;
};

/** Iterations the executor would start, by integrating its rate or VUs over time (closed models: one per VU per second). */
function iterationsOf(s: ScenarioOptions): number {
  const unit = ms(s.timeUnit ?? '1s');
  switch (s.executor) {
    case 'constant-arrival-rate':
      return Math.round(((s.rate ?? 0) * ms(s.duration)) / unit);
    case 'ramping-arrival-rate': {
      let from = s.startRate ?? 0;
      let n = 0;
      for (const st of s.stages ?? []) {
        n += (((from + st.target) / 2) * ms(st.duration)) / unit;
        from = st.target;
      }
      return Math.round(n);
    }
    case 'per-vu-iterations':
      return (s.vus ?? 1) * (s.iterations ?? 1);
    case 'shared-iterations':
      return s.iterations ?? 1;
    default:
      return Math.round(((s.vus ?? s.startVUs ?? 1) * ms(s.duration ?? '1s')) / 1000);
  }
}

function vusOf(s: ScenarioOptions): number {
  if (s.preAllocatedVUs !== undefined) return Math.max(1, s.preAllocatedVUs);
  if (s.vus !== undefined) return s.vus;
  return Math.max(1, s.startVUs ?? 0, ...(s.stages ?? []).map((st) => st.target));
}

export interface StandInOptions {
  baseUrl: string;
  /** Where to write the `--out json` lines. */
  out: string;
  /** At most this many iterations per scenario. */
  maxIterations: number;
  env?: Record<string, string>;
}

export interface StandInRun {
  scenarios: Array<{ name: string; vus: number; iterations: number }>;
}

/** Runs the exported script's code against baseUrl and writes k6's JSON output to `out`. */
export async function runK6StandIn(script: string, o: StandInOptions): Promise<StandInRun> {
  const options = extractOptions(script) as {
    scenarios: Record<string, ScenarioOptions>;
    thresholds: Record<string, unknown[]>;
  };
  const scenarios = Object.entries(options.scenarios)
    .sort((a, b) => ms(a[1].startTime) - ms(b[1].startTime))
    .map(([name, s]) => ({
      name,
      exec: s.exec,
      vus: vusOf(s),
      iterations: Math.min(o.maxIterations, iterationsOf(s)),
    }));
  const declared = (metric: string) => options.thresholds[metric] ?? [];
  const metricLines = (
    [
      ['http_reqs', 'counter'],
      ['http_req_duration', 'trend'],
      ['http_req_failed', 'rate'],
      ['checks', 'rate'],
      ['iterations', 'counter'],
      ['iteration_duration', 'trend'],
      ['group_duration', 'trend'],
    ] as const
  ).map(([name, type]) =>
    JSON.stringify({
      type: 'Metric',
      data: {
        name,
        type,
        contains: type === 'trend' ? 'time' : 'default',
        thresholds: declared(name),
        submetrics: null,
      },
      metric: name,
    }),
  );
  const bundle = ts.transpileModule(script, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
  }).outputText;
  const { port1, port2 } = new MessageChannel();
  const shared = new SharedArrayBuffer(4);
  const flag = new Int32Array(shared);
  const maxRedirects = (options as { maxRedirects?: number }).maxRedirects ?? 10;
  const jars = new Map<number, CookieJar>();
  port1.on(
    'message',
    (req: {
      method: string;
      url: string;
      body?: string;
      headers: Record<string, string>;
      timeoutMs: number;
      jar: number | null;
    }) => {
      const t0 = performance.now();
      const answer = (m: Record<string, unknown>) => {
        port1.postMessage({ durationMs: performance.now() - t0, headers: {}, body: '', errorCode: 0, ...m });
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
      };
      // Redirects followed up to the script's maxRedirects, cookies kept per VU unless the request gave its own jar.
      let jar: CookieJar | null = null;
      if (req.jar !== null) {
        jar = jars.get(req.jar) ?? new CookieJar();
        jars.set(req.jar, jar);
      }
      const signal = AbortSignal.timeout(req.timeoutMs);
      const hop = async (url: string, method: string, body: string | undefined, left: number): Promise<Response> => {
        const cookie = jar ? await jar.getCookieString(url) : '';
        const headers = cookie
          ? { ...req.headers, cookie: req.headers.cookie ? `${req.headers.cookie}; ${cookie}` : cookie }
          : req.headers;
        const res = await fetch(url, {
          method,
          headers,
          redirect: 'manual',
          ...(body !== undefined ? { body } : {}),
          signal,
        });
        if (jar) for (const c of res.headers.getSetCookie()) await jar.setCookie(c, url, { ignoreError: true });
        const location = res.headers.get('location');
        if (left <= 0 || !location || ![301, 302, 303, 307, 308].includes(res.status)) return res;
        await res.arrayBuffer();
        // Go's client (k6's): 301/302/303 turn every method but GET and HEAD into a GET without the body.
        const toGet = [301, 302, 303].includes(res.status) && method !== 'GET' && method !== 'HEAD';
        return hop(new URL(location, url).href, toGet ? 'GET' : method, toGet ? undefined : body, left - 1);
      };
      hop(req.url, req.method, req.body, maxRedirects)
        .then(async (res) => {
          const body = await res.text();
          const headers: Record<string, string> = {};
          res.headers.forEach((v, k) => {
            headers[k] = v;
          });
          answer({ status: res.status, headers, body });
        })
        .catch((err: Error) => answer({ status: 0, errorCode: err.name === 'TimeoutError' ? 1050 : 1212, body: null }));
    },
  );
  const worker = new Worker(STAND_IN_WORKER, {
    eval: true,
    workerData: {
      bundle,
      plan: { scenarios, metricLines },
      env: { BASE_URL: o.baseUrl, ...o.env },
      out: o.out,
      port: port2,
      shared,
    },
    transferList: [port2],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`k6 stand-in worker exited with ${code}`)),
      );
    });
  } finally {
    port1.close();
  }
  return { scenarios: scenarios.map(({ name, vus, iterations }) => ({ name, vus, iterations })) };
}
