import path from 'node:path';
import {
  DEFAULT_REGRESSION_MIN_MS,
  renderCoverageText,
  renderTextTable,
  renderWarningsText,
  verdictWarnings,
} from '../../reports/index.ts';
import type { Judgement } from '../../session/index.ts';
import { FlagInvalidError } from '../flags.ts';

export { resolveSpec } from '../../session/index.ts';

/** Prints what the judging found: the coverage, the objective table, the regressions and where the reports are. */
export function printJudgement(
  j: Judgement & { written: Record<string, string> },
  stdout: NodeJS.WritableStream,
  failOnRegression?: Regression,
): void {
  stdout.write(renderCoverageText(j.record.coverage));
  stdout.write(renderTextTable(j.record.verdicts, j.record.verdict));
  stdout.write(renderWarningsText(verdictWarnings(j.record)));
  for (const r of j.regressed)
    stdout.write(
      `regressed vs baseline: ${r.scenario} ${r.tag} p95 ${r.baseline} → ${r.current} ms (+${((r.change ?? 0) * 100).toFixed(1)} %)\n`,
    );
  if (j.regressionFails) {
    stdout.write(
      `FAIL: ${j.regressed.length + j.regressedObjectives.length} value(s) regressed more than ${failOnRegression?.pct} %${failOnRegression?.minMs ? ` (and ≥ ${failOnRegression.minMs} ms for a latency)` : ''} against the baseline (--fail-on-regression)\n`,
    );
  }
  stdout.write(
    `reports: ${Object.values(j.written)
      .map((p) => path.relative(process.cwd(), p) || p)
      .join(', ')}\n`,
  );
}

/** --fail-on-regression: how much a value must move the bad way to fail the run. */
export interface Regression {
  /** More than this many %. */
  pct: number;
  /** And, for a latency, by at least this many ms. */
  minMs: number;
}

/** --fail-on-regression PCT[%][,Nms]: a positive percentage and an optional minimum absolute change of a latency. */
export function parseRegression(v: string | undefined): Regression | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*(?:,\s*(\d+(?:\.\d+)?)\s*ms\s*)?$/.exec(String(v));
  const pct = m ? Number(m[1]) : NaN;
  if (!m || !(pct > 0)) {
    throw new FlagInvalidError(
      `--fail-on-regression: "${v}" is not a positive percentage with an optional minimum change in ms`,
      {
        hint: `e.g. --fail-on-regression 10%,5ms (fail when a value got more than 10 % worse, a latency by at least 5 ms; ${DEFAULT_REGRESSION_MIN_MS} ms when not given)`,
      },
    );
  }
  return { pct, minMs: m[2] === undefined ? DEFAULT_REGRESSION_MIN_MS : Number(m[2]) };
}
