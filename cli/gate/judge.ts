import path from 'node:path';
import { renderCoverageText, renderTextTable } from '../../reports/index.ts';
import type { Judgement } from '../../session/index.ts';
import { FlagInvalidError } from '../flags.ts';

export { resolveSpec } from '../../session/index.ts';

/** Prints what the judging found: the coverage, the objective table, the regressions and where the reports are. */
export function printJudgement(j: Judgement & { written: Record<string, string> }, stdout: NodeJS.WritableStream, failOnRegressionPct?: number): void {
  stdout.write(renderCoverageText(j.record.coverage));
  stdout.write(renderTextTable(j.record.verdicts, j.record.verdict));
  for (const r of j.regressed) stdout.write(`regressed vs baseline: ${r.scenario} ${r.tag} p95 ${r.baseline} → ${r.current} ms (+${((r.change ?? 0) * 100).toFixed(1)} %)\n`);
  if (j.regressionFails) {
    stdout.write(`FAIL: ${j.regressed.length + j.regressedObjectives.length} value(s) regressed more than ${failOnRegressionPct} % against the baseline (--fail-on-regression)\n`);
  }
  stdout.write(`reports: ${Object.values(j.written).map((p) => path.relative(process.cwd(), p) || p).join(', ')}\n`);
}

/** --fail-on-regression PCT: a positive percentage. */
export function parseRegressionPct(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(String(v).replace(/%$/, ''));
  if (!Number.isFinite(n) || n <= 0) throw new FlagInvalidError(`--fail-on-regression: "${v}" is not a positive percentage`, { hint: 'e.g. --fail-on-regression 10 (fail when a p95 grew more than 10 %)' });
  return n;
}
