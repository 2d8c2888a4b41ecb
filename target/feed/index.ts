export { feedRouter, getFeed, loadFeed, invalidateFeed, feedKey, FEED_FRESH_MS } from './feed.ts';
