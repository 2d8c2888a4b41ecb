// Public door of chaos/: the Toxiproxy-compatible fault proxy, and the drills.
export { startProxyProcess } from './proxy/process.ts';
export type { ProxyProcessOptions, StartedProxyProcess } from './proxy/process.ts';
export { startProxyServer } from './proxy/server.ts';
export type { ProxyServerOptions, StartedProxyServer } from './proxy/server.ts';
export { loadProxyConfig } from './proxy/config-file.ts';
export { PROXY_VERSION } from './proxy/api.ts';
export type { ProxyProcessMessage } from './proxy/protocol.ts';
export { runDrill, listDrills, UnknownDrillError } from './drills/runner.ts';
export { drills } from './drills/catalog.ts';
export type { DrillDefinition, DrillStack, RunDrillOptions, Profile as DrillProfile, Objective, FaultAction, TimedAction } from './drills/types.ts';
