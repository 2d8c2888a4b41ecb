import { describe, expect, it } from 'vitest';
import { judgeBudgets } from './route-budgets.ts';
import type { Measured, PeerKind } from './route-budgets.ts';

const w = (target: number, over: Partial<Measured> = {}): Measured => ({
  rate: 1000,
  achieved: 1000,
  requests: 8000,
  non2xx: 0,
  cpu: { target, pg: 0, redis: 0 },
  ...over,
});
const kinds: PeerKind[] = ['express', 'http'];
const routes = [{ name: 'GET /v1/feed' }];
const judge = (feed: Measured[], express: number[] = [0.25, 0.25, 0.25]) =>
  judgeBudgets({
    rate: 1000,
    kinds,
    routes,
    mixedName: 'mixed',
    rounds: feed.map((f, k) => ({ routes: [f], mix: w(0.5), floors: [w(express[k]!), w(0.08)] })),
  })[0]!;

describe('route budgets', () => {
  it('a read is judged on the median round: met at 2 of 3 rounds within 2×, NOT met at 1 of 3', () => {
    expect(judge([w(0.45), w(0.6), w(0.49)])).toMatch(
      /budget ≤ 2× bare Express: met \(median round 1\.960×; within it in 2 of 3 rounds\)/,
    );
    expect(judge([w(0.45), w(0.6), w(0.51)])).toMatch(/NOT met \(median round 2\.040×; within it in 1 of 3 rounds\)/);
  });
  it('a window with non-2xx answers or under 95 % of its rate, its own or its floor’s, is not judged', () => {
    expect(judge([w(0.3), w(0.3, { non2xx: 100 }), w(0.3)])).toMatch(/not judged: 1 window/);
    expect(judge([w(0.3), w(0.3), w(0.3, { achieved: 900 })])).toMatch(/not judged: 1 window/);
  });
});
