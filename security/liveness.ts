import { setTimeout as sleep } from 'node:timers/promises';
import type { Exchange } from './http.ts';

/** The target stopped answering: the scan stops here. `recent` are the last requests sent before it died. */
export class TargetDownError extends Error {
  constructor(
    readonly recent: readonly Exchange[],
    readonly checks: readonly Exchange[],
  ) {
    super(
      `the target stopped answering after ${recent.at(-1)?.request.method ?? '?'} ${recent.at(-1)?.request.url ?? '?'}`,
    );
    this.name = 'TargetDownError';
  }
}

export interface LivenessOptions {
  /** A cheap request every this many (default 50). */
  every?: number;
  /** Baseline attempts before the target is declared down (default 3, 500 ms apart). */
  attempts?: number;
  /** Path of the baseline request (default "/"): any HTTP answer, even 404, is alive. */
  path?: string;
}

/**
 * A liveness watch for the scan: a cheap baseline request every N requests
 * and after each request that got no response. Armed by the first answer (a
 * target that never answered is unreachable, not crashed); once the baseline
 * gets no answer `attempts` times in a row the target is down and every
 * later send throws at once, so a dead target gets no more requests and
 * yields no findings.
 */
export class LivenessWatch {
  readonly every: number;
  readonly attempts: number;
  readonly path: string;
  private armed = false;
  private since = 0;
  private readonly recent: Exchange[] = [];
  /** Set once the target is down. */
  down: TargetDownError | null = null;
  checks = 0;

  constructor(opts: LivenessOptions = {}) {
    this.every = opts.every ?? 50;
    this.attempts = opts.attempts ?? 3;
    this.path = opts.path ?? '/';
  }

  /** Throws when the target is already known to be down. */
  assertAlive(): void {
    if (this.down) throw this.down;
  }

  /** After each scan request: record it, and check the target when it failed or a check is due. */
  async after(ex: Exchange, baseline: () => Promise<Exchange>): Promise<void> {
    this.recent.push(ex);
    if (this.recent.length > 5) this.recent.shift();
    if (ex.response) this.armed = true;
    if (!this.armed) return;
    this.since += 1;
    if (ex.response && this.since < this.every) return;
    this.since = 0;
    const checks: Exchange[] = [];
    for (let i = 0; i < this.attempts; i += 1) {
      if (i > 0) await sleep(500);
      const check = await baseline();
      this.checks += 1;
      if (check.response) return;
      checks.push(check);
    }
    this.down = new TargetDownError([...this.recent], checks);
    throw this.down;
  }
}
