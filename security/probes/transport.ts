import tls from 'node:tls';
import { isLoopbackHost } from '../../common/index.ts';
import type { ScanContext } from '../scan-context.ts';

const CAT = 'transport';

/** Tries a handshake capped at `max`; resolves the negotiated protocol or null when refused. */
export function tryHandshake(host: string, port: number, max: tls.SecureVersion): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      servername: isLoopbackHost(host) ? undefined : host,
      minVersion: 'TLSv1',
      maxVersion: max,
      rejectUnauthorized: false,
      // OpenSSL 3 will not even offer TLS 1.0/1.1 at its default security level; lower it for the probe only.
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    const done = (v: string | null) => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(5000, () => done(null));
    socket.once('secureConnect', () => done(socket.getProtocol()));
    socket.once('error', () => done(null));
  });
}

/**
 * HTTPS targets: TLS 1.0 and 1.1 must be refused and HSTS sent (HSTS is
 * checked with the headers). Plain HTTP: informational on loopback, high elsewhere.
 */
export async function probeTransport(ctx: ScanContext): Promise<void> {
  const base = ctx.client.base;
  const host = base.hostname.replace(/^\[|\]$/g, '');
  const endpoint = `${base.protocol}//${base.host}`;
  if (base.protocol === 'http:') {
    const loopback = isLoopbackHost(base.hostname);
    ctx.sink.add({
      ruleId: 'rampart-transport-plain-http',
      title: 'Target served over plain HTTP',
      category: CAT,
      severity: loopback ? 'info' : 'high',
      endpoint,
      description: loopback
        ? 'The target was scanned over plain HTTP on loopback (acceptable for a local run; production must be HTTPS only). Run with --tls to check TLS versions and HSTS.'
        : 'The target is served over plain HTTP on a non-loopback address: credentials and tokens travel in clear text.',
    });
    return;
  }
  const port = Number(base.port || 443);
  for (const version of ['TLSv1', 'TLSv1.1'] as const) {
    const got = await tryHandshake(host, port, version);
    if (got !== null) {
      ctx.sink.add({
        ruleId: 'rampart-transport-old-tls',
        title: `${got} accepted`,
        category: CAT,
        severity: 'high',
        endpoint,
        description: `The server completed a ${got} handshake. Set minVersion to TLSv1.2 (1.3 preferred).`,
      });
    }
  }
  const modern = await tryHandshake(host, port, 'TLSv1.3');
  ctx.notes.push(`security scan: TLS handshake with the client's best offer negotiated ${modern ?? 'nothing'}`);
}
