import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { deepFreeze, parseDuration, parseOrThrow } from '../common/index.ts';

/**
 * The target's configuration: read once from the environment, validated with
 * zod, returned frozen. Only this module reads process.env; everything else in
 * target/ receives a TargetConfig.
 */

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(emptyToUndefined, schema);

const url = (schemes: string[]) =>
  z
    .string()
    .trim()
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

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const duration = z
  .string()
  .trim()
  .transform((s, ctx) => {
    try {
      return parseDuration(s);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: err instanceof Error ? err.message : 'not a duration (e.g. 15m, 500ms)',
      });
      return z.NEVER;
    }
  });

const onOff = z
  .enum(['on', 'off', 'true', 'false', '1', '0'])
  .transform((v) => v === 'on' || v === 'true' || v === '1');

export const targetEnvSchema = z.object({
  HOST: opt(z.string().trim().min(1).default('127.0.0.1')),
  PORT: opt(int(0, 65535).default(3000)),
  DATABASE_URL: opt(url(['postgres:', 'postgresql:'])),
  REDIS_URL: opt(url(['redis:', 'rediss:'])),
  WORKERS: opt(int(1, 64).default(2)),
  /** Extra node flags for the cluster workers, e.g. "--cpu-prof --cpu-prof-dir=prof" to profile them under load. */
  WORKER_NODE_ARGS: opt(
    z
      .string()
      .trim()
      .regex(/^(--[A-Za-z0-9-]+(=\S+)?\s*)*$/, { message: 'must be node flags such as --cpu-prof --cpu-prof-dir=prof' })
      .optional(),
  ),
  /**
   * Young generation of each worker, MB per semi-space (node --max-semi-space-size; node's default is 16): a
   * request's short-lived objects then die in fewer scavenges, and fewer survive into the old generation.
   */
  WORKER_SEMI_SPACE_MB: opt(int(1, 1024).default(64)),
  /**
   * How connections reach the workers. `rr` (node's round robin): the primary accepts each connection
   * and hands it to a worker — and keeps its own copy of the socket until the worker says it took it, so a
   * connection handed to a worker that is dying at that moment is held open by the primary with no one to answer
   * it: the client waits for its timeout. `none` (default): every worker accepts from the shared listening
   * socket, which no kill can strand a connection in; the kernel spreads the connections (measured here with two
   * workers: 10,000 connections split 4,931 / 5,069; node's docs warn the spread can be uneven elsewhere).
   */
  CLUSTER_SCHEDULING: opt(z.enum(['none', 'rr']).default('none')),
  JWT_SECRET: opt(z.string().min(32, { message: 'must be at least 32 characters' }).optional()),
  ACCESS_TOKEN_TTL: opt(duration.default(900_000)),
  REFRESH_TOKEN_TTL: opt(duration.default(7 * 24 * 3600_000)),
  RATE_LIMIT_PER_MINUTE: opt(int(1, 1_000_000).default(100)),
  RATE_LIMIT_ANON_PER_MINUTE: opt(int(1, 1_000_000).optional()),
  /** Points a worker takes from Redis at once for one key, spent locally (1 = ask Redis on every request). */
  RATE_LIMIT_LEASE: opt(int(1, 1000).default(8)),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: opt(int(1, 10_000).default(5)),
  LOGIN_MAX_FAILURES_PER_IP: opt(int(1, 1_000_000).default(50)),
  LOGIN_FAILURE_WINDOW: opt(duration.default(15 * 60_000)),
  CORS_ORIGINS: opt(z.string().optional()),
  TLS_CERT_FILE: opt(z.string().optional()),
  TLS_KEY_FILE: opt(z.string().optional()),
  LOG_LEVEL: opt(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  OTEL_EXPORTER_OTLP_ENDPOINT: opt(url(['http:', 'https:']).optional()),
  OTEL_SERVICE_NAME: opt(z.string().default('socialconnect')),
  REDIS_FALLBACK: opt(onOff.default(true)),
  PG_POOL_MAX: opt(int(1, 200).default(10)),
  PG_AUTH_POOL_MAX: opt(int(1, 100).default(3)),
  PG_STATEMENT_TIMEOUT: opt(duration.default(5_000)),
  PG_CONNECT_TIMEOUT: opt(duration.default(2_000)),
  REDIS_COMMAND_TIMEOUT: opt(duration.default(500)),
  REDIS_CONNECT_TIMEOUT: opt(duration.default(2_000)),
  BREAKER_RESET_TIMEOUT: opt(duration.default(2_000)),
  ARGON2_CONCURRENCY: opt(int(1, 64).default(2)),
  ARGON2_MAX_QUEUE: opt(int(0, 100_000).default(200)),
  BODY_LIMIT: opt(
    z
      .string()
      .trim()
      .regex(/^\d+(b|kb|mb)$/i, { message: 'must look like 100kb or 1mb' })
      .default('100kb'),
  ),
  SHUTDOWN_TIMEOUT: opt(duration.default(10_000)),
  KEEP_ALIVE_TIMEOUT: opt(duration.default(65_000)),
  RETRY_AFTER_SECONDS: opt(int(1, 3600).default(5)),
  /** Names this instance in an X-Instance-Id response header (set by a scaled-out stack: `--lb nginx --instances N`). */
  INSTANCE_ID: opt(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'must be 1-64 letters, digits, dots, dashes or underscores' })
      .optional(),
  ),
});

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface TargetConfig {
  readonly host: string;
  readonly port: number;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly workers: number;
  /** WORKER_NODE_ARGS split on spaces (node flags added to each worker's command line). */
  readonly workerNodeArgs: readonly string[];
  readonly jwtSecret: string;
  /** True when JWT_SECRET was absent and a random one was made (the cluster passes it to its workers). */
  readonly jwtSecretGenerated: boolean;
  readonly accessTokenTtlMs: number;
  readonly refreshTokenTtlMs: number;
  readonly rateLimit: {
    readonly perUserPerMinute: number;
    readonly perIpPerMinute: number;
    /** Largest lease of points a worker takes from the shared counter at once (1: none). */
    readonly lease: number;
    readonly loginMaxFailuresPerAccount: number;
    readonly loginMaxFailuresPerIp: number;
    readonly loginFailureWindowMs: number;
  };
  readonly corsOrigins: readonly string[];
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  readonly logLevel: LogLevel;
  readonly otel: { readonly endpoint: string; readonly serviceName: string } | null;
  /** REDIS_FALLBACK: when false Redis failures surface as errors (the deliberately broken variant). */
  readonly redisFallback: boolean;
  readonly pg: {
    readonly poolMax: number;
    readonly authPoolMax: number;
    readonly statementTimeoutMs: number;
    readonly connectTimeoutMs: number;
  };
  readonly redis: { readonly commandTimeoutMs: number; readonly connectTimeoutMs: number };
  readonly breakerResetTimeoutMs: number;
  readonly argon2: { readonly concurrency: number; readonly maxQueue: number };
  readonly bodyLimit: string;
  readonly shutdownTimeoutMs: number;
  /** How long an idle keep-alive connection stays open (also sent as the Keep-Alive: timeout= hint). */
  readonly keepAliveTimeoutMs: number;
  /** CLUSTER_SCHEDULING: `none` = the workers accept from the shared socket; `rr` = the primary hands connections out. */
  readonly clusterScheduling: 'none' | 'rr';
  /** Retry-After (seconds) sent with 503s when a dependency is down. */
  readonly retryAfterSeconds: number;
  /** INSTANCE_ID: sent as X-Instance-Id on every response, so requests through a load balancer show who served them. */
  readonly instanceId?: string;
}

