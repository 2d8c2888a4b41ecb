import { describe, expect, it } from 'vitest';
import { loadEnvConfig } from '../common/index.ts';
import { DockerUnavailableError, assertDockerAvailable } from './docker-provider.ts';
import { startStack } from './stack.ts';

// There is no Docker engine on this machine (the docker CLI here is only a client), so these
// tests exercise the real "no engine" path of testcontainers, not a mock.
describe('the docker provider', () => {
  it('says no Docker engine is reachable and how to proceed', async () => {
    const err = await assertDockerAvailable().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerUnavailableError);
    expect((err as DockerUnavailableError).message).toMatch(/Docker engine/);
    expect((err as DockerUnavailableError).hint).toMatch(/managed provider/);
  });

  it('is chosen by provider: "docker" and fails before starting any process', async () => {
    const err = await startStack({ env: loadEnvConfig({}), provider: 'docker', stateDir: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerUnavailableError);
  });
});
