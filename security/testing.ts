// Test door of security/ (tests only; production code imports index.ts): the apps the scan is proven
// against, and the mock ZAP API that replays a recorded ZAP exchange.
export { startVulnerableApp } from './test-apps/vulnerable-app.ts';
export { startShopApp, SHOP_ADMIN } from './test-apps/shop-app.ts';
export type { ShopApp } from './test-apps/shop-app.ts';
export { startCatalogApp } from './test-apps/catalog-app.ts';
export type { CatalogApp } from './test-apps/catalog-app.ts';
export { startZapReplay } from './zap/zap-replay.ts';
export type { ZapReplay } from './zap/zap-replay.ts';
