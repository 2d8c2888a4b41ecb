// Public door of security/: OWASP API Top 10 probes, negative fuzzing from OpenAPI, ZAP driver.
export { runScan } from './run-scan.ts';
export type { ScanOptions } from './run-scan.ts';
export { parseAuthConfig, loadAuthConfig } from './auth-config.ts';
export { parseSuppressions, failingFindings } from './suppressions.ts';
