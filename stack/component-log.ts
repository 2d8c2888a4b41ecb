import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { EnvironmentError } from '../common/index.ts';

/**
 * Where the stack's children (PostgreSQL, Redis, the fault proxy, the target
 * and its per-request error lines) write when nobody asked to watch them: a
 * file, one timestamped line per line of output, so a drill's screen shows its
 * phases and checks and the logs are still there to read afterwards.
 */
export interface ComponentLog {
  readonly file: string;
  /** Lines written so far. */
  readonly lines: number;
  write(line: string): void;
  close(): Promise<void>;
}

export async function openComponentLog(file: string): Promise<ComponentLog> {
  const resolved = path.resolve(file);
  try {
    await mkdir(path.dirname(resolved), { recursive: true });
  } catch (err) {
    throw new EnvironmentError(
      'RAMPART_COMPONENT_LOG_UNWRITABLE',
      `cannot create the folder of the component log ${resolved}: ${(err as Error).message}`,
      { cause: err, hint: 'choose another output folder (--out)' },
    );
  }
  const stream = createWriteStream(resolved, { flags: 'w' });
  let failed: Error | undefined;
  stream.on('error', (err) => (failed ??= err));
  await Promise.race([once(stream, 'open'), once(stream, 'error')]).catch(() => undefined);
  if (failed) {
    throw new EnvironmentError(
      'RAMPART_COMPONENT_LOG_UNWRITABLE',
      `cannot write the component log ${resolved}: ${failed.message}`,
      { cause: failed, hint: 'choose another output folder (--out)' },
    );
  }
  let lines = 0;
  let closed = false;
  return {
    file: resolved,
    get lines() {
      return lines;
    },
    write(line) {
      if (closed || failed) return;
      lines += 1;
      stream.write(`${new Date().toISOString()} ${line}\n`);
    },
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => stream.end(resolve));
    },
  };
}
