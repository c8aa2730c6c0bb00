/**
 * Automatic persisted queries (Apollo APQ, https://www.apollographql.com/docs/apollo-server/performance/apq)
 * kept in the gateway's cache store, so a query registered through one replica is known to every
 * replica sharing the store (Redis), and survives none of them when the store is in-process.
 *
 * - **Keys.** `apq:<sha256 hex>`: Apollo hands this cache the bare hash (the cache tells Apollo it
 *   namespaces its own keys, so Apollo adds no `apq:` of its own); the store adds REDIS_KEY_PREFIX. A
 *   "hash" that is not 64 hex digits never reaches the store: it cannot name a registered query.
 * - **Values.** The query text, AES-GCM sealed under the `apq` context with the store key as associated
 *   data (src/cache/crypto.ts): a query may carry literal user data (an email in an argument), and
 *   nothing readable is kept at rest.
 * - **Failures.** A store that fails or times out never fails the request: a read is a miss (the client
 *   then sends the text again, as APQ specifies), a write or delete is skipped. Each is reported to
 *   `onStoreError` for the metrics.
 */
import { PrefixingKeyValueCache, type KeyValueCache, type KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { CacheCrypto } from '../cache/crypto.js';
import type { CacheStore } from '../cache/store.js';

/** The store key prefix of persisted queries (the store adds REDIS_KEY_PREFIX before it). */
export const APQ_KEY_PREFIX = 'apq:';

/** Apollo's APQ hash: the SHA-256 of the query text, lower-case hex. */
const SHA256_HEX = /^[0-9a-f]{64}$/;

export type ApqStoreOp = 'get' | 'set' | 'delete';

export interface ApqCacheOptions {
  /** Seconds an entry lives when Apollo gives no TTL (it passes `persistedQueries.ttl` when set). */
  defaultTtlS?: number;
  /** A store call failed (rejected or timed out); the request went on without it. */
  onStoreError?: (op: ApqStoreOp) => void;
}

/** The store key of a persisted query's hash, or undefined when the hash is not a SHA-256. */
export function apqStoreKey(hash: string): string | undefined {
  return SHA256_HEX.test(hash) ? APQ_KEY_PREFIX + hash : undefined;
}

/**
 * An Apollo `KeyValueCache` over the cache store, for `new ApolloServer({ persistedQueries: { cache } })`.
 * Keys are Apollo's query hashes; values are query texts.
 */
export function createApqCache(store: CacheStore, crypto: CacheCrypto, options: ApqCacheOptions = {}): KeyValueCache<string> {
  const sealer = crypto.sealer('apq');
  const defaultTtlS = options.defaultTtlS ?? 86_400;
  const failed = (op: ApqStoreOp) => options.onStoreError?.(op);

  const cache: KeyValueCache<string> = {
    async get(hash) {
      const key = apqStoreKey(hash);
      if (!key) return undefined;
      let sealed: Buffer | undefined;
      try {
        [sealed] = await store.get([key]);
      } catch {
        failed('get');
        return undefined;
      }
      // A value sealed under another secret (a replica misconfigured) or altered does not open: a miss.
      return sealed ? sealer.open(key, sealed)?.toString('utf8') : undefined;
    },

    async set(hash, query, setOptions?: KeyValueCacheSetOptions) {
      const key = apqStoreKey(hash);
      if (!key) return;
      const ttlS = setOptions?.ttl ?? defaultTtlS;
      if (!(ttlS > 0)) return;
      try {
        await store.set(key, sealer.seal(key, Buffer.from(query, 'utf8')), ttlS * 1000);
      } catch {
        failed('set');
      }
    },

    async delete(hash) {
      const key = apqStoreKey(hash);
      if (!key) return false;
      try {
        await store.delete([key]);
        return true;
      } catch {
        failed('delete');
        return false;
      }
    },
  };
  // Apollo prefixes the keys of a cache it may share with other uses; this one is only for APQ and
  // namespaces its keys itself (`apq:`), so Apollo's prefix would only double it.
  return PrefixingKeyValueCache.cacheDangerouslyDoesNotNeedPrefixesForIsolation(cache);
}