/**
 * Parses the target's environment. Bad or missing keys throw a
 * ConfigInvalidError (exit 2) whose message names each key.
 */
export function loadTargetConfig(env: NodeJS.ProcessEnv = process.env): TargetConfig {
  const withRequired = targetEnvSchema.superRefine((v, ctx) => {
    if (!v.DATABASE_URL)
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'is required (postgres://user:pass@host:port/db)',
      });
    if (!v.REDIS_URL) ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'is required (redis://host:port)' });
    if (Boolean(v.TLS_CERT_FILE) !== Boolean(v.TLS_KEY_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: [v.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE'],
        message: 'TLS_CERT_FILE and TLS_KEY_FILE go together',
      });
    }
  });
  const p = parseOrThrow(withRequired, env, {
    code: 'RAMPART_CONFIG_INVALID',
    what: 'target environment',
    hint: 'fix or unset the named variable',
  });
  const secret = p.JWT_SECRET ?? randomBytes(48).toString('base64url');
  return deepFreeze({
    host: p.HOST,
    port: p.PORT,
    databaseUrl: p.DATABASE_URL as string,
    redisUrl: p.REDIS_URL as string,
    workers: p.WORKERS,
    clusterScheduling: p.CLUSTER_SCHEDULING,
    // The semi-space flag first: a --max-semi-space-size in WORKER_NODE_ARGS comes later and wins.
    workerNodeArgs: [
      `--max-semi-space-size=${p.WORKER_SEMI_SPACE_MB}`,
      ...(p.WORKER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
    ],
    jwtSecret: secret,
    jwtSecretGenerated: p.JWT_SECRET === undefined,
    accessTokenTtlMs: p.ACCESS_TOKEN_TTL,
    refreshTokenTtlMs: p.REFRESH_TOKEN_TTL,
    rateLimit: {
      perUserPerMinute: p.RATE_LIMIT_PER_MINUTE,
      perIpPerMinute: p.RATE_LIMIT_ANON_PER_MINUTE ?? p.RATE_LIMIT_PER_MINUTE,
      lease: p.RATE_LIMIT_LEASE,
      loginMaxFailuresPerAccount: p.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      loginMaxFailuresPerIp: p.LOGIN_MAX_FAILURES_PER_IP,
      loginFailureWindowMs: p.LOGIN_FAILURE_WINDOW,
    },
    corsOrigins: (p.CORS_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    tls: p.TLS_CERT_FILE && p.TLS_KEY_FILE ? { certFile: p.TLS_CERT_FILE, keyFile: p.TLS_KEY_FILE } : null,
    logLevel: p.LOG_LEVEL,
    otel: p.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { endpoint: p.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: p.OTEL_SERVICE_NAME }
      : null,
    redisFallback: p.REDIS_FALLBACK,
    pg: {
      poolMax: p.PG_POOL_MAX,
      authPoolMax: p.PG_AUTH_POOL_MAX,
      statementTimeoutMs: p.PG_STATEMENT_TIMEOUT,
      connectTimeoutMs: p.PG_CONNECT_TIMEOUT,
    },
    redis: { commandTimeoutMs: p.REDIS_COMMAND_TIMEOUT, connectTimeoutMs: p.REDIS_CONNECT_TIMEOUT },
    breakerResetTimeoutMs: p.BREAKER_RESET_TIMEOUT,
    argon2: { concurrency: p.ARGON2_CONCURRENCY, maxQueue: p.ARGON2_MAX_QUEUE },
    bodyLimit: p.BODY_LIMIT.toLowerCase(),
    shutdownTimeoutMs: p.SHUTDOWN_TIMEOUT,
    keepAliveTimeoutMs: p.KEEP_ALIVE_TIMEOUT,
    retryAfterSeconds: p.RETRY_AFTER_SECONDS,
    ...(p.INSTANCE_ID ? { instanceId: p.INSTANCE_ID } : {}),
  });
}

/** The environment a worker needs to rebuild the primary's exact config (the generated JWT secret included). */
export function workerEnv(config: TargetConfig, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, JWT_SECRET: config.jwtSecret };
}
