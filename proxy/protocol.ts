import type { RampartErrorCode } from '../common/index.ts';

/** Messages from the proxy process (proxy/main.ts) to the process that started it, over the IPC channel. */
export type ProxyProcessMessage =
  | { type: 'proxy.ready'; url: string; pid: number; seed: number }
  | { type: 'proxy.fatal'; message: string; code: RampartErrorCode; exitCode: number };
