import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { RedisContainer } from '@testcontainers/redis';
import {
  GenericContainer,
  Network,
  Wait,
  getContainerRuntimeClient,
  type StartedNetwork,
  type StartedTestContainer,
} from 'testcontainers';
import { Toxiproxy } from 'toxiproxy-node-client';
import { EnvironmentError, isLoopbackHost, waitFor, type EnvConfig } from '../common/index.ts';
import type { Dependencies } from './dependencies.ts';
import { forPostgres } from './postgres.ts';

export class DockerUnavailableError extends EnvironmentError<'RAMPART_DOCKER_UNAVAILABLE'> {
  constructor(cause: unknown) {
    super(
      'RAMPART_DOCKER_UNAVAILABLE',
      `the Docker provider needs a Docker engine, and none is reachable (${(cause as Error)?.message ?? cause})`,
      {
        cause,
        hint: 'start Docker (or set DOCKER_HOST), or use the default managed provider: `rampart stack up`',
      },
    );
  }
}

/**
 * Throws DockerUnavailableError unless testcontainers finds a working container runtime; returns the host
 * its published ports are reached on ("localhost" for a local engine).
 */
export async function assertDockerAvailable(): Promise<string> {
  try {
    return (await getContainerRuntimeClient()).info.containerRuntime.host;
  } catch (err) {
    throw new DockerUnavailableError(err);
  }
}

const PROXY_PORTS = { postgres: 8666, redis: 8667 } as const;

/**
 * testcontainers publishes every exposed port on all interfaces (HostPort "0", no HostIp); rampart's
 * containers publish on 127.0.0.1 only, as docker-compose.yml does. Called once the container's ports are
 * exposed and before start(), it sets the host address of each binding (testcontainers keeps them in its
 * protected hostConfig, which it passes to the engine as it is).
 */
function publishOnLoopback<T extends GenericContainer>(container: T, local: boolean): T {
  if (!local) return container;
  const { hostConfig } = container as unknown as {
    hostConfig: { PortBindings?: Record<string, Array<{ HostIp?: string }>> };
  };
  for (const bindings of Object.values(hostConfig.PortBindings ?? {})) for (const b of bindings) b.HostIp = '127.0.0.1';
  return container;
}

/**
 * The docker provider: the same pieces as the managed one, in containers
 * started with testcontainers, on the images POSTGRES_IMAGE, REDIS_IMAGE and
 * TOXIPROXY_IMAGE name (the official ones by default, as in docker-compose.yml).
 * Toxiproxy runs from its image through
 * GenericContainer: `@testcontainers/toxiproxy` exists only for testcontainers 12,
 * which needs Node 22, and rampart runs on Node 20 (testcontainers 11).
 * Process faults are not offered on containers (control() says so); network faults
 * go through the Toxiproxy API exactly as with the managed stack.
 */
export async function startDockerDependencies(
  env: EnvConfig,
  opts: { proxy: boolean; log?: (l: string) => void },
): Promise<Dependencies> {
  const engineHost = await assertDockerAvailable();
  // A local engine's ports are published on 127.0.0.1 and reached there (not "localhost", which may be ::1 first).
  const local = isLoopbackHost(engineHost);
  const reach = (u: string, host: string) => {
    const x = new URL(u);
    x.hostname = local ? '127.0.0.1' : host;
    return x.toString();
  };
  const started: Array<StartedTestContainer | StartedNetwork> = [];
  const stop = async () => {
    for (const c of started.splice(0).reverse()) await c.stop().catch(() => undefined);
  };
  let starting = 'its network';
  try {
    const network = await new Network().start();
    started.push(network);
    let postgresUrl = env.databaseUrl;
    if (!postgresUrl) {
      starting = `PostgreSQL (image ${env.dockerImages.postgres}, POSTGRES_IMAGE)`;
      const pg = await publishOnLoopback(
        new PostgreSqlContainer(env.dockerImages.postgres)
          .withNetwork(network)
          .withNetworkAliases('postgres')
          .withDatabase('socialconnect')
          .withUsername('postgres')
          .withPassword('postgres'),
        local,
      ).start();
      started.push(pg);
      postgresUrl = reach(pg.getConnectionUri(), pg.getHost());
    }
    let redisUrl = env.redisUrl;
    if (!redisUrl) {
      starting = `Redis (image ${env.dockerImages.redis}, REDIS_IMAGE)`;
      const redis = await publishOnLoopback(
        new RedisContainer(env.dockerImages.redis).withNetwork(network).withNetworkAliases('redis'),
        local,
      ).start();
      started.push(redis);
      redisUrl = reach(redis.getConnectionUrl(), redis.getHost());
    }
    opts.log?.(`[docker] postgres ${postgresUrl} redis ${redisUrl}`);
    let toxiproxy: Dependencies['toxiproxy'];
    if (opts.proxy && !env.databaseUrl && !env.redisUrl) {
      starting = `the Toxiproxy (image ${env.dockerImages.toxiproxy}, TOXIPROXY_IMAGE)`;
      const tp = await publishOnLoopback(
        new GenericContainer(env.dockerImages.toxiproxy)
          .withNetwork(network)
          .withExposedPorts(8474, PROXY_PORTS.postgres, PROXY_PORTS.redis)
          .withWaitStrategy(Wait.forHttp('/version', 8474)),
        local,
      ).start();
      started.push(tp);
      const url = reach(`http://${tp.getHost()}:${tp.getMappedPort(8474)}`, tp.getHost()).replace(/\/$/, '');
      const client = new Toxiproxy(url);
      await client.createProxy({
        name: 'postgres',
        listen: `0.0.0.0:${PROXY_PORTS.postgres}`,
        upstream: 'postgres:5432',
      });
      await client.createProxy({ name: 'redis', listen: `0.0.0.0:${PROXY_PORTS.redis}`, upstream: 'redis:6379' });
      const via = (u: string, port: number) => {
        const x = new URL(reach(u, tp.getHost()));
        x.port = String(tp.getMappedPort(port));
        return x.toString();
      };
      toxiproxy = {
        url,
        postgresUrl: via(postgresUrl, PROXY_PORTS.postgres),
        redisUrl: via(redisUrl, PROXY_PORTS.redis),
      };
      // The target's start makes one attempt to reach PostgreSQL; on a busy machine that first connection through
      // the proxy container was once cut ("Connection terminated unexpectedly"): the provider returns only once a
      // query has gone through the same path.
      // PostgreSQL answers a query through the Toxiproxy container: the path is open end to end.
      await waitFor(forPostgres(toxiproxy.postgresUrl, 'PostgreSQL through the Toxiproxy container'), {
        timeoutMs: 60_000,
        intervalMs: 500,
      });
    }
    return { provider: 'docker', postgresUrl, redisUrl, postgres: undefined, redis: undefined, toxiproxy, stop };
  } catch (err) {
    await stop();
    if (err instanceof EnvironmentError) throw err;
    throw new EnvironmentError(
      'RAMPART_DOCKER_START_FAILED',
      `the docker provider could not start ${starting}: ${(err as Error).message}`,
      {
        cause: err,
        hint: 'an image no registry can serve here can be built locally: deploy/images/build-local.sh, then the variables of deploy/images/local-images.env',
      },
    );
  }
}
