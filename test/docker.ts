import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { repoPath } from '../common/index.ts';

/**
 * The Docker engine of the tests that run the Docker path for real (deploy/compose.test.ts,
 * stack/docker-provider.test.ts). CI starts an engine and builds the local images (.ci/run); a test that
 * finds none FAILS saying what to do, it does not skip.
 */
const run = promisify(execFile);

export async function docker(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  const { stdout } = await run('docker', args, {
    env: { ...process.env, ...opts.env },
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** Throws, with the way out, unless `docker info` answers. */
export async function requireDockerEngine(): Promise<void> {
  try {
    await docker(['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 });
  } catch (err) {
    throw new Error(
      `no Docker engine answers (${(err as Error).message.split('\n')[0]}): these tests run the Docker path for real. ` +
        'Start one (`apt-get install docker.io && dockerd &`; .ci/run does both) and build the images (deploy/images/build-local.sh).',
    );
  }
}

/** The variables of deploy/images/local-images.env: the images deploy/images/build-local.sh builds (and Ryuk off). */
export function localImages(): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(repoPath('deploy', 'images', 'local-images.env'), 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.+)$/.exec(line.trim());
    if (m) vars[m[1]!] = m[2]!;
  }
  return vars;
}

/** Throws, naming them and the script that builds them, unless every local image is present. */
export async function requireLocalImages(): Promise<Record<string, string>> {
  const images = localImages();
  const missing: string[] = [];
  for (const [name, image] of Object.entries(images)) {
    if (!name.endsWith('_IMAGE')) continue;
    await docker(['image', 'inspect', '--format', '{{.Id}}', image]).catch(() => missing.push(image));
  }
  if (missing.length > 0)
    throw new Error(
      `local images missing: ${missing.join(', ')}; build them with deploy/images/build-local.sh (as root)`,
    );
  return images;
}

/** Every container, network or volume id (one kind) whose labels match, e.g. com.docker.compose.project=NAME. */
export async function dockerObjects(kind: 'container' | 'network' | 'volume', label: string): Promise<string[]> {
  const args =
    kind === 'container'
      ? ['ps', '-aq', '--filter', `label=${label}`]
      : [kind, 'ls', '-q', '--filter', `label=${label}`];
  return (await docker(args)).split('\n').filter(Boolean);
}
