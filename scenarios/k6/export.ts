import { parseDuration } from '../../common/index.ts';
import type { Suite } from '../suites.ts';
import { isOpenModel } from '../executors/registry.ts';
import { K6_RUNTIME } from './k6-runtime.ts';
import { execNames, k6OptionsPlan, overlapping } from './options.ts';

const OPTIONS_BEGIN = '/* rampart:options:begin */';
const OPTIONS_END = '/* rampart:options:end */';

/** Pulls the options object back out of an exported script (tests compare it with the suite). */
export function extractOptions(script: string): unknown {
  const a = script.indexOf(OPTIONS_BEGIN);
  const b = script.indexOf(OPTIONS_END);
  return JSON.parse(script.slice(a + OPTIONS_BEGIN.length, b));
}

function thinkSeconds(suite: Suite): Record<string, unknown> {
  return Object.fromEntries(
    suite.scenarios.map((s) => {
      const t = s.thinkTime;
      const ms = (d: string | number) => parseDuration(d) / 1000;
      if (isOpenModel(s) || t.type === 'none') return [s.name, null];
      if (t.type === 'constant') return [s.name, { type: 'constant', a: ms(t.duration), b: 0 }];
      if (t.type === 'uniform') return [s.name, { type: 'uniform', a: ms(t.min), b: ms(t.max) }];
      if (t.type === 'normal') return [s.name, { type: 'normal', a: ms(t.mean), b: ms(t.stddev) }];
      return [s.name, { type: 'exponential', a: ms(t.mean), b: 0 }];
    }),
  );
}

const ENV_NAME = /\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** What of the suite the k6 script cannot do as rampart does, each said in a line. */
function notExportable(suite: Suite, planNotes: string[]): string[] {
  const out = [...planNotes];
  const names = (pred: (s: Suite['scenarios'][number]) => boolean) =>
    suite.scenarios
      .filter(pred)
      .map((s) => s.name)
      .join(', ');
  const late = names((s) => Object.keys(s.thresholds).some((k) => k.startsWith('late_requests')));
  if (late) out.push(`late_requests thresholds (${late}): k6 has no metric for requests sent later than intended`);
  const windows = names(
    (s) =>
      s.thresholdWindows.length > 0 &&
      Object.keys(s.thresholds).some((k) => !/^(http_reqs|dropped_iterations|late_requests)/.test(k)),
  );
  if (windows) out.push(`sliding threshold windows (${windows}): k6 judges thresholds over the whole test only`);
  const teardown = names((s) => s.teardown?.users !== undefined);
  if (teardown)
    out.push(
      `the teardown phase (${teardown}): k6's teardown() gets the setup data from before the load, not the tokens the load rotated`,
    );
  const open = names((s) => isOpenModel(s));
  if (open)
    out.push(
      `latency from the intended start (${open}): k6 measures from the actual send, so a stalled server's queueing is not in http_req_duration (it shows as dropped_iterations)`,
    );
  const conns = names((s) => 'connections' in s && s.connections !== undefined);
  if (conns) out.push(`connections (${conns}): k6 gives every VU its own connections`);
  const retried = names((s) =>
    [...s.flows.flatMap((f) => f.steps), ...(s.setup?.users?.steps ?? [])].some((st) => st.retry !== undefined),
  );
  if (retried)
    out.push(
      `retries (${retried}) run as a loop, but each attempt is its own request in k6's metrics (rampart counts one request, latency over all attempts)`,
    );
  const hops = names((s) => s.maxRedirects > 0);
  if (hops)
    out.push(
      `redirects (${hops}): k6 writes each hop as its own request (rampart: one request over the hops, the last answer's status)`,
    );
  const batchRetry = names((s) =>
    s.flows.some((f) => f.steps.some((st) => st.batch !== undefined && st.retry !== undefined)),
  );
  if (batchRetry) out.push(`retries inside a batch (${batchRetry}): http.batch sends each request once`);
  const setups = names((s) => s.setup?.users !== undefined);
  if (setups)
    out.push(`setup users (${setups}) are signed in by k6's setup() once before every scenario, one request at a time`);
  // k6 VUs share no state: two VUs on one user each hold a copy, and a token one of them rotates is spent in the other's.
  const shared = suite.scenarios
    .filter((s) => {
      const users = s.setup?.users?.count ?? s.users?.length ?? 0;
      const vus =
        'maxVUs' in s && s.maxVUs !== undefined
          ? s.maxVUs
          : 'vus' in s
            ? s.vus
            : 'stages' in s
              ? Math.max(0, ...s.stages.map((st) => st.target))
              : 0;
      const rotates = s.flows.some((f) =>
        f.steps.some((st) => Object.keys(st.captures).some((k) => k.startsWith('user.'))),
      );
      return rotates && users > 0 && vus > users;
    })
    .map((s) => s.name)
    .join(', ');
  if (shared)
    out.push(
      `user.* captures with more VUs than users (${shared}): a k6 VU beyond the number of users gets its own copy of a user, so a token another VU rotated is spent in it (rampart's VUs share one user); keep maxVUs at or below the users to avoid 401s`,
    );
  if (suite.scenarios.length > 1 && !overlapping(suite))
    out.push(
      'scenarios run one after another through startTime, each given its gracefulStop (default one request timeout) to finish its iterations',
    );
  return out;
}

