import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getFreePort, repoPath, tsNodeArgs } from '../../common/index.ts';
import { startProxyProcess, type StartedProxyProcess } from '../../proxy/index.ts';
import { startShopFront, type FrontMode, type ShopFront } from './front.ts';

/**
 * A small two-service system rampart does not ship, as an SRE would have it: a front service that calls
 * a catalog service (its own process) through a Toxiproxy-compatible proxy named `catalog`. The drills
 * reach it only as any user would: --target (the front), --toxiproxy (the proxy's API) and CATALOG_PID.
 */
export interface ShopSystem {
  frontUrl: string;
  toxiproxyUrl: string;
  /** The catalog itself, not through the proxy: the truth about which orders it holds. */
  catalogUrl: string;
  catalogPid: number;
  front: ShopFront;
  /** The catalog's process state letter from /proc (R, S, T = stopped…). */
  catalogState(): Promise<string>;
  stop(): Promise<void>;
}

function startCatalog(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...tsNodeArgs(), repoPath('test', 'shop', 'catalog.ts')], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the catalog did not start within 20 s')), 20_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const m = /catalog listening on (\d+)/.exec(d);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.once('exit', (code) => reject(new Error(`the catalog exited (${code}) before it listened`)));
  });
}

export async function startShopSystem(mode: FrontMode): Promise<ShopSystem> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rampart-shop-'));
  const catalog = await startCatalog();
  let proxy: StartedProxyProcess | undefined;
  let front: ShopFront | undefined;
  try {
    const listen = await getFreePort();
    const config = path.join(dir, 'proxies.json');
    await writeFile(
      config,
      JSON.stringify([{ name: 'catalog', listen: `127.0.0.1:${listen}`, upstream: `127.0.0.1:${catalog.port}` }]),
    );
    proxy = await startProxyProcess({ config });
    front = await startShopFront(mode, `http://127.0.0.1:${listen}`);
  } catch (err) {
    catalog.child.kill('SIGKILL');
    await proxy?.stop();
    throw err;
  }
  const pid = catalog.child.pid!;
  const started = { proxy, front };
  return {
    frontUrl: front.url,
    toxiproxyUrl: proxy.url,
    catalogUrl: `http://127.0.0.1:${catalog.port}`,
    catalogPid: pid,
    front,
    async catalogState() {
      const { readFile } = await import('node:fs/promises');
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    },
    async stop() {
      await started.front.stop();
      await started.proxy.stop();
      catalog.child.kill('SIGCONT');
      catalog.child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The CLI as a user runs it: its own process, its exit code and output; `onStderr` sees progress lines as they come. */
export function runRampart(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  onStderr?: (line: string, child: ChildProcess) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [repoPath('bin', 'rampart.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (onStderr) for (const line of d.split('\n').filter(Boolean)) onStderr(line, child);
  });
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/**
 * A drill run whose verdict a test asserts about the fault: when the machine was so busy that the drill never
 * reached its fault (the steady state looked broken: "nothing injected"), or the load generator itself fell
 * behind (INCONCLUSIVE, its measurement invalid), it is run again, at most twice — the verdict is never
 * changed, only a run that did not test the fault is not taken as the answer.
 */
export async function runDrillConclusive(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  before?: () => Promise<void>,
): ReturnType<typeof runRampart> {
  const spoiled = (out: string) =>
    /^(FAIL|INCONCLUSIVE) \S+ \(steady state not met before the fault/m.test(out) ||
    (/^INCONCLUSIVE /m.test(out) && /invalid/.test(out));
  let r = await runRampart(args, env);
  for (let retry = 0; retry < 2 && spoiled(r.stdout); retry++) {
    await before?.();
    r = await runRampart(args, env);
  }
  return r;
}

/** Of the orders the front gave up forwarding, those the catalog really does not hold (one cut mid-flight may have arrived). */
export async function ordersReallyLost(system: ShopSystem): Promise<string[]> {
  const lost: string[] = [];
  for (const id of system.front.dropped) {
    const res = await fetch(`${system.catalogUrl}/orders/${id}`);
    await res.body?.cancel();
    if (res.status === 404) lost.push(id);
  }
  return lost.sort();
}
