/**
 * bench:target-routes' budgets, judged on its rounds: each round measured every route, the mixed workload and every
 * floor once; a ratio is taken within its round, and a verdict is on the median of the rounds' figures. A window
 * with more than 1 % non-2xx answers or under 95 % of its rate is not judged, nor is a budget whose floor it was.
 * Budgets: a read ≤ 2× bare Express, a write ≤ 4×, the mixed workload ≤ 1.2 ms, a read that must ask PostgreSQL
 * (pgFloor) ≤ bare Express running its query + 1× bare Express.
 */
import { median, range } from './stats.ts';

export type PeerKind = 'express' | 'http' | 'express-pg';

/** One measured window: target CPU per request and what was answered. */
export interface Measured {
  rate: number;
  achieved: number;
  requests: number;
  non2xx: number;
  cpu: { target: number; pg: number; redis: number };
}

export interface Round {
  routes: Measured[];
  mix: Measured;
  /** In the order of `kinds`. */
  floors: Measured[];
}

/** The budget lines of one rate: one per route (but /livez, which has none), page 2's floor line, the mix. */
export function judgeBudgets(opts: {
  rate: number;
  rounds: Round[];
  kinds: PeerKind[];
  routes: Array<{ name: string; method?: string; pgFloor?: boolean }>;
  mixedName: string;
}): string[] {
  const { rate, rounds, kinds, routes, mixedName } = opts;
  const repeats = rounds.length;
  const out: string[] = [];
  const floorOf = (kind: PeerKind) => rounds.map((rd) => rd.floors[kinds.indexOf(kind)]!.cpu.target);
  const express = floorOf('express');
  const nodeHttp = floorOf('http');
  const per = (xs: number[], ys: number[]) => xs.map((x, k) => x / ys[k]!);
  /** Median and range over the rounds of a ratio taken within each round. */
  const summary = (xs: number[], digits = 2) => {
    const spread = range(xs, digits);
    const mid = median(xs).toFixed(digits);
    return spread === mid ? mid : `${mid} (${spread})`;
  };
  // The verdict is the median round's: one round's figure moves with the machine by more than a budget's margin.
  // `score` is the budget's own figure in each round (a ratio to bare Express, or ms), held to `bound`.
  // A window where more than 1 % of the answers were not 2xx, or that held less than 95 % of the rate, measured
  // something else (an expired token, an error path, a saturated process): no budget is judged on it, its own or
  // one whose floor it was, and the line says so.
  const invalid = (ws: Measured[]) =>
    ws.filter((w) => w.non2xx > 0.01 * w.requests || w.achieved < 0.95 * w.rate).length;
  const floorWindows = (used: PeerKind[]) => rounds.flatMap((rd) => used.map((k) => rd.floors[kinds.indexOf(k)]!));
  const line = (
    name: string,
    windows: Measured[],
    score: number[],
    bound: number,
    what: string,
    floorsUsed: PeerKind[],
    show: (score: number) => string,
  ) => {
    const ms = windows.map((w) => w.cpu.target);
    const ok = score.filter((x) => x <= bound).length;
    const failed = invalid([...windows, ...floorWindows(floorsUsed)]);
    const verdict = failed
      ? `not judged: ${failed} window(s) with more than 1 % non-2xx answers or under 95 % of the rate`
      : `${median(score) <= bound ? 'met' : 'NOT met'} (median round ${show(median(score))}${repeats > 1 ? `; within it in ${ok} of ${repeats} rounds` : ''})`;
    return (
      `${rate} req/s  ${name.padEnd(30)} target ${summary(ms)} ms/req = ${summary(per(ms, express))}× bare Express (${summary(express)}), ` +
      `${summary(per(ms, nodeHttp))}× bare node:http (${summary(nodeHttp)}); budget ${what}: ${verdict}`
    );
  };
  for (const [j, route] of routes.entries()) {
    if (route.name === 'GET /livez') continue;
    const windows = rounds.map((rd) => rd.routes[j]!);
    const ms = windows.map((w) => w.cpu.target);
    const write = (route.method ?? 'GET') !== 'GET';
    if (route.pgFloor) {
      // A read that must ask PostgreSQL: what SocialConnect adds is held to one bare Express request, as for the
      // cached reads (≤ 2× bare Express = bare Express + one more), on top of bare Express doing the same query.
      const floor = floorOf('express-pg');
      const adds = ms.map((m, k) => m - floor[k]!);
      out.push(
        line(
          route.name,
          windows,
          per(adds, express),
          1,
          '≤ the PostgreSQL read floor + 1× bare Express',
          ['express', 'express-pg'],
          (x) => `adds ${x.toFixed(3)}× bare Express over the floor`,
        ),
        `${rate} req/s  ${'  (the PostgreSQL read floor)'.padEnd(30)} ${summary(per(ms, floor))}× bare Express + PostgreSQL with the same query (${summary(floor)}), which alone is ${summary(per(floor, express))}× bare Express; SocialConnect adds ${summary(adds)} ms = ${summary(per(adds, express))}× bare Express`,
      );
      continue;
    }
    const factor = write ? 4 : 2;
    out.push(
      line(
        route.name,
        windows,
        per(ms, express),
        factor,
        `≤ ${factor}× bare Express`,
        ['express'],
        (x) => `${x.toFixed(3)}×`,
      ),
    );
  }
  const mixWindows = rounds.map((rd) => rd.mix);
  out.push(
    line(
      mixedName,
      mixWindows,
      mixWindows.map((w) => w.cpu.target),
      1.2,
      '≤ 1.2 ms',
      [],
      (x) => `${x.toFixed(3)} ms`,
    ),
  );
  return out;
}
