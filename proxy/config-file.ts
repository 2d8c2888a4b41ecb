import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigInvalidError, parseOrThrow } from '../common/index.ts';

/**
 * A proxies.json file: Toxiproxy's -config format (an array of proxies), toxics allowed per proxy.
 * Stricter than the API on purpose: a file that names an upstream without a port is a typo to fix
 * before the run starts (exit 2), where Toxiproxy would only log each failed dial.
 */
const configSchema = z.array(
  z
    .object({
      name: z.string().min(1),
      listen: z.string().min(1).optional(),
      upstream: z.string().regex(/^.+:\d+$/, { message: 'must be host:port' }),
      enabled: z.boolean().optional(),
      on_upstream_down: z.enum(['close', 'refuse']).optional(),
      toxics: z.array(z.object({ type: z.string(), name: z.string().optional() }).loose()).optional(),
    })
    .loose(),
);

export type ProxyConfigFile = z.infer<typeof configSchema>;

export async function loadProxyConfig(file: string): Promise<ProxyConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigInvalidError(`cannot read proxy config ${file}: ${(err as Error).message}`, {
      hint: 'pass --config a readable JSON file: [{"name":"postgres","listen":"127.0.0.1:0","upstream":"127.0.0.1:5432"}]',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigInvalidError(`proxy config ${file} is not JSON: ${(err as Error).message}`, {
      hint: 'fix the JSON syntax',
    });
  }
  return parseOrThrow(configSchema, json, {
    code: 'RAMPART_CONFIG_INVALID',
    what: `proxy config ${file}`,
    hint: 'each entry needs "name" and "upstream" ("host:port"); see docs/chaos.md',
  });
}
