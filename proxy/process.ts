import { spawn } from 'node:child_process';
import { EnvironmentError, PortInUseError, errorCodes, errorForCode, nodeEntry } from '../common/index.ts';
import type { ProxyProcessMessage } from './protocol.ts';

export interface ProxyProcessOptions {
  host?: string;
  /** API port; default 0 (a free port), unlike the CLI's 8474, so parallel stacks never collide. */
  port?: number;
  seed?: number;
  /** A proxies.json file to load at start. */
  config?: string;
  /** 400 for input Toxiproxy accepts but rampart finds suspect, instead of a warning on stderr. */
  strict?: boolean;
  log?: (line: string) => void;
  startTimeoutMs?: number;
}

export interface StartedProxyProcess {
  /** Toxiproxy API URL, e.g. http://127.0.0.1:41234 */
  url: string;
  pid: number;
  seed: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL; resolves when the process is gone. */
  kill(): Promise<void>;
  /** Called once when the process exits, asked to or not (code, signal), e.g. to report a crash. */
  onExit(cb: (info: { pid: number; code: number | null; signal: NodeJS.Signals | null }) => void): void;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Spawns the fault proxy as its own process (proxy/main.ts) and waits until its API answers. */
export async function startProxyProcess(options: ProxyProcessOptions = {}): Promise<StartedProxyProcess> {
  const entry = nodeEntry('proxy/main.ts');
  const args = [
    ...entry.execArgv,
    entry.file,
    '--host',
    options.host ?? '127.0.0.1',
    '--port',
    String(options.port ?? 0),
  ];
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  if (options.config) args.push('--config', options.config);
  if (options.strict) args.push('--strict');
  // Its own process group: a terminal Ctrl-C must not stop the proxy before the target behind it has
  // drained. It cannot be orphaned: it exits when the IPC channel to its parent closes.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
  const log = options.log ?? (() => {});
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) =>
    d
      .split('\n')
      .filter(Boolean)
      .forEach((l) => log(`[proxy] ${l}`)),
  );
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
    d.split('\n')
      .filter(Boolean)
      .forEach((l) => log(`[proxy] ${l}`));
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

  const ready = await new Promise<Extract<ProxyProcessMessage, { type: 'proxy.ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new EnvironmentError(
          'RAMPART_PROXY_START_TIMEOUT',
          `the fault proxy did not start within ${options.startTimeoutMs ?? 20_000} ms`,
          {
            hint: stderr ? `its output: ${stderr.trim()}` : 'check that node and tsx work in this checkout',
          },
        ),
      );
    }, options.startTimeoutMs ?? 20_000);
    child.on('message', (msg: ProxyProcessMessage) => {
      if (msg.type === 'proxy.ready') {
        clearTimeout(timer);
        resolve(msg);
      } else if (msg.type === 'proxy.fatal') {
        clearTimeout(timer);
        if (msg.code === 'RAMPART_PORT_IN_USE')
          reject(new PortInUseError(options.host ?? '127.0.0.1', options.port ?? 0));
        else if (msg.exitCode === 2 || errorCodes[msg.code] === 'input') reject(errorForCode(msg.code, msg.message));
        else reject(errorForCode(msg.code, `the fault proxy failed to start: ${msg.message}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new EnvironmentError(
          'RAMPART_SERVER_EXITED',
          `the fault proxy exited before it was ready (code ${code}, signal ${signal})`,
          {
            hint: stderr ? `its output: ${stderr.trim()}` : undefined,
          },
        ),
      );
    });
  });
  child.removeAllListeners('message');

  const signalAndWait = async (signal: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    if (child.connected) child.disconnect();
  };
  const stop = () => signalAndWait('SIGTERM', 5000);
  const pid = child.pid!;
  return {
    onExit(cb) {
      if (child.exitCode !== null || child.signalCode !== null)
        cb({ pid, code: child.exitCode, signal: child.signalCode });
      else child.once('exit', (code, signal) => cb({ pid, code, signal }));
    },
    url: ready.url,
    pid,
    seed: ready.seed,
    stop,
    kill: () => signalAndWait('SIGKILL', 0),
    [Symbol.asyncDispose]: stop,
  };
}
