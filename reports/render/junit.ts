import type { RunRecord, Verdict } from '../run-record.ts';
import { xmlText } from './escape.ts';
import { outcomeOf } from '../objectives/verdict.ts';
import { verdictWarnings } from '../warnings.ts';
import { observedText, rampartText, thresholdKey, thresholdOutcome, thresholdsOf } from './threshold-rows.ts';

/** Seconds the verdict's scenario or drill ran (the whole run when it is about the whole run). */
function secondsOf(record: RunRecord, scenario: string | undefined): string {
  const drill = scenario?.startsWith('drill:') ? record.drills.find((d) => `drill:${d.name}` === scenario) : undefined;
  if (drill) return ((drill.endedAt - drill.startedAt) / 1000).toFixed(3);
  const summaries = record.summaries.filter((s) => s.scenario === scenario);
  if (summaries.length) return (summaries.reduce((a, s) => a + (s.endedAt - s.startedAt), 0) / 1000).toFixed(3);
  return record.meta.endedAt ? ((record.meta.endedAt - record.meta.startedAt) / 1000).toFixed(3) : '0';
}

interface Case {
  classname: string;
  name: string;
  time: string;
  outcome: 'pass' | 'fail' | 'inconclusive';
  message: string;
  type: string;
  body: string;
}

/** A "threshold" verdict opens into one test case per threshold (as k6's JUnit summary lists them); every other verdict is one case. */
function casesOf(record: RunRecord, v: Verdict): Case[] {
  const time = secondsOf(record, v.scenario);
  const covered = thresholdsOf(record, v);
  if (covered.length > 0) {
    return covered.map((t) => {
      const outcome = thresholdOutcome(t);
      const name = `${t.scenario}: ${thresholdKey(t)} ${t.expression}`;
      const rampart = rampartText(t);
      const body = [
        `outcome: ${outcome.toUpperCase()}`,
        `observed: ${observedText(t)}`,
        ...(rampart ? [`rampart: ${rampart}`] : []),
        ...(t.reason ? [`reason: ${t.reason}`] : []),
        `objective: ${v.objective}`,
      ].join('\n');
      return {
        classname: 'rampart.threshold',
        name,
        time,
        outcome,
        message:
          outcome === 'fail'
            ? `${name}: observed ${observedText(t)}`
            : `INCONCLUSIVE ${name}: ${t.reason ?? 'no data'}`,
        type: outcome === 'fail' ? 'threshold' : 'inconclusive',
        body,
      };
    });
  }
  const outcome = outcomeOf(v);
  const body = [
    `outcome: ${outcome.toUpperCase()}`,
    `target: ${v.target}`,
    `measured: ${v.measured}`,
    `evidence: ${v.evidence}`,
    ...(v.reason ? [`reason: ${v.reason}`] : []),
    ...v.notes,
  ].join('\n');
  return [
    {
      classname: `rampart.slo.${v.kind}`,
      name: v.objective,
      time,
      outcome,
      body,
      message:
        outcome === 'fail'
          ? `${v.objective}: ${v.measured} (target ${v.target})`
          : `INCONCLUSIVE ${v.objective}: ${v.reason ?? v.measured}`,
      type: outcome === 'fail' ? v.kind : 'inconclusive',
    },
  ];
}

const pctText = (ch: number | null) => (ch === null ? 'n/a' : `${ch >= 0 ? '+' : ''}${(ch * 100).toFixed(1)} %`);

/**
 * With --fail-on-regression, every value compared with the baseline is a test case, a regression a <failure>:
 * the run's exit 1 then shows in CI as the failed tests that caused it.
 */
function regressionCases(record: RunRecord): Case[] {
  const c = record.comparison;
  if (!c?.fails) return [];
  const rule = `more than ${Number((c.threshold * 100).toFixed(2))} % worse${c.minAbsoluteMs ? ` (a latency also by ≥ ${c.minAbsoluteMs} ms)` : ''}`;
  const items = [
    ...c.rows.map((r) => ({
      name: `${r.scenario} ${r.tag} p95 vs baseline`,
      regressed: r.regressed,
      text: `${r.baseline} → ${r.current} ms (${pctText(r.change)})`,
    })),
    ...record.verdicts
      .filter((v) => v.regression)
      .map((v) => ({
        name: `${v.objective} vs baseline`,
        regressed: v.regression?.regressed === true,
        text: `${v.regression?.baseline} → ${v.value} (${pctText(v.regression?.change ?? null)})`,
      })),
  ];
  return items.map((i) => ({
    classname: 'rampart.regression',
    name: i.name,
    time: '0',
    outcome: i.regressed ? ('fail' as const) : ('pass' as const),
    type: 'regression',
    message: `${i.name}: ${i.text}, ${rule} (--fail-on-regression, baseline ${c.baselineId})`,
    body: [
      `outcome: ${i.regressed ? 'REGRESSED' : 'PASS'}`,
      `value: ${i.text}`,
      `rule: ${rule}`,
      `baseline: ${c.baselineId}`,
    ].join('\n'),
  }));
}

/** JUnit XML: one test case per objective verdict (per threshold for threshold verdicts), so CI systems list each. */
export function renderJunit(record: RunRecord): string {
  // INCONCLUSIVE is its own state: a JUnit <error> (CI shows it red, apart from breaches), never <skipped>.
  const all = [...record.verdicts.flatMap((v) => casesOf(record, v)), ...regressionCases(record)];
  const failures = all.filter((c) => c.outcome === 'fail').length;
  const errors = all.filter((c) => c.outcome === 'inconclusive').length;
  const seconds = record.meta.endedAt ? ((record.meta.endedAt - record.meta.startedAt) / 1000).toFixed(3) : '0';
  const cases = all.map((c) => {
    const inner =
      c.outcome === 'pass'
        ? `<system-out>${xmlText(c.body)}</system-out>`
        : c.outcome === 'fail'
          ? `<failure message="${xmlText(c.message)}" type="${xmlText(c.type)}">${xmlText(c.body)}</failure>`
          : `<error message="${xmlText(c.message)}" type="inconclusive">${xmlText(c.body)}</error>`;
    return `    <testcase classname="${xmlText(c.classname)}" name="${xmlText(c.name)}" time="${c.time}">${inner}</testcase>`;
  });
  // The suite's system-out: the warnings that weaken the verdict first, then the notes.
  const warnings = verdictWarnings(record);
  const out = [
    ...(warnings.length ? ['Warnings (these weaken the verdict):', ...warnings.map((w) => `! ${w}`), ''] : []),
    ...(record.notes.length ? ['Notes:', ...record.notes] : []),
  ];
  const notes = out.length ? `\n    <system-out>${xmlText(out.join('\n'))}</system-out>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="rampart" tests="${all.length}" failures="${failures}" errors="${errors}" time="${seconds}">
  <testsuite name="rampart SLOs (${xmlText(record.meta.command)})" tests="${all.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds}" timestamp="${new Date(record.meta.startedAt).toISOString()}">
${cases.join('\n')}${notes}
  </testsuite>
</testsuites>
`;
}
