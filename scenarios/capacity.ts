import { definitionOf, isOpenModel } from './executors/registry.ts';
import { defaultCapForRate } from './executors/definitions/open-model.ts';
import type { Scenario } from './schema/scenario.ts';

/** Highest arrival rate (per second) an open-model scenario asks for (a closed model's definition says 0). */
export function peakRatePerSecond(s: Scenario): number {
  return definitionOf(s).peakRatePerSecond(s);
}

/** The default cap on connections (= VU slots) of an open-model scenario: enough for its peak rate × 1 s of latency. */
export function defaultMaxConnections(s: Scenario): number {
  return defaultCapForRate(peakRatePerSecond(s));
}

/**
 * Open model, like k6's VUs: iterations in flight (each on its own keep-alive
 * connection) grow on demand up to maxVUs; connections open only when needed.
 */
export function openModelCapacity(s: Scenario): { maxVUs: number; connections: number } {
  if (!isOpenModel(s)) return { maxVUs: 0, connections: 0 };
  const maxVUs = definitionOf(s).peakVus(s);
  return { maxVUs, connections: s.connections ?? maxVUs };
}

export interface ShortfallInput {
  open: boolean;
  maxVUs: number;
  connections: number;
  started: number;
  /** Most requests in flight at once. */
  peak: number;
  late: number;
  dropped: number;
  droppedAtCap: number;
  maxLatenessMs: number;
  timeouts: number;
  requestTimeoutMs: number;
  /** How the person set the cap: the CLI flag, or the scenario key. */
  capFlag: string;
}

const pct = (n: number, of: number) => (of > 0 ? `${((100 * n) / of).toFixed(1)} %` : '0 %');
const secs = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

/** Warnings in words when the generator, not the target, shaped what was measured; each names what to change. */
export function shortfallWarnings(i: ShortfallInput): string[] {
  const out: string[] = [];
  const cap = Math.min(i.maxVUs, i.connections);
  if (i.open && i.late > 0 && i.peak >= cap) {
    out.push(
      `${i.late} of ${i.started + i.dropped} arrivals (${pct(i.late, i.started + i.dropped)}) waited for a free connection: all ${cap} were busy. ` +
        `Their latency still counts from the intended start; to send them on time raise ${i.capFlag} (now ${cap}).`,
    );
  } else if (i.open && i.late > 0) {
    out.push(
      `${i.late} of ${i.started + i.dropped} arrivals (${pct(i.late, i.started + i.dropped)}) waited for a connection to open or free up (at most ${i.peak} of ${cap} in flight): ` +
        'the generator fell behind its schedule and caught up on warm connections. Their latency counts from the intended start; see the self-check.',
    );
  }
  if (i.open && i.droppedAtCap > 0) {
    out.push(
      `${i.droppedAtCap} arrivals were dropped after waiting ${secs(i.maxLatenessMs)} (maxLateness) for a connection: they count as failed, ` +
        `and their latency (at least ${secs(i.maxLatenessMs)}) is not in the percentiles, which understate the overload. Raise ${i.capFlag} (now ${cap}) or lower the rate.`,
    );
  }
  const atEnd = i.dropped - i.droppedAtCap;
  if (i.open && atEnd > 0) {
    out.push(
      `${atEnd} arrivals were still waiting for a connection when the run ended: dropped, counted as failed. Raise ${i.capFlag} (now ${cap}).`,
    );
  }
  if (i.timeouts > 0) {
    out.push(
      `${i.timeouts} requests got no answer within the request timeout (${secs(i.requestTimeoutMs)}): their latency is recorded as the timeout, a lower bound (scenario key requestTimeout).`,
    );
  }
  return out;
}
