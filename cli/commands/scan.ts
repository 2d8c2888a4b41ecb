import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';

import { InterruptedError, type Profile } from '../../common/index.ts';
import { ownSpec, severities } from '../../reports/index.ts';
import type { Finding, Severity } from '../../reports/index.ts';
import type { CliContext } from '../context.ts';
import { exitCodeFor } from '../exit-codes.ts';
import {
  FlagInvalidError,
  flagError,
  outFlag,
  profileFlag,
  stackLogFlag,
  stackLogging,
  targetFlag,
  urlFlag,
} from '../flags.ts';

/** The scan's input files are read inside the scan, which knows nothing of flags: their errors name the flag here. */
const flagOfCode: Array<[RegExp, string]> = [
  [/^RAMPART_OPENAPI_/, '--openapi'],
  [/^RAMPART_HAR_/, '--har'],
  [/^RAMPART_SUPPRESSIONS_/, '--suppressions'],
];
function withFlag(err: unknown): unknown {
  const code = (err as { code?: unknown })?.code;
  const flag = typeof code === 'string' ? flagOfCode.find(([re]) => re.test(code))?.[1] : undefined;
  return flag ? flagError(flag, err) : err;
}

interface ScanFlags {
  target?: URL;
  zap?: string;
  zapTarget?: string;
  out: string;
  tls?: boolean;
  seed?: string;
  suppressions?: string;
  authConfig?: string;
  profile: Profile;
  failOn: string;
  openapi?: string;
  har?: string;
  readOnly?: boolean;
  allowDestructive?: boolean;
  verbose?: boolean;
}

function parseFlags(opts: ScanFlags): { seed: number | undefined; failOn: Severity; zapTarget: string | undefined } {
  let seed: number | undefined;
  if (opts.seed !== undefined) {
    if (!/^\d+$/.test(opts.seed) || Number(opts.seed) > 2 ** 31 - 1)
      throw new FlagInvalidError(`--seed must be a whole number from 0 to ${2 ** 31 - 1}, got "${opts.seed}"`, {
        hint: 'e.g. --seed 42',
      });
    seed = Number(opts.seed);
  }
  if (!(severities as readonly string[]).includes(opts.failOn))
    throw new FlagInvalidError(`--fail-on must be one of ${severities.join(', ')}, got "${opts.failOn}"`);
  const zapTarget = urlFlag('--zap-target', opts.zapTarget, ['http:', 'https:'], 'http://nginx:8080');
  return { seed, failOn: opts.failOn as Severity, zapTarget };
}

function line(f: Finding): string {
  const mark = f.suppressed ? ` [${f.suppressed.action}: ${f.suppressed.reason}]` : '';
  return `  ${f.severity.toUpperCase().padEnd(8)} ${f.category.padEnd(10)} ${f.ruleId.padEnd(40)} ${f.endpoint}${mark}`;
}

