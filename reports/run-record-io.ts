import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError, repoRoot, formatIssues } from '../common/index.ts';
import { RUN_RECORD_FORMAT, RUN_RECORD_VERSION, runRecordSchema, type RunRecord } from './run-record.ts';

let cachedVersion: string | undefined;
function rampartVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version?: string };
      cachedVersion = pkg.version ?? '0.0.0';
    } catch {
      cachedVersion = '0.0.0';
    }
  }
  return cachedVersion;
}

function gitCommit(): string | null {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], {
        cwd: repoRoot,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim() || null
    );
  } catch {
    return null;
  }
}

/** A fresh, empty run record with the machine's metadata filled in. */
export function createRunRecord(options: {
  command: string;
  profile?: string | null;
  target?: string | null;
  source?: string | null;
  startedAt?: number;
}): RunRecord {
  const cpus = os.cpus();
  return runRecordSchema.parse({
    format: RUN_RECORD_FORMAT,
    version: RUN_RECORD_VERSION,
    id: randomUUID(),
    meta: {
      command: options.command,
      profile: options.profile ?? null,
      target: options.target ?? null,
      source: options.source ?? null,
      startedAt: options.startedAt ?? Date.now(),
      endedAt: null,
      gitCommit: gitCommit(),
      rampartVersion: rampartVersion(),
      node: process.version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      memoryBytes: os.totalmem(),
      hostname: os.hostname(),
    },
  });
}

export async function writeRunRecord(file: string, record: RunRecord): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, JSON.stringify(record));
}

/** Reads and validates a run record; a bad file is an InputError naming the key. */
export async function readRunRecord(file: string): Promise<RunRecord> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError('RAMPART_RUN_RECORD_UNREADABLE', `cannot read run record ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError('RAMPART_RUN_RECORD_INVALID', `${file} is not JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const parsed = runRecordSchema.safeParse(json);
  if (!parsed.success) {
    throw new InputError(
      'RAMPART_RUN_RECORD_INVALID',
      `${file} is not a rampart run record:\n  ${formatIssues(parsed.error).join('\n  ')}`,
      {
        hint: 'pass the run.json written by `rampart run`, `drill`, `scan` or `gate`',
      },
    );
  }
  return parsed.data;
}
