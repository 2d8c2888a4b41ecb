/**
 * The worker half of the k6 stand-in (see k6-stand-in.ts), as source for `new Worker(code, { eval: true })`.
 * It runs an exported script's bundle in one vm context per VU (each VU has its own module state, as each
 * k6 VU has its own JavaScript runtime), with k6's modules played by small functions: http.request is
 * synchronous as in k6 — the worker posts the request to the main thread and blocks on Atomics.wait until
 * the answer is there — and every request, check and iteration is written as k6's `--out json` lines.
 */
export const STAND_IN_WORKER = String.raw`
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const vm = require('node:vm');
const fs = require('node:fs');
const { bundle, plan, env, out, port, shared } = workerData;
const flag = new Int32Array(shared);
const lines = [];
const iso = (ms) => new Date(ms).toISOString();
const point = (metric, value, tags, t = Date.now()) => lines.push(JSON.stringify({ metric, type: 'Point', data: { time: iso(t), value, tags } }));
const state = { scenario: undefined, group: '', vu: 0, iteration: 0 };
const baseTags = () => (state.scenario === undefined ? { group: state.group } : { group: state.group, scenario: state.scenario });

function sendSync(req) {
  Atomics.store(flag, 0, 0);
  port.postMessage(req);
  Atomics.wait(flag, 0, 0);
  return receiveMessageOnPort(port).message;
}

function canonical(name) {
  return name.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('-');
}

function timeoutMs(t) {
  if (typeof t === 'number') return t;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(String(t || '60s'));
  return m ? Number(m[1]) * { ms: 1, s: 1000, m: 60000 }[m[2]] : 60000;
}

class CookieJar {}

const http = {
  CookieJar,
  expectedStatuses(...specs) {
    return { __expected: (s) => specs.some((x) => (typeof x === 'number' ? x === s : s >= x.min && s <= x.max)) };
  },
  request(method, url, body, params = {}) {
    const started = Date.now();
    // A jar given with the request (the script's empty one) sends and keeps no cookie; otherwise the VU's jar, as k6's.
    const jar = params.jar instanceof CookieJar ? null : state.vu;
    const r = sendSync({ method, url, body: body === null || body === undefined ? undefined : body, headers: params.headers || {}, timeoutMs: timeoutMs(params.timeout), jar });
    const expected = params.responseCallback ? params.responseCallback.__expected(r.status) : r.status >= 200 && r.status < 400;
    const name = (params.tags && params.tags.name) || url;
    const tags = { ...baseTags(), expected_response: String(expected), method, name, proto: 'HTTP/1.1', status: String(r.status), url };
    if (r.status === 0) tags.error_code = String(r.errorCode);
    const t = started + Math.round(r.durationMs);
    point('http_reqs', 1, tags, t);
    point('http_req_duration', r.durationMs, tags, t);
    point('http_req_failed', expected ? 0 : 1, tags, t);
    const headers = {};
    for (const [k, v] of Object.entries(r.headers)) headers[canonical(k)] = v;
    return { status: r.status, body: r.body, headers, error_code: r.errorCode, url, timings: { duration: r.durationMs } };
  },
  // One after another here (k6 sends them in parallel); what is measured and written is the same per request.
  batch(reqs) {
    return reqs.map((r) => (Array.isArray(r) ? http.request(r[0], r[1], r[2], r[3] || {}) : http.request(r.method, r.url, r.body, r.params || {})));
  },
};

const k6 = {
  check(val, sets) {
    let all = true;
    for (const [name, fn] of Object.entries(sets)) {
      const ok = Boolean(fn(val));
      point('checks', ok ? 1 : 0, { ...baseTags(), check: name });
      all = all && ok;
    }
    return all;
  },
  sleep(s) {
    if (s > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(s * 1000, 50));
  },
  group(name, fn) {
    const outer = state.group;
    state.group = outer + '::' + name;
    const t0 = Date.now();
    try {
      return fn();
    } finally {
      point('group_duration', Date.now() - t0, baseTags());
      state.group = outer;
    }
  },
};

const execution = {
  vu: { get idInTest() { return state.vu; } },
  scenario: { get iterationInTest() { return state.iteration; }, get name() { return state.scenario; } },
};

class SharedArray {
  constructor(_name, fn) {
    return Object.freeze(fn().map((x) => Object.freeze(x)));
  }
}

class Metric {
  constructor(name) {
    this.name = name;
  }
  add(v) {
    point(this.name, Number(v), baseTags());
  }
}
const metrics = { Trend: Metric, Counter: Metric, Rate: Metric, Gauge: Metric, __esModule: true };

const modules = { 'k6/http': { default: http, __esModule: true, ...http }, k6: { ...k6, default: k6, __esModule: true }, 'k6/execution': { default: execution, __esModule: true }, 'k6/data': { SharedArray, __esModule: true }, 'k6/metrics': metrics };
const script = new vm.Script(bundle, { filename: 'exported.k6.js' });
const contexts = new Map();
function vuContext(id) {
  let c = contexts.get(id);
  if (!c) {
    const module = { exports: {} };
    const ctx = vm.createContext({ module, exports: module.exports, require: (n) => modules[n], __ENV: env, console });
    script.runInContext(ctx);
    c = module.exports;
    contexts.set(id, c);
  }
  return c;
}

const setupCtx = vuContext(0);
lines.push(...plan.metricLines);
state.group = '::setup';
const data = JSON.stringify(setupCtx.setup ? setupCtx.setup() : {});
state.group = '';
for (const s of plan.scenarios) {
  state.scenario = s.name;
  for (let i = 0; i < s.iterations; i++) {
    state.vu = (i % s.vus) + 1;
    state.iteration = i;
    const vu = vuContext(state.vu);
    vu.__data = vu.__data || JSON.parse(data);
    const t0 = Date.now();
    vu[s.exec](vu.__data);
    point('iterations', 1, baseTags());
    point('iteration_duration', Date.now() - t0, baseTags());
  }
}
fs.writeFileSync(out, lines.join('\n') + '\n');
`;
