import { randomInt } from 'node:crypto';
import { isLoopbackHost, type Profile } from '../common/index.ts';
import type { RunEvent, RunRecordPart } from '../reports/index.ts';
import type { AuthConfig } from './auth-config.ts';
import { parseAuthConfig } from './auth-config.ts';
import { loginExisting } from './auth.ts';
import { establishAccounts, lacking } from './accounts.ts';
import type { AccountNeed, ScanAccounts } from './accounts.ts';
import type { ScanUser } from './auth.ts';
import { FindingSink } from './findings.ts';
import { ScanHttpClient } from './http.ts';
import { detectCatchAll } from './catch-all.ts';
import { loadApiSource } from './inputs/api-source.ts';
import type { ApiSource } from './inputs/api-source.ts';
import { answersLikePrefixCatchAll } from './inputs/page-discovery.ts';
import { Ledger } from './ledger.ts';
import { redactText } from './redact.ts';
import { TargetDownError } from './liveness.ts';
import { targetDown } from './target-down.ts';
import { cleanUp } from './clean-up.ts';
import { scanSteps } from './probes/registry.ts';
import { writeFile } from 'node:fs/promises';
import type { ScanContext } from './scan-context.ts';
import type { SuppressionRule } from './suppressions.ts';
import { applySuppressions, loadSuppressions } from './suppressions.ts';
import { runZapScan } from './zap/zap-driver.ts';

export interface ScanOptions {
  /** The target, parsed where it entered (--target, the managed stack). */
  target: URL;
  zapUrl?: string;
  zapApiKey?: string;
  /** The target's URL as ZAP reaches it (e.g. http://nginx:8080 inside docker compose); default `target`. */
  zapTarget?: string;
  authConfig?: AuthConfig;
  suppressionsFile?: string;
  suppressions?: SuppressionRule[];
  /** fast-check seed; random (and reported) when absent. */
  seed?: number;
  profile: Profile;
  signal: AbortSignal;
  progress?: (line: string) => void;
  /** Accept a self-signed certificate (default: on for loopback targets). */
  insecureTls?: boolean;
  /** ZAP status poll interval (ms). */
  zapPollMs?: number;
  /** --openapi FILE|URL (JSON or YAML; OpenAPI 3.0/3.1 or Swagger 2.0). */
  openapi?: string;
  /** --har FILE: discover the API from recorded traffic. */
  har?: string;
  /** Only safe probes: nothing but GET/HEAD/OPTIONS beyond the auth steps. */
  readOnly?: boolean;
  /** Send DELETE/PUT/PATCH to objects the scan did not create too (each read first, restored and read back). */
  allowDestructive?: boolean;
  /** Where to write the working document when it was discovered (shown in the report's notes). */
  documentOut?: string;
}

type Step = [name: string, need: AccountNeed, run: () => Promise<void> | void];

/**
 * Runs the built-in probes (OWASP API Top 10), negative fuzzing and, when a
 * ZAP URL is given, a ZAP scan; returns findings (suppressions applied) and notes.
 */
