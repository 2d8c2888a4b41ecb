import type { DrillStack, FaultAction, ProxyPath } from './types.ts';

/** Where faults go: a Toxiproxy API (ours or the real one) and, on the managed stack, process control. */
export interface FaultEnvironment {
  toxiproxyUrl: string | null;
  proxyNames: Record<ProxyPath, string>;
  stack: DrillStack | null;
}

export interface InjectedFault {
  rollback(): Promise<void>;
}

export class FaultSkipped extends Error {}

async function toxiproxy(env: FaultEnvironment, method: string, path: string, body?: unknown): Promise<void> {
  if (!env.toxiproxyUrl) throw new FaultSkipped('no fault proxy on this path (pass --toxiproxy URL)');
  const res = await fetch(`${env.toxiproxyUrl}${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  // A rollback of something already gone is done.
  if (!res.ok && !(method === 'DELETE' && res.status === 404)) {
    throw new Error(`Toxiproxy ${method} ${path} answered ${res.status}: ${text}`);
  }
}

let counter = 0;

/** Injects one action; the returned rollback undoes it and is safe to call more than once. */
export async function inject(env: FaultEnvironment, action: FaultAction, drill: string): Promise<InjectedFault> {
  let done = false;
  const once = (fn: () => Promise<void>) => async () => {
    if (done) return;
    done = true;
    await fn();
  };
  switch (action.kind) {
    case 'toxic': {
      const proxy = encodeURIComponent(env.proxyNames[action.path]);
      const name = `rampart-${drill}-${++counter}`;
      await toxiproxy(env, 'POST', `/proxies/${proxy}/toxics`, { name, stream: 'downstream', toxicity: 1, ...action.toxic });
      return { rollback: once(() => toxiproxy(env, 'DELETE', `/proxies/${proxy}/toxics/${name}`)) };
    }
    case 'down': {
      const proxy = encodeURIComponent(env.proxyNames[action.path]);
      await toxiproxy(env, 'POST', `/proxies/${proxy}`, { enabled: false });
      return { rollback: once(() => toxiproxy(env, 'POST', `/proxies/${proxy}`, { enabled: true })) };
    }
    case 'process': {
      if (!env.stack) throw new FaultSkipped(`process fault on ${action.component} needs the managed stack (it cannot reach the processes of --target)`);
      const control = env.stack.control(action.component);
      await control[action.op]();
      const restore = async () => {
        if (action.op === 'pause') await control.resume();
        else if (action.component === 'worker') await control.waitReady(30_000);
        else await control.restart();
      };
      return { rollback: once(restore) };
    }
  }
}
