// Public door of scenarios/: scenario data, the load engine, suites and the k6 exporter.
export { parseScenario } from './schema/scenario.ts';
export type { Scenario, ScenarioInput } from './schema/scenario.ts';
export type { Step, Setup } from './schema/flow.ts';
export { runScenario } from './engine.ts';
export type { ResponseInfo } from './flow/iteration.ts';
export { parseTargetUrl } from './http/reachable.ts';
export { formatSummary } from './summary-text.ts';
export { listSuites, loadSuite, profiles } from './suites.ts';
export type { Suite, Profile } from './suites.ts';
export { scenarioJsonSchema } from './schema/suite.ts';
export { readDataFile } from './data-file.ts';
export { runSuiteDetailed } from './run-suite.ts';
export type { SuiteResult } from './run-suite.ts';
export { exportK6Script } from './k6/export.ts';
export { importK6Results } from './k6/import.ts';
