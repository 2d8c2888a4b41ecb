// Public door of reports/: what other folders use of the run record, SLO evaluation and renderers.
// Test helpers (synthetic run records) are behind the testing.ts door.
export { severities, appendPart, outcomes } from './run-record.ts';
export type {
  RunRecord,
  Sample,
  EngineSample,
  RunEvent,
  Finding,
  Severity,
  ThresholdResult,
  ScenarioSummary,
  DrillResult,
  RunPart,
  StatusClasses,
  RunRecordPart,
  Outcome,
  DrillObjective,
  Statistics,
} from './run-record.ts';
export {
  judgeWindow,
  judgeDrill,
  emptyWindowStats,
  windowStatsFromSamples,
  LOAD_DID_NOT_START,
} from './objectives/drill-checks.ts';
export type { WindowStats } from './objectives/drill-checks.ts';
export { measurementDoubt, doubted } from './objectives/load.ts';
export { createRunRecord, writeRunRecord, readRunRecord } from './run-record-io.ts';
export {
  createLatencyHistogram,
  recordMs,
  encodeHistogram,
  mergeHistograms,
  summarize,
  percentileMs,
} from './histogram.ts';
export type { LatencyHistogram } from './histogram.ts';
export { sloSpecSchema, specToInput } from './slo-spec.ts';
export type { SloSpec, Objective } from './slo-spec.ts';
export { loadSloSpec, parseSloObject } from './slo-load.ts';
export { evaluate, withVerdicts } from './evaluate.ts';
export { ownSpec } from './own-spec.ts';
export { compareToBaseline, DEFAULT_REGRESSION_MIN_MS } from './baseline.ts';
export {
  CONFIDENCE,
  judgeRatio,
  judgePercentile,
  quantileRanks,
  minSamplesForQuantile,
  requestsNeeded,
} from './statistics.ts';
export { renderTextTable } from './render/text-table.ts';
export { verdictWarnings, renderWarningsText } from './warnings.ts';
export { renderCoverageText } from './render/coverage-rows.ts';
export { coverage } from './coverage.ts';
export { writeReports, parseFormats, reportFormats } from './write-reports.ts';
export type { ReportFormat } from './write-reports.ts';
export { reportFormatDefinitions } from './render/formats.ts';
