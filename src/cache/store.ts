/**
 * Where cached entries live: one small interface, two implementations. The embedded default is an
 * in-process LRU bounded by entries and bytes (memory-store.ts); with `REDIS_URL` every replica shares
 * one Redis (redis-store.ts). Values are opaque sealed bytes (crypto.ts): a store never sees a
 * credential or readable user data, only keys derived with a keyed hash and AES-GCM ciphertext.
 *
 * A store call either answers or rejects within the store's bounded time (Redis: `REDIS_TIMEOUT_MS`).
 * Callers treat a rejection as a miss (reads) or a skipped write and go on without the cache: a failing
 * store never fails a GraphQL request.
 */

export interface StoreStatus {
  /** `ok`: answering. `degraded`: unreachable or failing; the gateway serves without it and retries in the background. */
  state: 'ok' | 'degraded';
  /** A short, secret-free reason when degraded (`connecting`, `reconnecting`, `failing`, `closed`). */
  reason?: string;
}

export interface CacheStore {
  /** `memory` (this process only) or `redis` (shared by every replica). */
  readonly kind: 'memory' | 'redis';
  /** The values of `keys`, in order; undefined for a key the store does not hold. */
  get(keys: readonly string[]): Promise<Array<Buffer | undefined>>;
  /** Stores `value` under `key` for `ttlMs` milliseconds (then the store forgets it). */
  set(key: string, value: Buffer, ttlMs: number): Promise<void>;
  /** Forgets `keys`. */
  delete(keys: readonly string[]): Promise<void>;
  /** For `/readyz` and the metrics. */
  status(): StoreStatus;
  /** Releases connections; later calls reject. */
  close(): Promise<void>;
}
