import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { parseDuration, parseTargetUrl } from '../../common/index.ts';
import { measurementDoubt } from '../../reports/index.ts';
import { formatSummary, parseScenario, runScenario, type ScenarioInput } from '../../scenarios/index.ts';
import type { CliContext } from '../context.ts';
import { exitCodeFor } from '../exit-codes.ts';
import { FlagInvalidError } from '../flags.ts';
import { asSemantics, thresholdSemanticsOption } from './threshold-semantics.ts';

interface LoadFlags {
  rate?: string;
  vus?: string;
  duration: string;
  method: string;
  header: string[];
  body?: string;
  connections?: string;
  maxConnections?: string;
  summaryJson?: string;
  threshold?: string[];
  thresholdSemantics?: string;
}

/** "http_req_failed: rate<0.01" or "http_req_duration{name:GET /x}: p(95)<200" → [key, expression]. */
export function splitThresholdFlag(v: string): [string, string] {
  const close = v.indexOf('}');
  const colon = v.indexOf(':', v.trimStart().includes('{') && close > 0 ? close : 0);
  const key = colon > 0 ? v.slice(0, colon).trim() : '';
  const expr = colon > 0 ? v.slice(colon + 1).trim() : '';
  if (!key || !expr) {
    throw new FlagInvalidError(`--threshold "${v}" must look like "metric: expression"`, {
      hint: "e.g. --threshold 'http_req_failed: rate<0.01' --threshold 'http_req_duration: p(95)<200'",
    });
  }
  return [key, expr];
}

const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

