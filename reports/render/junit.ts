import type { RunRecord } from '../run-record.ts';
import { xmlText } from './escape.ts';
import { outcomeOf } from '../objectives/verdict.ts';

/** Seconds the verdict's scenario or drill ran (the whole run when it is about the whole run). */
function secondsOf(record: RunRecord, scenario: string | undefined): string {
  const drill = scenario?.startsWith('drill:') ? record.drills.find((d) => `drill:${d.name}` === scenario) : undefined;
  if (drill) return ((drill.endedAt - drill.startedAt) / 1000).toFixed(3);
  const summaries = record.summaries.filter((s) => s.scenario === scenario);
  if (summaries.length) return (summaries.reduce((a, s) => a + (s.endedAt - s.startedAt), 0) / 1000).toFixed(3);
  return record.meta.endedAt ? ((record.meta.endedAt - record.meta.startedAt) / 1000).toFixed(3) : '0';
}

/** JUnit XML: one test case per objective verdict, so CI systems list each objective. */
export function renderJunit(record: RunRecord): string {
  // INCONCLUSIVE is its own state: a JUnit <error> (CI shows it red, apart from breaches), never <skipped>.
  const failures = record.verdicts.filter((v) => outcomeOf(v) === 'fail').length;
  const errors = record.verdicts.filter((v) => outcomeOf(v) === 'inconclusive').length;
  const seconds = record.meta.endedAt ? ((record.meta.endedAt - record.meta.startedAt) / 1000).toFixed(3) : '0';
  const cases = record.verdicts.map((v) => {
    const body = [`outcome: ${outcomeOf(v).toUpperCase()}`, `target: ${v.target}`, `measured: ${v.measured}`, `evidence: ${v.evidence}`, ...(v.reason ? [`reason: ${v.reason}`] : []), ...v.notes].join('\n');
    const outcome = outcomeOf(v);
    const inner = outcome === 'pass' ? `<system-out>${xmlText(body)}</system-out>`
      : outcome === 'fail' ? `<failure message="${xmlText(`${v.objective}: ${v.measured} (target ${v.target})`)}" type="${xmlText(v.kind)}">${xmlText(body)}</failure>`
        : `<error message="${xmlText(`INCONCLUSIVE ${v.objective}: ${v.reason ?? v.measured}`)}" type="inconclusive">${xmlText(body)}</error>`;
    return `    <testcase classname="rampart.slo.${xmlText(v.kind)}" name="${xmlText(v.objective)}" time="${secondsOf(record, v.scenario)}">${inner}</testcase>`;
  });
  const notes = record.notes.length ? `\n    <system-out>${xmlText(record.notes.join('\n'))}</system-out>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="rampart" tests="${record.verdicts.length}" failures="${failures}" errors="${errors}" time="${seconds}">
  <testsuite name="rampart SLOs (${xmlText(record.meta.command)})" tests="${record.verdicts.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds}" timestamp="${new Date(record.meta.startedAt).toISOString()}">
${cases.join('\n')}${notes}
  </testsuite>
</testsuites>
`;
}
