import http from 'node:http';
import https from 'node:https';
import type { WaitStrategy } from '../common/index.ts';

/**
 * GET url → 200. Written on node:http(s) rather than common's forHttp (fetch)
 * because a stack with --tls serves a self-signed certificate that the probe
 * must trust explicitly (ca), which fetch cannot be told without a dispatcher.
 */
export function forTargetReady(url: string, ca?: string): WaitStrategy {
  return {
    description: `GET ${url}`,
    check: () =>
      new Promise<boolean>((resolve, reject) => {
        const mod = url.startsWith('https:') ? https : http;
        const req = mod.get(url, { timeout: 2000, ...(ca ? { ca } : {}) }, (res) => {
          res.resume();
          if (res.statusCode === 200) resolve(true);
          else reject(new Error(`status ${res.statusCode}`));
        });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
      }),
  };
}
