import type { FindingSink } from './findings.ts';
import type { Ledger } from './ledger.ts';
import type { TargetDownError } from './liveness.ts';
import { redactBody } from './redact.ts';

function describeRequest(ex: TargetDownError['recent'][number]): string {
  const url = new URL(ex.request.url);
  const payload = ex.request.body === undefined ? '' : `, payload ${redactBody(ex.request.body)?.slice(0, 200)}`;
  return `${ex.request.method} ${url.pathname}${url.search}${payload} (as ${ex.actor}) → ${ex.response ? ex.response.status : `no answer: ${ex.error ?? 'no response'}`}`;
}

/**
 * The target stopped answering during the scan: one critical finding naming
 * the last requests sent before it died (the last one first suspect), the
 * clean-up skipped (nothing can be removed from a dead target) and what the
 * scan made listed instead.
 */
export function targetDown(
  sink: FindingSink,
  notes: string[],
  err: TargetDownError,
  requests: number,
  ledger: Ledger | null,
): void {
  const last = err.recent.at(-1);
  if (!last) return;
  const url = new URL(last.request.url);
  sink.add({
    ruleId: 'rampart-target-crashed',
    title: 'The target crashed: it stopped answering after a scan request',
    category: 'API4:2023',
    severity: 'critical',
    endpoint: `${last.request.method} ${url.pathname}${url.search}`,
    evidence: last,
    description:
      `The target stopped answering during the scan: ${err.checks.length} baseline request(s) to ${new URL(err.checks[0]?.request.url ?? last.request.url).pathname} got no answer (${err.checks[0]?.error ?? 'no response'}). ` +
      `One request can take the service down for every user (denial of service). The last requests sent before it died, the last first:\n` +
      [...err.recent]
        .reverse()
        .map((ex, i) => `  ${i + 1}. ${describeRequest(ex)}`)
        .join('\n') +
      '\nReplay the first one against a test instance; handle the error it triggers (an unhandled rejection or exception must not end the process), and run the service under a supervisor that restarts it.',
  });
  notes.push(
    `security scan: the target stopped answering after request ${requests - err.checks.length}; the scan stopped there (no findings from a dead target) — last request: ${describeRequest(last)}`,
  );
  const made = ledger ? [...ledger.createdItems, ...ledger.users.map((u) => `account ${JSON.stringify(u.email)}`)] : [];
  notes.push(
    `security scan: clean-up not run (the target is down); the scan made, and may have left: ${made.join('; ') || 'nothing'}`,
  );
}
