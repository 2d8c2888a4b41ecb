import type { RunRecord } from './run-record.ts';

/**
 * What weakens a verdict, said under it rather than only in the Notes at the bottom: an INVALID
 * measurement, requests that were never sent, probes or cases not evaluated (rate-limited with 429,
 * skipped), what a scan left on the target, a failed teardown, parts that did not run. Each line says
 * what happened; the Notes keep the detail. A PASS with warnings is still a PASS — read them before trusting it.
 */
export function verdictWarnings(record: Pick<RunRecord, 'summaries' | 'notes' | 'parts'>): string[] {
  const out: string[] = [];
  for (const s of record.summaries) {
    if (!s.valid) out.push(`INVALID measurement of ${s.scenario}: ${s.invalidReasons.join('; ') || 'see the notes'}`);
    const unsent = s.codes?.template ?? 0;
    if (unsent > 0)
      out.push(
        `${s.scenario}: ${unsent} request(s) never sent (a template value was missing at run time): not in the latency nor the rate`,
      );
  }
  for (const p of record.parts)
    if (p.status !== 'ran') out.push(`${p.kind} ${p.name} ${p.status}${p.note ? `: ${p.note}` : ''}`);
  for (const n of record.notes) {
    const w = weakening(n);
    if (w) out.push(w);
  }
  return [...new Set(out)];
}

const MAX = 240;
const short = (s: string) => (s.length > MAX ? `${s.slice(0, MAX - 1)}… (the notes have it all)` : s);

/** The note, shortened, when it weakens a verdict; null for notes that only inform. */
function weakening(note: string): string | null {
  // Summaries of the load already carry their INVALID line and unsent requests (above).
  if (/run INVALID as a measurement|request not sent \d+x/.test(note)) return null;
  if (/teardown failed/i.test(note)) return short(note);
  if (/left on the target \((\d+)/.test(note) || /clean-up not run/.test(note)) return short(note);
  if (/\b429\b/.test(note) && /not evaluated|not all|were not|skipped|not tried/i.test(note)) return short(note);
  if (/security scan: /.test(note) && /\b(skipped|were not run|not tested|not evaluated)\b/i.test(note))
    return short(note);
  // A drill load's INVALID measurement is its summary's (drill:<name>, above); a fault that could not be injected is not.
  if (/INCONCLUSIVE: no fault/.test(note)) return short(note);
  return null;
}

/** The terminal's Warnings block (empty when there is none). */
export function renderWarningsText(warnings: readonly string[]): string {
  if (warnings.length === 0) return '';
  return `\nwarnings (these weaken the verdict above; details in the notes):\n${warnings.map((w) => `  ! ${w}`).join('\n')}\n`;
}
