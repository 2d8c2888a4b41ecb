// npm run bench:report — rendering a one-hour run (3600 one-second buckets, 2 tags, real histograms).
// Prints the HTML size and render time, and a peer measured in the same process: evaluating the
// same record against the SLO spec (both decode every histogram once or twice).
import { evaluate } from '../reports/index.ts';
import { fixtureRun, fixtureSpec, renderHtml, renderJunit, renderMarkdown } from '../reports/testing.ts';

const t0 = performance.now();
const record = fixtureRun(3600, 20);
const buildMs = performance.now() - t0;
const runs = 5;
const time = (fn: () => unknown) => {
  fn();
  const start = performance.now();
  for (let i = 0; i < runs; i++) fn();
  return (performance.now() - start) / runs;
};
const html = renderHtml(record);
const htmlMs = time(() => renderHtml(record));
const evalMs = time(() => evaluate(record, fixtureSpec));
const otherMs = time(() => {
  renderJunit(record);
  renderMarkdown(record);
});
const json = JSON.stringify(record);
console.log(
  `one-hour record: ${record.samples.length} samples, run.json ${(json.length / 1e6).toFixed(2)} MB (built in ${buildMs.toFixed(0)} ms)`,
);
console.log(
  `renderHtml: ${htmlMs.toFixed(0)} ms, ${(Buffer.byteLength(html) / 1024).toFixed(0)} KB (budget: < 1000 ms, < 5 MB)`,
);
console.log(`peer evaluate(record, spec): ${evalMs.toFixed(0)} ms; junit+md: ${otherMs.toFixed(1)} ms`);
console.log(`ratio renderHtml / evaluate: ${(htmlMs / evalMs).toFixed(2)}`);
