// Test door of reports/ (tests and benchmarks only; production code imports index.ts):
// run records with real histograms, for tests and benchmarks of any part.
export { syntheticRecord, syntheticSamples } from './testing/synthetic-record.ts';
export type { SyntheticOptions } from './testing/synthetic-record.ts';
export { fixtureRun, fixtureSpec } from './testing/fixture-run.ts';
// The renderers one by one, for the report benchmark (production code writes reports through writeReports).
export { renderHtml } from './render/html.ts';
export { renderJunit } from './render/junit.ts';
export { renderMarkdown } from './render/markdown.ts';
