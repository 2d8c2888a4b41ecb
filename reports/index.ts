export {
  RUN_RECORD_FORMAT,
  RUN_RECORD_VERSION,
  runRecordSchema,
  sampleSchema,
  engineSampleSchema,
  eventSchema,
  eventTypes,
  findingSchema,
  thresholdResultSchema,
  scenarioSummarySchema,
  drillResultSchema,
  verdictSchema,
  runPartSchema,
  comparisonSchema,
  severities,
  appendPart,
  outcomes,
  outcomeSchema,
  drillObjectiveSchema,
  statisticsSchema,
  coverageRowSchema,
} from './run-record.ts';
export type {
  RunRecord,
  RunRecordInput,
  Sample,
  EngineSample,
  RunEvent,
  Finding,
  Severity,
  ThresholdResult,
  ScenarioSummary,
  DrillResult,
  Verdict,
  RunPart,
  Comparison,
  StatusClasses,
  RunRecordPart,
  Outcome,
  DrillObjective,
  Statistics,
  CoverageRow,
} from './run-record.ts';
export { CONFIDENCE, judgeRatio, judgePercentile, ratioBounds, requestsNeeded, minSamplesForQuantile } from './statistics.ts';
export { judgeWindow, judgeDrill, emptyWindowStats, addSample, windowStatsFromSamples } from './objectives/drill-checks.ts';
export type { WindowStats, CheckJudgement, DrillJudgement } from './objectives/drill-checks.ts';
export { outcomeOf, overallOutcome } from './objectives/verdict.ts';
export { measurementDoubt, doubted } from './objectives/load.ts';
export type { MeasurementDoubt } from './objectives/load.ts';
export { createRunRecord, writeRunRecord, readRunRecord } from './run-record-io.ts';
export {
  HISTOGRAM_UNIT,
  createLatencyHistogram,
  recordMs,
  encodeHistogram,
  decodeHistogram,
  mergeHistograms,
  summarize,
  percentileMs,
} from './histogram.ts';
export type { LatencyHistogram, LatencySummaryMs } from './histogram.ts';
export { addEncoded, subtractEncoded } from './histogram.ts';
export { sloSpecSchema, objectiveSchema, SLO_SPEC_API_VERSION } from './slo-spec.ts';
export type { SloSpec, SloSpecInput, Objective, ObjectiveKind } from './slo-spec.ts';
export { loadSloSpec, parseSloYaml, parseSloObject, SloFileInvalidError } from './slo-load.ts';
export { evaluate, withVerdicts } from './evaluate.ts';
export { ownSpec } from './own-spec.ts';
export type { Evaluation } from './evaluate.ts';
export { mergeRunRecords } from './merge.ts';
export { compareToBaseline } from './baseline.ts';
export { renderHtml } from './render/html.ts';
export { renderJunit } from './render/junit.ts';
export { renderMarkdown } from './render/markdown.ts';
export { renderJson } from './render/json.ts';
export { renderTextTable } from './render/text-table.ts';
export { renderCoverageText } from './render/coverage-rows.ts';
export { coverage } from './coverage.ts';
export { writeReports, parseFormats, reportFormats } from './write-reports.ts';
export type { ReportFormat } from './write-reports.ts';
export { runRecordJsonSchema } from './json-schema.ts';
// Test support: run records with real histograms, for tests and benchmarks of any part.
export { syntheticRecord, syntheticSamples } from './test-support/synthetic-record.ts';
export type { SyntheticOptions } from './test-support/synthetic-record.ts';
export { fixtureRun, fixtureSpec } from './test-support/fixture-run.ts';
