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
export { listSuites, loadSuite, suitesDir, profiles, SuiteNotFoundError } from './suites.ts';
export type { Suite, Profile } from './suites.ts';
export { runSuite, runSuiteDetailed } from './run-suite.ts';
export type { RunSuiteOptions, SuiteResult } from './run-suite.ts';
export { exportK6Script, extractOptions } from './k6/export.ts';
export { k6Options, execName } from './k6/options.ts';
export { importK6Results, K6ResultsInvalidError } from './k6/import.ts';
export type { K6ImportOptions, K6ImportResult, K6Runner } from './k6/import.ts';
// Small real HTTP servers for tests and benchmarks (trivial, fixed delay, stalling), in-process or in a child process.
export { startLocalServer } from './testing/local-servers.ts';
export type { LocalServer, Behaviour } from './testing/local-servers.ts';
export { spawnLocalServer } from './testing/spawn-server.ts';
export type { SpawnedServer } from './testing/spawn-server.ts';
