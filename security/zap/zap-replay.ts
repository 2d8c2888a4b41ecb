import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { repoPath } from '../../common/index.ts';

/** One API call the replay received. */
export interface ZapCall {
  path: string;
  params: Record<string, string>;
  apiKey: string | undefined;
}

export interface ZapReplay {
  /** Give this as --zap / zapUrl: the client reaches ZAP's API through it as a proxy, as with a real daemon. */
  url: string;
  calls: ZapCall[];
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Recording {
  apiKey?: string;
  exchanges: { path: string; responses: unknown[] }[];
}

/**
 * MOCK of a ZAP daemon's API (no ZAP can run here): replays a recorded
 * exchange (security/fixtures/zap-api-exchange.json) in order, per API path,
 * and records the calls it got. "{{target}}" in a response becomes `target`.
 * Unknown paths answer 400 as ZAP does ("no_implementor").
 */
export async function startZapReplay(options: { target: string; file?: string }): Promise<ZapReplay> {
  const recording = JSON.parse(
    await readFile(options.file ?? repoPath('security/fixtures/zap-api-exchange.json'), 'utf8'),
  ) as Recording;
  const cursor = new Map<string, number>();
  const calls: ZapCall[] = [];
  const target = options.target.replace(/\/$/, '');
  const server: Server = createServer((req, res) => {
    // As a proxy, ZAP receives absolute URLs (http://zap/JSON/...).
    const url = new URL(req.url ?? '/', 'http://zap');
    const apiKey = req.headers['x-zap-api-key'] as string | undefined;
    calls.push({ path: url.pathname, params: Object.fromEntries(url.searchParams), apiKey });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body).replaceAll('{{target}}', target));
    };
    if (recording.apiKey && apiKey !== recording.apiKey)
      return send(403, { code: 'bad_api_key', message: 'Missing or invalid API key' });
    const entry = recording.exchanges.find((e) => e.path === url.pathname);
    if (!entry) return send(400, { code: 'no_implementor', message: `no such API: ${url.pathname}` });
    const i = cursor.get(entry.path) ?? 0;
    cursor.set(entry.path, i + 1);
    return send(200, entry.responses[Math.min(i, entry.responses.length - 1)]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    calls,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
