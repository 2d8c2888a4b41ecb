import { z } from 'zod';
import { deepFreeze, parseOrThrow } from './validation.ts';

/**
 * The environment variables rampart's CLI reads, parsed once at start-up. No
 * other module reads process.env: commands receive this object.
 * (The target is an application of its own and has its own config module,
 * target/config.ts, with the same rule.)
 */
const url = (schemes: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .refine(
      (s) => {
        try {
          return schemes.includes(new URL(s).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')}` },
    );

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const envSchema = z.object({
  DATABASE_URL: z.preprocess(emptyToUndefined, url(['postgres:', 'postgresql:']).optional()),
  REDIS_URL: z.preprocess(emptyToUndefined, url(['redis:', 'rediss:']).optional()),
  ZAP_URL: z.preprocess(emptyToUndefined, url(['http:', 'https:']).optional()),
  ZAP_API_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
  TOXIPROXY_URL: z.preprocess(emptyToUndefined, url(['http:', 'https:']).optional()),
  RAMPART_LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  GITHUB_STEP_SUMMARY: z.preprocess(emptyToUndefined, z.string().optional()),
  CI: z.preprocess(emptyToUndefined, z.string().optional()),
  // The images of `stack up --provider docker`; the official ones unless named (deploy/images/local-images.env
  // names the ones deploy/images/build-local.sh builds). docker-compose.yml reads the same variables.
  POSTGRES_IMAGE: z.preprocess(emptyToUndefined, z.string().trim().min(1).default('postgres:17-alpine')),
  REDIS_IMAGE: z.preprocess(emptyToUndefined, z.string().trim().min(1).default('redis:7-alpine')),
  TOXIPROXY_IMAGE: z.preprocess(emptyToUndefined, z.string().trim().min(1).default('ghcr.io/shopify/toxiproxy:2.12.0')),
});

export interface EnvConfig {
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly zapUrl: string | undefined;
  readonly zapApiKey: string | undefined;
  readonly toxiproxyUrl: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly githubStepSummary: string | undefined;
  readonly ci: boolean;
  readonly dockerImages: { readonly postgres: string; readonly redis: string; readonly toxiproxy: string };
}

export function loadEnvConfig(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const parsed = parseOrThrow(envSchema, env, {
    code: 'RAMPART_CONFIG_INVALID',
    what: 'environment',
    hint: 'fix or unset the named variable',
  });
  return deepFreeze({
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    zapUrl: parsed.ZAP_URL,
    zapApiKey: parsed.ZAP_API_KEY,
    toxiproxyUrl: parsed.TOXIPROXY_URL,
    logLevel: parsed.RAMPART_LOG_LEVEL,
    githubStepSummary: parsed.GITHUB_STEP_SUMMARY,
    ci: parsed.CI !== undefined && parsed.CI !== 'false' && parsed.CI !== '0',
    dockerImages: { postgres: parsed.POSTGRES_IMAGE, redis: parsed.REDIS_IMAGE, toxiproxy: parsed.TOXIPROXY_IMAGE },
  });
}
