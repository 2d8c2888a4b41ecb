// Public door of scenarios/: scenario data, the load engine, suites and the k6 exporter.
export { parseScenario, scenarioSchema, ScenarioInvalidError } from './schema/scenario.ts';
export type { Scenario, ScenarioInput } from './schema/scenario.ts';
export { executorNames } from './schema/executors.ts';
export type { ExecutorConfig, ExecutorName, Stage } from './schema/executors.ts';
export type { Flow, Step, Check, Capture, ThinkTime, Setup } from './schema/flow.ts';
export { runScenario } from './engine.ts';
export type { RunScenarioOptions, ScenarioResult } from './engine.ts';
export type { ResponseInfo, OnResponse } from './flow/iteration.ts';
export type { ProgressStream } from './progress.ts';
export { parseThresholds, parseThresholdKey, parseThresholdExpression, ThresholdSyntaxError } from './thresholds/parse.ts';
export type { ParsedThreshold } from './thresholds/parse.ts';
export { assertReachable, parseTargetUrl } from './http/reachable.ts';
export { formatSummary } from './summary-text.ts';
