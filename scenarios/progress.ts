export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

export interface ProgressState {
  scenario: string;
  elapsedMs: number;
  durationMs: number;
  targetRate: number | null;
  achievedRate: number;
  p95Ms: number;
  requests: number;
  errors: number;
  late: number;
  dropped: number;
  vus: number;
}

const QUIET_EVERY_MS = 10_000;

function line(s: ProgressState): string {
  const secs = (ms: number) => `${Math.floor(ms / 1000)}s`;
  const rate =
    s.targetRate === null
      ? `${s.achievedRate.toFixed(0)}/s`
      : `${s.achievedRate.toFixed(0)}/${s.targetRate.toFixed(0)} req/s`;
  const errPct = s.requests > 0 ? ((100 * s.errors) / s.requests).toFixed(2) : '0.00';
  const extra = s.late + s.dropped > 0 ? ` late ${s.late} dropped ${s.dropped}` : '';
  return `${s.scenario} ${secs(s.elapsedMs)}/${secs(s.durationMs)} ${rate} p95 ${s.p95Ms.toFixed(1)}ms errors ${s.errors} (${errPct}%) vus ${s.vus}${extra}`;
}

/**
 * The live progress line: rewritten in place every second on a TTY, and a
 * plain line every 10 s otherwise (CI logs stay readable).
 */
export class Progress {
  private lastQuiet = -Infinity;
  private drawn = false;
  constructor(private readonly stream: ProgressStream | undefined) {}

  update(s: ProgressState): void {
    if (!this.stream) return;
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[2K${line(s)}`);
      this.drawn = true;
    } else if (s.elapsedMs - this.lastQuiet >= QUIET_EVERY_MS) {
      this.lastQuiet = s.elapsedMs;
      this.stream.write(`${line(s)}\n`);
    }
  }

  done(s: ProgressState): void {
    if (!this.stream) return;
    if (this.stream.isTTY && this.drawn) this.stream.write(`\r\x1b[2K${line(s)}\n`);
    else this.stream.write(`${line(s)}\n`);
  }
}
