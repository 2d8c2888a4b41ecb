import type { Dispatcher } from 'undici';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as text when asked for; otherwise it is read and discarded. */
  text: string | null;
}

/**
 * One request through undici's low-level dispatch() with a callback handler:
 * no Readable stream per response, which is most of the cost of
 * `request()` at tens of thousands of requests per second.
 */
export function dispatchRequest(
  dispatcher: Dispatcher,
  opts: { path: string; method: string; headers: Record<string, string>; body: string | null; signal?: AbortSignal },
  readBody: boolean,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: RawResponse['headers'] = {};
    const chunks: Buffer[] = [];
    let settled = false;
    let onAbort: (() => void) | undefined;
    const done = (err: Error | null) => {
      if (settled) return;
      settled = true;
      if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve({ status, headers, text: readBody ? Buffer.concat(chunks).toString('utf8') : null });
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        if (opts.signal?.aborted) controller.abort(new Error('request aborted'));
        else if (opts.signal) {
          onAbort = () => controller.abort(new Error('request aborted'));
          opts.signal.addEventListener('abort', onAbort, { once: true });
        }
      },
      onResponseStart(_c, statusCode, h) {
        status = statusCode;
        headers = h;
      },
      onResponseData(_c, chunk) {
        if (readBody) chunks.push(chunk);
      },
      onResponseEnd() {
        done(null);
      },
      onResponseError(_c, err) {
        done(err);
      },
    };
    dispatcher.dispatch({ path: opts.path, method: opts.method as Dispatcher.HttpMethod, headers: opts.headers, body: opts.body }, handler);
  });
}