export async function runScan(options: ScanOptions): Promise<RunRecordPart> {
  const base = options.target;
  const auth = options.authConfig ?? parseAuthConfig({});
  const rules =
    options.suppressions ?? (options.suppressionsFile ? await loadSuppressions(options.suppressionsFile) : []);
  const seed = options.seed ?? randomInt(0, 2 ** 31 - 1);
  const progress = options.progress ?? (() => {});
  const events: RunEvent[] = [];
  const notes: string[] = [
    `security scan: profile ${options.profile}, seed ${seed} (rerun with --seed ${seed} to reproduce the fuzz cases)`,
  ];
  const client = new ScanHttpClient(base.toString(), {
    signal: options.signal,
    insecureTls: options.insecureTls ?? isLoopbackHost(base.hostname),
  });
  const sink = new FindingSink();
  let ledgerOf: Ledger | null = null;
  let adminOf: ScanUser | null = null;
  let accountsOf: ScanAccounts | null = null;
  const startedAt = Date.now();
  events.push({ ts: startedAt, type: 'phase.started', label: 'security scan', id: 'security-scan' });
  try {
    const catchAll = await detectCatchAll(client);
    progress(`scan: reading the API's document${catchAll ? ' (made-up paths get a catch-all page)' : ''}`);
    const source = await loadApiSource(
      client,
      {
        ...(options.openapi ? { openapi: options.openapi } : {}),
        ...(options.har ? { har: options.har } : {}),
        servedPath: auth.openapiPath,
      },
      catchAll,
      progress,
    );
    const api = source.model;
    notes.push(`security scan: ${source.note}`);
    ignoreNoRoute(sink, source);
    if (source.discovered) {
      const ops = api.operations.map((o) => o.key).join(', ');
      if (options.documentOut) await writeFile(options.documentOut, `${JSON.stringify(api.doc, null, 2)}\n`);
      notes.push(
        `security scan: working document${options.documentOut ? ` written to ${options.documentOut}` : ''}: ${ops || 'no operations'}`,
      );
    }
    const readOnly = options.readOnly === true;
    progress(`scan: ${api.operations.length} operations; creating scan users`);
    const poolSize = options.profile === 'quick' ? 5 : 8;
    const ledger = new Ledger(options.allowDestructive === true);
    ledgerOf = ledger;
    const accounts = await establishAccounts(client, auth, poolSize, ledger);
    accountsOf = accounts;
    const { a, b, pool } = accounts;
    const admin = auth.admin ? await loginExisting(client, auth, 'admin', auth.admin.email, auth.admin.password) : null;
    adminOf = admin;
    const ctx: ScanContext = {
      client,
      api,
      auth,
      profile: options.profile,
      seed,
      sink,
      a,
      b,
      pool,
      objects: new Map(),
      notes,
      progress,
      signal: options.signal,
      catchAll,
      readOnly,
      admin,
      discovered: source.discovered,
      ledger,
      accounts: accounts.mode,
    };
    const all: Step[] = [
      ...scanSteps.map((step): Step => [step.name, step.need, () => step.run(ctx, accounts)]),
      ['clean-up', 'none', () => cleanUp(ctx, ledger)],
    ];
    const steps = all.filter(([, need]) => lacking(accounts, need, auth) === null);
    notes.push(accountsNote(accounts, all, auth, api.operations));
    if (readOnly)
      notes.push(
        'security scan: --read-only: only GET/HEAD/OPTIONS probes (plus the auth steps); BOLA/BFLA writes, mass assignment, injection in bodies, stored XSS, body size and brute force were not run',
      );
    for (const [name, , run] of steps) {
      options.signal.throwIfAborted();
      const t0 = Date.now();
      progress(`scan: ${name}…`);
      try {
        await run();
      } catch (err) {
        if (options.signal.aborted || err instanceof TargetDownError) throw err;
        notes.push(`security scan: step "${name}" failed and was skipped: ${(err as Error).message.split('\n')[0]}`);
      }
      events.push({
        ts: t0,
        type: 'probe',
        label: `scan: ${name}`,
        detail: { ms: Date.now() - t0, findings: sink.list().length },
      });
    }
    notes.push(harmNote(ledger));
    if (sink.ignored > 0)
      notes.push(
        `security scan: ${sink.ignored} finding(s) on writes discovery kept unverified were not kept: the answer was the prefix's catch-all for made-up paths (no such route)`,
      );
    if (options.zapUrl) {
      progress(`scan: ZAP at ${options.zapUrl}`);
      const zapFindings = await runZapScan({
        zapUrl: options.zapUrl,
        ...(options.zapApiKey ? { apiKey: options.zapApiKey } : {}),
        target: options.zapTarget ?? base.origin,
        openapiPath: auth.openapiPath,
        authHeader: {
          name: auth.sendToken[0]?.in === 'header' ? auth.sendToken[0].name : 'cookie',
          value:
            auth.sendToken[0]?.in === 'header'
              ? `${auth.sendToken[0].prefix}${a.token}`
              : Object.entries(a.cookies)
                  .map(([k, v]) => `${k}=${v}`)
                  .join('; '),
        },
        profile: options.profile,
        signal: options.signal,
        progress,
        ...(options.zapPollMs ? { pollMs: options.zapPollMs } : {}),
      });
      for (const f of zapFindings) sink.add({ ...f, evidence: null });
      const added = new Map(zapFindings.map((f) => [f.id, f]));
      notes.push(`security scan: ZAP reported ${zapFindings.length} alert groups`);
      return finish(sink.list().map((f) => added.get(f.id) ?? f));
    }
    notes.push('security scan: ZAP not run (no --zap URL / ZAP_URL); built-in probes only');
    return finish(sink.list());
  } catch (err) {
    if (err instanceof TargetDownError) {
      targetDown(sink, notes, err, client.requests, ledgerOf);
      return finish(sink.list());
    }
    if (!options.signal.aborted) throw err;
    notes.push('security scan: interrupted; findings so far are kept');
    return finish(sink.list());
  } finally {
    await client.close();
  }

  function finish(findings: RunRecordPart['findings'] & object): RunRecordPart {
    const ended = Date.now();
    events.push({
      ts: ended,
      type: 'phase.ended',
      label: 'security scan',
      id: 'security-scan',
      detail: { ms: ended - startedAt, requests: client.requests },
    });
    notes.push(`security scan: ${client.requests} requests in ${((ended - startedAt) / 1000).toFixed(1)} s`);
    // Secrets never leave the scan: every note and finding is scrubbed of the tokens, cookies and passwords it used.
    const held = accountsOf
      ? [accountsOf.a, accountsOf.b, ...accountsOf.pool, ...(accountsOf.logoutUser ? [accountsOf.logoutUser] : [])]
      : [];
    const supplied = auth.users.flatMap((u) => [
      u.password ?? '',
      u.token ?? '',
      ...Object.values(u.headers ?? {}),
      ...Object.values(u.cookies ?? {}),
    ]);
    const secrets = [
      auth.password,
      auth.admin?.password ?? '',
      ...supplied,
      ...(ledgerOf?.users ?? []).flatMap(secretsOf),
      ...held.flatMap(secretsOf),
      ...(adminOf ? secretsOf(adminOf) : []),
    ].filter((v) => v.length >= 4);
    return {
      findings: applySuppressions(findings, rules).map(
        (f) =>
          JSON.parse(
            redactText(
              JSON.stringify(f),
              secrets.map((v) => JSON.stringify(v).slice(1, -1)),
              { pairs: false },
            ),
          ) as typeof f,
      ),
      notes: notes.map((n) => redactText(n, secrets)),
      events,
    };
  }
}

