import net from 'node:net';
import { InputError, TargetUnreachableError } from '../../common/index.ts';

/** Parses a target base URL (http/https only); a bad one is an InputError naming it. */
export function parseTargetUrl(baseUrl: string, what = 'target URL'): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new InputError('RAMPART_TARGET_URL_INVALID', `${what} "${baseUrl}" is not a URL`, { hint: 'write it like http://127.0.0.1:3000' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError('RAMPART_TARGET_URL_INVALID', `${what} "${baseUrl}" must start with http:// or https://`);
  }
  return url;
}

/** Resolves when a TCP connection to the target opens; TargetUnreachableError (exit 3) naming it otherwise. */
export async function assertReachable(baseUrl: string, timeoutMs = 3000): Promise<void> {
  const url = parseTargetUrl(baseUrl);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host, port });
    const fail = (err: Error) => {
      socket.destroy();
      reject(new TargetUnreachableError(baseUrl, { cause: err, hint: `nothing answers on ${host}:${port} (${err.message}); start the server or fix the URL` }));
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no answer within ${timeoutMs} ms`)));
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.end();
      socket.destroy();
      resolve();
    });
  });
}
