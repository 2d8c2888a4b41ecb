export { trendingRouter, getTrending, computeTrending, trendingItemSchema, TRENDING_KEY } from './trending.ts';
export type { TrendingItem } from './trending.ts';