/** The suite's own metrics as k6 custom metrics (one per name; a Trend fed durations is a time Trend). */
function ownMetrics(suite: Suite): string {
  const kinds = new Map<string, string>();
  const timed = new Set<string>();
  for (const s of suite.scenarios) {
    for (const [name, kind] of Object.entries(s.metrics ?? {})) kinds.set(name, kind);
    for (const st of s.flows.flatMap((f) => f.steps))
      for (const [name, src] of Object.entries(st.add ?? {})) if (src === 'duration') timed.add(name);
  }
  const ctor = { trend: 'Trend', counter: 'Counter', rate: 'Rate', gauge: 'Gauge' } as Record<string, string>;
  return [...kinds]
    .map(
      ([name, kind]) =>
        `  ${JSON.stringify(name)}: new ${ctor[kind] as string}(${JSON.stringify(name)}${kind === 'trend' && timed.has(name) ? ', true' : ''}),\n`,
    )
    .join('');
}

export interface K6Export {
  script: string;
  /** Everything the script does differently from rampart (also in its header). */
  notExported: string[];
  /** Environment variables the script reads through __ENV (its {{env.NAME}} placeholders). */
  env: string[];
}

/**
 * The suite as a k6 script in TypeScript, typed with @types/k6: options (scenarios with executors,
 * stages, startTime, thresholds scoped to their scenario, setupTimeout), setup() for the users, and
 * one exec function per scenario that runs its weighted flows with the same checks, captures, request
 * timeout and retries as rampart's engine. The flows travel as data with a small interpreter, so the
 * script behaves like the suite file; {{env.NAME}} left in the suite (load it with envAsPlaceholders)
 * is read from __ENV when the script runs, so no secret is written into it.
 */
export function exportK6(suite: Suite, o: { notes?: string[] } = {}): K6Export {
  const plan = k6OptionsPlan(suite);
  const names = execNames(suite);
  const flows = Object.fromEntries(suite.scenarios.map((s) => [s.name, s.flows]));
  const setups = Object.fromEntries(suite.scenarios.map((s) => [s.name, s.setup?.users ?? null]));
  const timeouts = Object.fromEntries(suite.scenarios.map((s) => [s.name, `${parseDuration(s.requestTimeout)}ms`]));
  const rows = suite.scenarios
    .filter((s) => s.users !== undefined && s.setup?.users === undefined)
    .map(
      (s) =>
        `  ${JSON.stringify(s.name)}: new SharedArray(${JSON.stringify(`users:${s.name}`)}, () => ${JSON.stringify(s.users)}),`,
    )
    .join('\n');
  const execs = suite.scenarios
    .map(
      (s) => `
export function ${names.get(s.name) as string}(data: SetupData): void {
  runScenario(${JSON.stringify(s.name)}, data);
}`,
    )
    .join('\n');
  const data = JSON.stringify({ flows, setups });
  // Variables every scenario that uses them sets in its own env (k6's scenario env) need no -e.
  const given = (name: string) =>
    suite.scenarios.every(
      (s) => s.env?.[name] !== undefined || !JSON.stringify([s.flows, s.setup ?? null]).includes(`env.${name}`),
    );
  const env = [...new Set([...data.matchAll(ENV_NAME)].map((m) => m[1] as string))].filter((n) => !given(n)).sort();
  const notExported = [...notExportable(suite, plan.notes), ...(o.notes ?? [])];
  const header = [
    `// Generated by \`rampart k6 export ${suite.name}\` (profile ${suite.profile}). Run: k6 run -e BASE_URL=http://127.0.0.1:3000${env.map((e) => ` -e ${e}=…`).join('')} ${suite.name}.k6.ts`,
    `// ${suite.description}`,
    ...(env.length > 0
      ? [
          `// Reads ${env.map((e) => `__ENV.${e}`).join(', ')} ({{env.NAME}} in the suite) when it runs: nothing of them is written here.`,
        ]
      : []),
    ...(notExported.length > 0 ? ['// Not as in rampart:', ...notExported.map((n) => `//   - ${n}`)] : []),
  ].join('\n');
  const script = `${header}
import http, { type Response } from 'k6/http';
import { check, group, sleep } from 'k6';
import exec from 'k6/execution';
import { SharedArray } from 'k6/data';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';

const BASE_URL: string = __ENV.BASE_URL || 'http://127.0.0.1:3000';

export const options: Options = ${OPTIONS_BEGIN}${JSON.stringify(plan.options)}${OPTIONS_END};

const FLOWS: Record<string, FlowDef[]> = ${JSON.stringify(flows)};
const SETUPS: Record<string, SetupDef | null> = ${JSON.stringify(setups)};
const ROWS: Record<string, ArrayLike<Ctx>> = {
${rows}
};
const THINK: Record<string, { type: string; a: number; b: number } | null> = ${JSON.stringify(thinkSeconds(suite))};
const TIMEOUT: Record<string, string> = ${JSON.stringify(timeouts)};
const OWN: Record<string, { add(value: number): void }> = {
${ownMetrics(suite)}};
const COOKIES: Record<string, boolean> = ${JSON.stringify(Object.fromEntries(suite.scenarios.map((s) => [s.name, s.cookies === 'vu'])))};
${K6_RUNTIME}${execs}
`;
  return { script, notExported, env };
}

/**
 * An environment for loadSuite that leaves every {{env.NAME}} as it is, so the script reads it from
 * __ENV when it runs instead of carrying the value (a secret) in its text.
 */
export const envAsPlaceholders: Readonly<Record<string, string>> = new Proxy(
  {},
  {
    get: (_t, name) => (typeof name === 'string' ? `{{env.${name}}}` : undefined),
  },
);

export function exportK6Script(suite: Suite): string {
  return exportK6(suite).script;
}
