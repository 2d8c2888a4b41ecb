export { feedRouter, getFeed, loadFeed, invalidateFeed, feedKey, FEED_FRESH_MS } from './feed.ts';
export { readThrough, readThroughJson, invalidate } from './cache.ts';
export type { CacheSource, CacheKey, CachedJson, CachedEntry } from './cache.ts';
export { bumpCacheEpoch, EPOCH_KEY } from './cache.ts';
