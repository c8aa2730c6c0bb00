/**
 * Picks the cache store from the configuration: Redis when `REDIS_URL` is set (shared by every
 * replica), else the in-process LRU. Also the server secret: `CACHE_KEY_SECRET`, or a random one for
 * this process when there is no Redis (entries then live and die with the process anyway).
 */
import { randomBytes } from 'node:crypto';
import type { CacheConfig } from '../config.js';
import type { Logger } from '../providers/types.js';
import { createCacheCrypto, type CacheCrypto } from './crypto.js';
import { createMemoryStore } from './memory-store.js';
import { createRedisStore } from './redis-store.js';
import type { CacheStore } from './store.js';

export interface CacheBackend {
  store: CacheStore;
  crypto: CacheCrypto;
}

export function createCacheBackend(config: Readonly<CacheConfig>, logger: Logger): CacheBackend {
  const crypto = createCacheCrypto(config.secret ?? randomBytes(48).toString('base64'));
  const store = config.redis
    ? createRedisStore({ url: config.redis.url, timeoutMs: config.redis.timeoutMs, keyPrefix: config.redis.keyPrefix, logger: logger.child({ component: 'redis' }) })
    : createMemoryStore({ maxEntries: config.maxEntries, maxBytes: config.maxBytes });
  return { store, crypto };
}
