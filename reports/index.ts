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
  severities,
  appendPart,
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
  StatusClasses,
  RunRecordPart,
} from './run-record.ts';
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
