/**
 * The embedded store: an in-process LRU (lru-cache) bounded by entry count (`CACHE_MAX_ENTRIES`) and
 * by bytes (`CACHE_MAX_BYTES`, counting each value's bytes plus its key's length), so a burst of
 * distinct keys or large records evicts the least recently used entries instead of growing the heap.
 * Each entry carries its own TTL; an expired entry reads as absent. It serves one process only: with
 * several replicas, `REDIS_URL` gives them one shared store (redis-store.ts).
 *
 * Values are kept as given and handed back as is: callers treat them as immutable (they are sealed
 * bytes, see crypto.ts).
 */
import { LRUCache } from 'lru-cache';
import type { CacheStore, StoreStatus } from './store.js';

export interface MemoryStoreOptions {
  /** Most entries held. */
  maxEntries: number;
  /** Most bytes held (values plus keys); an entry larger than this is not stored. */
  maxBytes: number;
  /** Milliseconds on a monotonic clock, for the TTLs; tests inject one. Defaults to `performance.now()`. */
  now?: () => number;
}

const OK: StoreStatus = Object.freeze({ state: 'ok' });

export function createMemoryStore(options: MemoryStoreOptions): CacheStore {
  const { maxEntries, maxBytes, now } = options;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new Error('the memory store needs maxEntries >= 1');
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new Error('the memory store needs maxBytes >= 1');

  const entries = new LRUCache<string, Buffer>({
    max: maxEntries,
    maxSize: maxBytes,
    // lru-cache wants a positive integer.
    sizeCalculation: (value, key) => Math.max(1, value.length + key.length),
    // An injected clock is read on every check (no caching of "now" between ticks).
    ...(now ? { perf: { now }, ttlResolution: 0 } : {}),
  });
  let closed = false;

  const open = (): void => {
    if (closed) throw new Error('the memory store is closed');
  };

  return {
    kind: 'memory',

    async get(keys) {
      open();
      return keys.map((key) => entries.get(key));
    },

    async set(key, value, ttlMs) {
      open();
      // lru-cache reads a TTL of 0 as "forever": a non-positive TTL stores nothing.
      if (!(ttlMs > 0)) {
        entries.delete(key);
        return;
      }
      entries.set(key, value, { ttl: Math.ceil(ttlMs) });
    },

    async delete(keys) {
      open();
      for (const key of keys) entries.delete(key);
    },

    status() {
      return OK;
    },

    async close() {
      closed = true;
      entries.clear();
    },
  };
}