/** `rampart scan`: OWASP API Top 10 probes, negative fuzzing and (optionally) ZAP against a target. */
export function registerScan(program: Command, ctx: CliContext): void {
  program
    .command('scan')
    .description(
      'Security scan: authenticated OWASP API Top 10 probes, negative fuzzing from the OpenAPI document, and ZAP when a daemon is given',
    )
    .addOption(targetFlag())
    .option(
      '--tls',
      'with the managed stack: serve the target over HTTPS (self-signed) so TLS versions and HSTS are checked',
    )
    .option('--zap <url>', 'ZAP daemon to drive as well (default: $ZAP_URL; key from $ZAP_API_KEY)')
    .option(
      '--zap-target <url>',
      'the target as ZAP reaches it, when that differs (ZAP in docker compose: http://nginx:8080)',
    )
    .addOption(outFlag('reports/out/scan'))
    .option('--seed <n>', 'fuzzing seed, to reproduce a run (printed in every run)')
    .option(
      '--suppressions <file>',
      'accepted findings: ZAP-style rules file (id<TAB>IGNORE|WARN|FAIL<TAB>(reason)) or YAML rules',
    )
    .option(
      '--auth-config <file>',
      'how to register/log in users on an API other than SocialConnect (YAML/JSON, see docs/security.md)',
    )
    .option(
      '--openapi <file|url>',
      "the API's OpenAPI document (JSON or YAML; 3.0, 3.1 or Swagger 2.0); default: the one the target serves at openapiPath",
    )
    .option(
      '--har <file>',
      'no document: discover the API from recorded traffic (a HAR file from the browser or a proxy)',
    )
    .option(
      '--read-only',
      'only safe probes: GET/HEAD/OPTIONS beyond the login steps; nothing created, changed or deleted',
    )
    .option(
      '--allow-destructive',
      'also send DELETE/PUT/PATCH to objects the scan did not create (each read first, restored and read back); default: only to its own',
    )
    .addOption(profileFlag())
    .addOption(stackLogFlag())
    .option('--fail-on <severity>', 'lowest unsuppressed severity that fails the scan (exit 1)', 'medium')
    .addHelpText(
      'after',
      `
Examples:
  $ rampart scan                                   # starts the managed stack, scans it, writes reports/out/scan/run.json
  $ rampart scan --tls                             # same, target over HTTPS: TLS < 1.2 must be refused, HSTS present
  $ rampart scan --target http://127.0.0.1:3000 --seed 42 --suppressions security/target-known-issues.yaml
  $ rampart scan --target https://api.example.test --auth-config my-api-auth.yaml --profile full
  $ rampart scan --target http://127.0.0.1:3000 --openapi api.yaml --auth-config shop-auth.yaml
  $ rampart scan --target http://127.0.0.1:3000 --har recorded.har --auth-config shop-auth.yaml --read-only
  $ docker compose up -d && rampart scan --target http://127.0.0.1:8080 --zap http://127.0.0.1:8090 --zap-target http://nginx:8080
Exit codes: 0 no failing finding, 1 a finding at or above --fail-on (unsuppressed), 2 bad input, 3 environment
(target unreachable, or it stopped answering during the scan: one critical rampart-target-crashed finding in the report).
`,
    )
    .action(async (opts: ScanFlags) => {
      const { profile } = opts;
      const { seed, failOn, zapTarget } = parseFlags(opts);
      // Loaded when a scan runs, not for every start of the CLI (fast-check and the probes are heavy).
      const { failingFindings, loadAuthConfig } = await import('../../security/index.ts');
      const authConfig = opts.authConfig
        ? await loadAuthConfig(opts.authConfig).catch((err: unknown) => {
            throw flagError('--auth-config', err);
          })
        : undefined;
      const zapUrl = urlFlag('--zap', opts.zap, ['http:', 'https:'], 'http://127.0.0.1:8090') ?? ctx.env.zapUrl;
      if (opts.openapi && opts.har)
        throw new FlagInvalidError(
          '--openapi and --har are alternatives: give the document, or the recording to discover it from',
        );
      if (opts.readOnly && opts.allowDestructive)
        throw new FlagInvalidError('--read-only and --allow-destructive contradict each other: give one');
      if (opts.tls && opts.target)
        throw new FlagInvalidError('--tls only applies to the managed stack; give an https:// --target instead');
      const started = Date.now();
      await mkdir(opts.out, { recursive: true });
      const { runSession } = await import('../../session/index.ts');
      const { stackLog, ...logFile } = stackLogging(opts, opts.out, ctx);
      const { record, errors, written } = await runSession(
        {
          command: 'scan',
          profile,
          target: opts.target ?? null,
          suites: [],
          drills: [],
          scan: {
            ...(opts.openapi ? { openapi: opts.openapi } : {}),
            ...(opts.har ? { har: opts.har } : {}),
            readOnly: opts.readOnly === true,
            allowDestructive: opts.allowDestructive === true,
            documentOut: path.join(opts.out, 'openapi.discovered.json'),
            ...(seed !== undefined ? { seed } : {}),
            ...(authConfig ? { authConfig } : {}),
            ...(opts.suppressions ? { suppressionsFile: opts.suppressions } : {}),
            ...(zapUrl ? { zapUrl } : {}),
            ...(zapTarget ? { zapTarget } : {}),
            ...(ctx.env.zapApiKey ? { zapApiKey: ctx.env.zapApiKey } : {}),
          },
          stack: { ...(opts.tls ? { tls: true } : {}), ...logFile },
        },
        {
          env: ctx.env,
          signal: ctx.signal,
          progress: ctx.stderr,
          log: (l) => ctx.stderr.write(`rampart scan: ${l}\n`),
          partLog: (l) => ctx.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${l}\n`),
          stackLog,
        },
        // The record carries the objective it was judged by (no finding at or above --fail-on), so `rampart report` re-judges the same way.
        { outDir: opts.out, spec: (r) => ownSpec(r, { failOn }), formats: [] },
      );
      if (ctx.signal.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new InterruptedError();
      if (errors.length > 0) throw withFlag(errors[0]);
      const findings = record.findings;
      const failing = failingFindings(findings, failOn);
      const order = (f: Finding) => -severities.indexOf(f.severity);
      ctx.stdout.write(
        `rampart scan: ${findings.length} findings (${failing.length} failing at --fail-on ${failOn}) against ${record.meta.target}\n`,
      );
      for (const f of [...findings].sort((x, y) => order(x) - order(y))) ctx.stdout.write(`${line(f)}\n`);
      for (const n of record.notes) ctx.stdout.write(`  note: ${n}\n`);
      ctx.stdout.write(`run record: ${written.record}\n`);
      // The target stopped answering mid-scan: an environment outcome (3), with its finding in the report.
      const crashed = findings.find((f) => f.ruleId === 'rampart-target-crashed');
      if (crashed)
        ctx.stderr.write(
          `rampart scan: the target stopped answering after ${crashed.endpoint}; the scan stopped there (exit 3)\n`,
        );
      ctx.exitCode = exitCodeFor({
        verdict: failing.length > 0 ? 'fail' : 'pass',
        environmentFailed: crashed !== undefined,
      });
    });
}
