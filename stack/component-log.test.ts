import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvConfig } from '../common/index.ts';
import { openComponentLog } from './component-log.ts';
import { startStack } from './stack.ts';

describe('component logs go to a file, not to the screen', () => {
  const dirs: string[] = [];
  const scratch = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-component-log-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("with componentLogFile, the children's output lands in the file and `log` only hears rampart (a crash names the file)", async () => {
    const file = path.join(await scratch(), 'out', 'components.log');
    const lines: string[] = [];
    await using stack = await startStack({
      env: loadEnvConfig({}),
      stateDir: null,
      workers: 1,
      proxy: false,
      componentLogFile: file,
      targetEnv: { LOG_LEVEL: 'info' }, // the target then says "migrations done" and "target ready"
      log: (l) => lines.push(l),
    });
    expect(stack.componentLogFile).toBe(file);
    const worker = (stack.pids.workers as number[])[0] as number;
    process.kill(worker, 'SIGKILL');
    await expect
      .poll(() => lines.find((l) => l.includes(`worker (pid ${worker}) exited unexpectedly`)), { timeout: 10_000 })
      .toContain(`its output is in ${file}`);
    await stack.stop();

    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z \[target\] .*target ready/m);
    expect(lines.filter((l) => l.includes('[target]') || l.includes('[postgres]') || l.includes('[redis]'))).toEqual(
      [],
    );
  });

  it('starts each run on an empty file and refuses a path it cannot create, naming it', async () => {
    const dir = await scratch();
    const file = path.join(dir, 'c.log');
    const first = await openComponentLog(file);
    first.write('[target] one');
    await first.close();
    const second = await openComponentLog(file);
    second.write('[target] two');
    await second.close();
    expect(await readFile(file, 'utf8')).toMatch(/^\S+ \[target\] two\n$/);
    expect(second.lines).toBe(1);

    await expect(openComponentLog(path.join(file, 'below-a-file', 'c.log'))).rejects.toThrow(
      /cannot create the folder of the component log .*below-a-file/,
    );
  });
});
