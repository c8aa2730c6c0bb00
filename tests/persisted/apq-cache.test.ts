/**
 * The APQ cache over a cache store (src/persisted/apq-cache.ts): keys `apq:<sha256>`, sealed values,
 * and a failing store that never fails a request.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCacheCrypto } from '../../src/cache/crypto.js';
import { createMemoryStore } from '../../src/cache/memory-store.js';
import type { CacheStore } from '../../src/cache/store.js';
import { createApqCache, type ApqStoreOp } from '../../src/persisted/apq-cache.js';

const SECRET = 'a-cache-key-secret-of-at-least-32-characters';
const QUERY = '{ user(provider: PASSBOLT, id: "f848277c-5398-58f8-a82a-72397af2d450") { email } }';
const HASH = createHash('sha256').update(QUERY).digest('hex');

/** A memory store that records what it was asked to set. */
function recordingStore() {
  const store = createMemoryStore({ maxEntries: 100, maxBytes: 1_000_000 });
  const sets: Array<{ key: string; value: Buffer; ttlMs: number }> = [];
  const recording: CacheStore = {
    ...store,
    async set(key, value, ttlMs) {
      sets.push({ key, value, ttlMs });
      await store.set(key, value, ttlMs);
    },
  };
  return { store: recording, sets, inner: store };
}

/** A store whose every call rejects (Redis down, or past REDIS_TIMEOUT_MS). */
function failingStore(): CacheStore & { calls: string[] } {
  const calls: string[] = [];
  const fail = (op: string) => {
    calls.push(op);
    return Promise.reject(new Error('store unreachable'));
  };
  return {
    kind: 'redis',
    calls,
    get: () => fail('get'),
    set: () => fail('set'),
    delete: () => fail('delete'),
    status: () => ({ state: 'degraded', reason: 'reconnecting' }),
    close: async () => {},
  };
}

describe('the APQ cache', () => {
  it('keeps a query under apq:<sha256>, sealed, for the TTL Apollo gives (seconds)', async () => {
    const { store, sets } = recordingStore();
    const cache = createApqCache(store, createCacheCrypto(SECRET));
    await cache.set(HASH, QUERY, { ttl: 300 });
    expect(sets).toHaveLength(1);
    expect(sets[0]!.key).toBe(`apq:${HASH}`);
    expect(sets[0]!.ttlMs).toBe(300_000);
    const stored = sets[0]!.value;
    expect(stored.includes(Buffer.from(QUERY))).toBe(false);
    expect(stored.includes(Buffer.from('f848277c'))).toBe(false);
    expect(await cache.get(HASH)).toBe(QUERY);
  });

  it('uses its default TTL when Apollo gives none', async () => {
    const { store, sets } = recordingStore();
    const cache = createApqCache(store, createCacheCrypto(SECRET), { defaultTtlS: 60 });
    await cache.set(HASH, QUERY);
    await cache.set(HASH, QUERY, { ttl: null });
    expect(sets.map((s) => s.ttlMs)).toEqual([60_000, 60_000]);
  });

  it('is shared by gateways with the same secret, and unreadable with another one', async () => {
    const { store } = recordingStore();
    await createApqCache(store, createCacheCrypto(SECRET)).set(HASH, QUERY, { ttl: 60 });
    expect(await createApqCache(store, createCacheCrypto(SECRET)).get(HASH)).toBe(QUERY);
    expect(await createApqCache(store, createCacheCrypto(`${SECRET}-other`)).get(HASH)).toBeUndefined();
  });

  it('does not open a value moved to another hash', async () => {
    const { store, inner } = recordingStore();
    const cache = createApqCache(store, createCacheCrypto(SECRET));
    await cache.set(HASH, QUERY, { ttl: 60 });
    const other = 'f'.repeat(64);
    const [sealed] = await inner.get([`apq:${HASH}`]);
    await inner.set(`apq:${other}`, sealed!, 60_000);
    expect(await cache.get(other)).toBeUndefined();
  });

  it('never sends the store a key that is not a SHA-256 hash', async () => {
    const store = failingStore();
    const cache = createApqCache(store, createCacheCrypto(SECRET));
    expect(await cache.get('x'.repeat(10_000))).toBeUndefined();
    expect(await cache.get(HASH.toUpperCase())).toBeUndefined();
    await cache.set('not-a-hash', QUERY, { ttl: 60 });
    expect(store.calls).toEqual([]);
  });

  it('forgets a hash on delete', async () => {
    const { store } = recordingStore();
    const cache = createApqCache(store, createCacheCrypto(SECRET));
    await cache.set(HASH, QUERY, { ttl: 60 });
    await cache.delete(HASH);
    expect(await cache.get(HASH)).toBeUndefined();
  });

  it('reads a failing store as a miss, skips writes and deletes, and reports each failure', async () => {
    const store = failingStore();
    const errors: ApqStoreOp[] = [];
    const cache = createApqCache(store, createCacheCrypto(SECRET), { onStoreError: (op) => errors.push(op) });
    await expect(cache.get(HASH)).resolves.toBeUndefined();
    await expect(cache.set(HASH, QUERY, { ttl: 60 })).resolves.toBeUndefined();
    await expect(cache.delete(HASH)).resolves.toBe(false);
    expect(errors).toEqual(['get', 'set', 'delete']);
  });
});
