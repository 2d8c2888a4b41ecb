// Public door of security/: OWASP API Top 10 probes, negative fuzzing from OpenAPI, ZAP driver.
export { runScan } from './run-scan.ts';
export type { ScanOptions } from './run-scan.ts';
export type { ScanProfile } from './scan-context.ts';
export { parseAuthConfig, loadAuthConfig, authConfigSchema } from './auth-config.ts';
export type { AuthConfig } from './auth-config.ts';
export { parseSuppressions, loadSuppressions, applySuppressions, failingFindings } from './suppressions.ts';
export type { SuppressionRule } from './suppressions.ts';
export { zapAlertsToFindings } from './zap/zap-alerts.ts';
export type { ZapAlert } from './zap/zap-alerts.ts';
export { startZapReplay } from './zap/zap-replay.ts';
export type { ZapReplay } from './zap/zap-replay.ts';
export { startVulnerableApp } from './test-apps/vulnerable-app.ts';
export { startShopApp, SHOP_ADMIN } from './test-apps/shop-app.ts';
export type { ShopApp } from './test-apps/shop-app.ts';
