import { createRequire } from 'node:module';
import { EnvironmentError, type Profile } from '../../common/index.ts';
import type { Finding } from '../../reports/index.ts';
import type { ZapAlert } from './zap-alerts.ts';
import { zapAlertsToFindings } from './zap-alerts.ts';

const require = createRequire(import.meta.url);

/** The part of the zaproxy 2.0 client rampart calls (each method resolves with ZAP's JSON answer). */
interface ZapClient {
  core: { version(): Promise<{ version: string }> };
  openapi: { importUrl(a: { url: string; hostoverride?: string }): Promise<unknown> };
  replacer: {
    addRule(a: Record<string, string>): Promise<unknown>;
    removeRule(a: { description: string }): Promise<unknown>;
  };
  spider: {
    scan(a: Record<string, string>): Promise<{ scan: string }>;
    status(a: { scanid: string }): Promise<{ status: string }>;
  };
  pscan: { recordsToScan(): Promise<{ recordsToScan: string }> };
  ascan: {
    scan(a: Record<string, string>): Promise<{ scan: string }>;
    status(a: { scanid: string }): Promise<{ status: string }>;
  };
  alert: { alerts(a: Record<string, string>): Promise<{ alerts: ZapAlert[] }> };
}
type ZapClientCtor = new (o: {
  apiKey?: string;
  proxy: { host: string; port: number; protocol?: string };
}) => ZapClient;

export interface ZapScanOptions {
  zapUrl: string;
  apiKey?: string;
  target: string;
  openapiPath: string;
  /** Sent on every request ZAP makes (ZAP replacer rule), so ZAP scans as a logged-in user. */
  authHeader?: { name: string; value: string };
  profile: Profile;
  signal: AbortSignal;
  progress?: (line: string) => void;
  /** Poll interval; tests against the replay use a short one. */
  pollMs?: number;
}

async function until(
  check: () => Promise<boolean>,
  opts: { signal: AbortSignal; pollMs: number; timeoutMs: number; what: string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  while (!(await check())) {
    opts.signal.throwIfAborted();
    if (Date.now() > deadline)
      throw new EnvironmentError(
        'RAMPART_ZAP_TIMEOUT',
        `ZAP ${opts.what} did not finish in ${opts.timeoutMs / 1000}s`,
        { hint: 'use --profile full for longer limits, or check the ZAP daemon' },
      );
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
}

/**
 * Drives a ZAP daemon with the official zaproxy client: import the target's
 * OpenAPI document, spider, wait for the passive scanner, active scan, fetch
 * alerts and map them to findings (ruleId zap-<pluginId>).
 */
export async function runZapScan(opts: ZapScanOptions): Promise<Finding[]> {
  const ZapClient = require('zaproxy') as ZapClientCtor;
  const zapUrl = new URL(opts.zapUrl);
  // ZAP's API is reached by using ZAP as a proxy for http://zap/…, which is how the client is built.
  const zap = new ZapClient({
    ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
    proxy: { host: zapUrl.hostname, port: Number(zapUrl.port || 8080), protocol: 'http' },
  });
  const say = opts.progress ?? (() => {});
  const pollMs = opts.pollMs ?? 2000;
  const minutes = opts.profile === 'quick' ? 5 : 60;
  let version: string;
  try {
    version = (await zap.core.version()).version;
  } catch (err) {
    throw new EnvironmentError(
      'RAMPART_ZAP_UNREACHABLE',
      `cannot reach the ZAP API at ${opts.zapUrl}: ${(err as Error).message}`,
      {
        cause: err,
        hint: 'start ZAP (docker compose up zap) and pass its URL with --zap or ZAP_URL, and its key with ZAP_API_KEY',
      },
    );
  }
  say(`zap: connected to ZAP ${version}`);
  const target = opts.target.replace(/\/$/, '');
  const ruleName = 'rampart-auth';
  if (opts.authHeader) {
    await zap.replacer.addRule({
      description: ruleName,
      enabled: 'true',
      matchtype: 'REQ_HEADER',
      matchregex: 'false',
      matchstring: opts.authHeader.name,
      replacement: opts.authHeader.value,
    });
  }
  try {
    await zap.openapi.importUrl({ url: `${target}${opts.openapiPath}`, hostoverride: target });
    say('zap: OpenAPI document imported');
    const spider = await zap.spider.scan({ url: target, recurse: 'true', subtreeonly: 'true' });
    await until(async () => Number((await zap.spider.status({ scanid: spider.scan })).status) >= 100, {
      signal: opts.signal,
      pollMs,
      timeoutMs: minutes * 60_000,
      what: 'spider',
    });
    say('zap: spider done');
    await until(async () => Number((await zap.pscan.recordsToScan()).recordsToScan) === 0, {
      signal: opts.signal,
      pollMs,
      timeoutMs: minutes * 60_000,
      what: 'passive scan',
    });
    say('zap: passive scan done');
    const active = await zap.ascan.scan({ url: target, recurse: 'true', inscopeonly: 'false' });
    await until(
      async () => {
        const s = Number((await zap.ascan.status({ scanid: active.scan })).status);
        say(`zap: active scan ${s}%`);
        return s >= 100;
      },
      { signal: opts.signal, pollMs, timeoutMs: minutes * 60_000, what: 'active scan' },
    );
    const { alerts } = await zap.alert.alerts({ baseurl: target, start: '0', count: '10000' });
    say(`zap: ${alerts.length} alerts`);
    return zapAlertsToFindings(alerts);
  } finally {
    if (opts.authHeader) await zap.replacer.removeRule({ description: ruleName }).catch(() => undefined);
  }
}