function positive(flag: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new FlagInvalidError(`${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
  }
  return n;
}

/** Builds the ad-hoc scenario from flags (one request, open model with --rate, closed with --vus). */
export function loadScenarioFromFlags(target: URL, f: LoadFlags): ScenarioInput {
  const rate = positive('--rate', f.rate, false);
  const vus = positive('--vus', f.vus, true);
  const connections = positive('--connections', f.connections, true);
  const maxConnections = positive('--max-connections', f.maxConnections, true);
  if (maxConnections !== undefined && rate === undefined)
    throw new FlagInvalidError('--max-connections goes with --rate (open model)', {
      hint: 'with --vus each VU has its own connection; use --connections N to share fewer',
    });
  if (maxConnections !== undefined && connections !== undefined)
    throw new FlagInvalidError('--connections and --max-connections cannot be used together with --rate', {
      hint: 'use --max-connections N',
    });
  if (rate !== undefined && vus !== undefined)
    throw new FlagInvalidError('--rate and --vus cannot be used together', {
      hint: '--rate N for an open model (arrivals per second), --vus N for a closed model',
    });
  try {
    parseDuration(f.duration, '--duration');
  } catch {
    throw new FlagInvalidError(`--duration "${f.duration}" is not a duration`, {
      hint: 'write it like 30s, 1m30s or 500ms',
    });
  }
  const method = f.method.toUpperCase();
  if (!(methods as readonly string[]).includes(method))
    throw new FlagInvalidError(`--method "${f.method}" is not one of ${methods.join(', ')}`);
  const headers: Record<string, string> = {};
  for (const h of f.header) {
    const i = h.indexOf(':');
    if (i <= 0) throw new FlagInvalidError(`--header "${h}" must look like "name: value"`);
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  let body: Record<string, unknown> = {};
  if (f.body !== undefined) {
    try {
      body = { body: JSON.parse(f.body) as unknown };
    } catch {
      body = { bodyText: f.body };
    }
  }
  const step = {
    name: `${method} ${target.pathname}`,
    method,
    path: `${target.pathname}${target.search}`,
    headers,
    ...body,
  };
  const thresholds: Record<string, string[]> = {};
  for (const t of f.threshold ?? []) {
    const [key, expr] = splitThresholdFlag(t);
    (thresholds[key] ??= []).push(expr);
  }
  const common = {
    name: 'load',
    flows: [{ name: 'request', steps: [step] }],
    thresholdWindows: [],
    ...(Object.keys(thresholds).length ? { thresholds } : {}),
  };
  if (rate !== undefined) {
    // Like k6's maxVUs: connections open on demand up to the cap; by default enough for rate × 1 s of latency.
    const cap = maxConnections ?? connections;
    return {
      ...common,
      executor: 'constant-arrival-rate',
      rate,
      duration: f.duration,
      ...(cap !== undefined ? { connections: cap, maxVUs: cap } : {}),
    } as ScenarioInput;
  }
  const v = vus ?? connections ?? 10;
  return {
    ...common,
    executor: 'constant-vus',
    vus: v,
    duration: f.duration,
    connections: connections ?? v,
  } as ScenarioInput;
}

export function registerLoad(program: Command, ctx: CliContext): void {
  program
    .command('load')
    .description(
      'Quick ad-hoc load against one URL (open model with --rate, closed with --vus); honest latency from the intended start time.',
    )
    .argument('<url>', 'the URL to load, e.g. http://127.0.0.1:3000/v1/trending', (v: string) =>
      parseTargetUrl(v, 'the <url> argument'),
    )
    .addOption(new Option('--rate <n>', 'arrivals per second (open model; latency counted from the intended start)'))
    .addOption(new Option('--vus <n>', 'virtual users looping without think time (closed model)'))
    .option('--duration <d>', 'how long to run (500ms, 30s, 1m30s)', '30s')
    .option('--method <m>', 'HTTP method', 'GET')
    .option('--header <k:v>', 'request header, repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--body <s>', 'request body (JSON is sent as application/json)')
    .option(
      '--max-connections <n>',
      'with --rate: most connections (requests in flight); they open on demand (default max(100, rate × 1 s), at most 10000)',
    )
    .option(
      '--connections <n>',
      'with --vus: keep-alive connections shared by the VUs (default one per VU); with --rate: same as --max-connections',
    )
    .option(
      '--threshold <metric: expr>',
      "k6 threshold, repeatable: 'http_req_failed: rate<0.01', 'http_req_duration: p(95)<200'; exit 1 when one fails or has no data",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .addOption(thresholdSemanticsOption())
    .option(
      '--summary-json <file>',
      'write {"requests","errors","rate","latencyMs","late","dropped","droppedAtCap","timeouts","warnings"} to FILE',
    )
    .addHelpText(
      'after',
      `
Exit code: 0 when every --threshold passes (without thresholds: when the load was delivered as asked), 1 when a
threshold fails or is inconclusive (no data; a generator too slow to deliver the rate; a PASS the sample cannot
show at 95 % confidence — --threshold-semantics k6 for k6's point verdict), 2 bad input, 3 target
unreachable.

Examples:
  rampart load http://127.0.0.1:3000/livez --rate 500 --duration 30s
  rampart load http://127.0.0.1:3000/livez --rate 200 --duration 20s --threshold 'http_req_failed: rate<0.01' --threshold 'http_req_duration: p(95)<50'
  rampart load http://127.0.0.1:3000/livez --rate 1000 --max-connections 2000 --duration 1m
  rampart load http://127.0.0.1:3000/v1/posts --vus 50 --duration 1m --method POST \\
      --header 'authorization: Bearer TOKEN' --body '{"body":"hello"}' --summary-json out/summary.json`,
    )
    .action(async (target: URL, flags: LoadFlags) => {
      const scenario = parseScenario(loadScenarioFromFlags(target, flags), 'flags');
      const result = await runScenario(scenario, {
        baseUrl: new URL(target.origin),
        signal: ctx.signal,
        progress: ctx.stderr,
        capFlag: '--max-connections',
        thresholdSemantics: asSemantics(flags.thresholdSemantics),
      });
      ctx.stdout.write(formatSummary(result.summary, result.thresholds, result.failedChecks, result.warnings));
      if (flags.summaryJson) {
        const s = result.summary;
        const out = {
          requests: s.requests,
          errors: s.errors,
          rate: { target: s.rate.target, achieved: s.rate.achieved },
          latencyMs: {
            p50: s.latencyMs.p50,
            p90: s.latencyMs.p90,
            p95: s.latencyMs.p95,
            p99: s.latencyMs.p99,
            p999: s.latencyMs.p999,
            max: s.latencyMs.max,
          },
          late: s.late,
          dropped: s.dropped,
          droppedAtCap: result.droppedAtCap,
          timeouts: result.timeouts,
          warnings: result.warnings,
        };
        await mkdir(path.dirname(path.resolve(flags.summaryJson)), { recursive: true });
        await writeFile(flags.summaryJson, `${JSON.stringify(out)}\n`);
      }
      if (result.aborted) ctx.stderr.write(`rampart: run stopped early: ${result.abortReason}\n`);
      const thresholdsGiven = result.thresholds.length;
      const failed = result.thresholds.filter((t) => (t.outcome ?? (t.ok ? 'pass' : 'fail')) === 'fail');
      const unsure = result.thresholds.filter((t) => t.outcome === 'inconclusive');
      let verdict: 'pass' | 'fail' | 'inconclusive' = 'pass';
      if (failed.length > 0) {
        ctx.stderr.write(`rampart: FAIL: ${failed.length} threshold(s) breached\n`);
        verdict = 'fail';
      } else if (
        thresholdsGiven === 0 &&
        measurementDoubt({ summaries: [result.summary] }, [scenario.name])?.bias === 'optimistic'
      ) {
        // Without thresholds the exit code says only whether the load was delivered as asked.
        ctx.stderr.write(
          `rampart: INCONCLUSIVE: the measurement is invalid (${result.summary.invalidReasons.join('; ')}): the target was not loaded as asked\n`,
        );
        verdict = 'inconclusive';
      } else if (unsure.length > 0) {
        ctx.stderr.write(`rampart: INCONCLUSIVE: ${unsure.map((t) => t.reason).join('; ')}\n`);
        verdict = 'inconclusive';
      }
      ctx.exitCode = exitCodeFor({ verdict });
    });
}
