import type { AddressInfo } from 'node:net';
import { errors } from './api-error.ts';

export interface HostPort {
  host: string;
  port: number;
}

/** Splits "host:port" / "[::1]:port" as Go's net.SplitHostPort does; `what` names the field in errors. */
export function parseHostPort(value: string, what: string): HostPort {
  const i = value.lastIndexOf(':');
  if (i < 0) throw errors.badRequestBody.with(`${what}: "${value}" is not host:port`);
  let host = value.slice(0, i);
  const portText = value.slice(i + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(portText);
  if (portText === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw errors.badRequestBody.with(`${what}: port "${portText}" must be 0-65535`);
  }
  return { host, port };
}

/** Why `value` is not host:port, or undefined when it is. */
export function hostPortProblem(value: string): string | undefined {
  try {
    parseHostPort(value, '');
    return undefined;
  } catch {
    const i = value.lastIndexOf(':');
    return i < 0 ? `"${value}" is not host:port` : `port "${value.slice(i + 1)}" must be 0-65535`;
  }
}

/** "127.0.0.1:43123" / "[::1]:43123", like Go's listener.Addr().String(). */
export function formatAddress(addr: AddressInfo): string {
  return addr.family === 'IPv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
}