/** A finding on a write discovery kept unverified, whose answer is its prefix's catch-all, is about no route at all. */
function ignoreNoRoute(sink: FindingSink, source: ApiSource): void {
  if (source.unverified.length === 0 || source.prefixCatchAlls.length === 0) return;
  const keys = source.unverified;
  sink.ignoreNoRoute(
    (f) =>
      keys.some((k) => f.endpoint === k || f.endpoint.startsWith(`${k} `)) &&
      !!f.evidence &&
      answersLikePrefixCatchAll(source.prefixCatchAlls, f.evidence),
  );
}

/** What the do-no-harm guard kept back (or, with --allow-destructive, that it sent them). */
function harmNote(ledger: Ledger): string {
  if (ledger.allowDestructive)
    return `security scan: --allow-destructive: ${ledger.preImages.size} object(s) the scan did not create were written to; each was read first and is listed above as restored or left`;
  const kept = [...ledger.refused].map(([k, n]) => `${k} (${n})`);
  return kept.length === 0
    ? 'security scan: do no harm: no DELETE/PUT/PATCH reached an object the scan did not create'
    : `security scan: do no harm: ${[...ledger.refused.values()].reduce((a, b) => a + b, 0)} DELETE/PUT/PATCH request(s) to objects the scan did not create were not sent: ${kept.join(', ')}; --allow-destructive sends them (each object read first, restored and read back)`;
}

function secretsOf(u: ScanUser): string[] {
  return [u.token, u.refreshToken ?? '', u.password, ...Object.values(u.cookies), ...Object.values(u.headers ?? {})];
}

/** What the accounts the scan held let it test, and what not (and why): one note, so a reader knows what a clean result covers. */
function accountsNote(
  accounts: ScanAccounts,
  steps: Step[],
  auth: AuthConfig,
  ops: readonly { secured: boolean }[],
): string {
  const skipped = steps.flatMap(([name, need]) => {
    const why = lacking(accounts, need, auth);
    return why === null ? [] : [`${name} (${why})`];
  });
  const ran = steps
    .filter(([name, need]) => name !== 'clean-up' && lacking(accounts, need, auth) === null)
    .map(([name]) => name);
  const who =
    accounts.mode === 'anonymous'
      ? `no accounts, scanned anonymously (${accounts.why}); operations are reached only as an anonymous caller (injection skips the ${ops.filter((o) => o.secured).length} of ${ops.length} marked secured)`
      : accounts.mode === 'supplied'
        ? `accounts supplied: ${accounts.why}`
        : `accounts ${accounts.why}`;
  return `security scan: ${who}; tested: ${ran.join(', ')}${skipped.length ? `; not tested: ${skipped.join(', ')}${accounts.mode === 'registered' ? '' : ' — give users (two accounts, or two sessions) in --auth-config for these'}` : ''}`;
}
