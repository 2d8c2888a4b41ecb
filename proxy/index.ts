// Public door of proxy/: the Toxiproxy-compatible TCP fault proxy, in this process or as its own (main.ts).
export { startProxyProcess } from './process.ts';
export type { StartedProxyProcess } from './process.ts';
export { startProxyServer } from './server.ts';
export { loadProxyConfig } from './config-file.ts';
