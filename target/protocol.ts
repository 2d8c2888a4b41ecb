import type { RampartErrorCode } from '../common/index.ts';

/**
 * Messages between the target's processes, typed in one place:
 * - the cluster primary → its parent (a process started with an 'ipc' stdio channel, e.g. stack/);
 * - the primary ↔ its workers.
 */

/** Primary → parent. */
export type TargetMessage =
  | { type: 'target.ready'; url: string; workers: number[] }
  | { type: 'target.worker-online'; pid: number }
  | { type: 'target.worker-exit'; pid: number; code: number | null; signal: string | null }
  | { type: 'target.fatal'; message: string; code: RampartErrorCode };

/** Primary → worker. */
export type PrimaryToWorkerMessage = { type: 'worker.shutdown' };

/** Worker → primary. */
export type WorkerToPrimaryMessage =
  | { type: 'worker.listening'; url: string }
  | { type: 'worker.fatal'; message: string; code: RampartErrorCode; exitCode: number };

const TARGET_TYPES = new Set(['target.ready', 'target.worker-online', 'target.worker-exit', 'target.fatal']);

export function isTargetMessage(value: unknown): value is TargetMessage {
  return typeof value === 'object' && value !== null && TARGET_TYPES.has((value as { type?: unknown }).type as string);
}

export function isPrimaryToWorkerMessage(value: unknown): value is PrimaryToWorkerMessage {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'worker.shutdown';
}

export function isWorkerToPrimaryMessage(value: unknown): value is WorkerToPrimaryMessage {
  const t = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  return t === 'worker.listening' || t === 'worker.fatal';
}
