import net from 'node:net';
import { InputError, TargetUnreachableError } from './errors.ts';

/**
 * The one parser of a target URL a person gives (--target, `rampart load <url>`): http or https, else
 * RAMPART_TARGET_URL_INVALID naming `what` and the value. The layers below receive the URL and never parse again.
 */
export function parseTargetUrl(value: string, what = 'target URL'): URL {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // falls through to the error
  }
  if (url && (url.protocol === 'http:' || url.protocol === 'https:')) return url;
  throw new InputError('RAMPART_TARGET_URL_INVALID', `${what} must be an http(s) URL, got "${value}"`, {
    hint: `write it like ${what.startsWith('--') ? `${what} ` : ''}http://127.0.0.1:3000`,
  });
}

/** The URL as a base to append paths to: without its trailing slash ("http://127.0.0.1:3000", "http://h/api"). */
export function baseUrlText(url: URL): string {
  return url.href.replace(/\/$/, '');
}

/** Resolves when a TCP connection to the target opens; TargetUnreachableError (exit 3) naming it otherwise. */
export async function assertReachable(url: URL, timeoutMs = 3000): Promise<void> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host, port });
    const fail = (err: Error) => {
      socket.destroy();
      reject(
        new TargetUnreachableError(baseUrlText(url), {
          cause: err,
          hint: `nothing answers on ${host}:${port} (${err.message}); start the server or fix the URL`,
        }),
      );
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
