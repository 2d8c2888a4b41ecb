import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { RedisContainer } from '@testcontainers/redis';
import { GenericContainer, Network, Wait, getContainerRuntimeClient, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { Toxiproxy } from 'toxiproxy-node-client';
import { EnvironmentError, type EnvConfig } from '../common/index.ts';
import type { Dependencies } from './dependencies.ts';

/** Image versions match docker-compose.yml. */
export const DOCKER_IMAGES = {
  postgres: 'postgres:17-alpine',
  redis: 'redis:7-alpine',
  toxiproxy: 'ghcr.io/shopify/toxiproxy:2.12.0',
} as const;

export class DockerUnavailableError extends EnvironmentError<'RAMPART_DOCKER_UNAVAILABLE'> {
  constructor(cause: unknown) {
    super('RAMPART_DOCKER_UNAVAILABLE', `the Docker provider needs a Docker engine, and none is reachable (${(cause as Error)?.message ?? cause})`, {
      cause,
      hint: 'start Docker (or set DOCKER_HOST), or use the default managed provider: `rampart stack up`',
    });
  }
}

/** Throws DockerUnavailableError unless testcontainers finds a working container runtime. */
export async function assertDockerAvailable(): Promise<void> {
  try {
    await getContainerRuntimeClient();
  } catch (err) {
    throw new DockerUnavailableError(err);
  }
}

const PROXY_PORTS = { postgres: 8666, redis: 8667 } as const;

/**
 * The docker provider: the same pieces as the managed one, in containers
 * started with testcontainers. The real Toxiproxy runs from its image through
 * GenericContainer: `@testcontainers/toxiproxy` exists only for testcontainers 12,
 * which needs Node 22, and rampart runs on Node 20 (testcontainers 11).
 * Process faults are not offered on containers (control() says so); network faults
 * go through the Toxiproxy API exactly as with the managed stack.
 */
export async function startDockerDependencies(env: EnvConfig, opts: { proxy: boolean; log?: (l: string) => void }): Promise<Dependencies> {
  await assertDockerAvailable();
  const started: Array<StartedTestContainer | StartedNetwork> = [];
  const stop = async () => {
    for (const c of started.splice(0).reverse()) await c.stop().catch(() => undefined);
  };
  try {
    const network = await new Network().start();
    started.push(network);
    let postgresUrl = env.databaseUrl;
    if (!postgresUrl) {
      const pg = await new PostgreSqlContainer(DOCKER_IMAGES.postgres).withNetwork(network).withNetworkAliases('postgres')
        .withDatabase('socialconnect').withUsername('postgres').withPassword('postgres').start();
      started.push(pg);
      postgresUrl = pg.getConnectionUri();
    }
    let redisUrl = env.redisUrl;
    if (!redisUrl) {
      const redis = await new RedisContainer(DOCKER_IMAGES.redis).withNetwork(network).withNetworkAliases('redis').start();
      started.push(redis);
      redisUrl = redis.getConnectionUrl();
    }
    opts.log?.(`[docker] postgres ${postgresUrl} redis ${redisUrl}`);
    let toxiproxy: Dependencies['toxiproxy'];
    if (opts.proxy && !env.databaseUrl && !env.redisUrl) {
      const tp = await new GenericContainer(DOCKER_IMAGES.toxiproxy).withNetwork(network)
        .withExposedPorts(8474, PROXY_PORTS.postgres, PROXY_PORTS.redis)
        .withWaitStrategy(Wait.forHttp('/version', 8474)).start();
      started.push(tp);
      const url = `http://${tp.getHost()}:${tp.getMappedPort(8474)}`;
      const client = new Toxiproxy(url);
      await client.createProxy({ name: 'postgres', listen: `0.0.0.0:${PROXY_PORTS.postgres}`, upstream: 'postgres:5432' });
      await client.createProxy({ name: 'redis', listen: `0.0.0.0:${PROXY_PORTS.redis}`, upstream: 'redis:6379' });
      const via = (u: string, port: number) => {
        const x = new URL(u);
        x.hostname = tp.getHost();
        x.port = String(tp.getMappedPort(port));
        return x.toString();
      };
      toxiproxy = { url, postgresUrl: via(postgresUrl, PROXY_PORTS.postgres), redisUrl: via(redisUrl, PROXY_PORTS.redis) };
    }
    return { provider: 'docker', postgresUrl, redisUrl, postgres: undefined, redis: undefined, toxiproxy, stop };
  } catch (err) {
    await stop();
    if (err instanceof EnvironmentError) throw err;
    throw new EnvironmentError('RAMPART_DOCKER_START_FAILED', `the docker provider could not start its containers: ${(err as Error).message}`, { cause: err });
  }
}
