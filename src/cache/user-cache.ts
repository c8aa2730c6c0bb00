/**
 * The cache of provider user records between requests: read-through for `user(id)` and `me`, scoped
 * by credential, with stale-if-error (RFC 5861) and single flight.
 *
 * - **Scoped by credential.** An entry's key is a keyed hash (HMAC with the server secret) of the
 *   provider, the credential material that authorized the read (the adapter's `cacheScope`: exactly
 *   what it sends upstream for that read), the normalised id (or `me`) and the projection (the part of
 *   the selection the upstream request depends on). A different credential computes a different key
 *   and could not open the entry anyway: values are AES-GCM sealed under a key derived from the server
 *   secret and the credential (crypto.ts), with the store key as associated data. Neither the key nor
 *   the value holds a credential or readable user data.
 * - **Fresh, stale, gone.** An entry answers without an upstream call for the provider's TTL. It is
 *   kept `staleIfErrorS` longer: when the provider then fails for a reason that says nothing about the
 *   user or the caller (unreachable, 5xx, timeout, breaker open, throttled), the entry answers, marked
 *   stale with its age. Never for 401/403/404 or a bad id: those answers are always fresh, and they
 *   remove the entry.
 * - **Single flight.** Concurrent misses for one key in this process make one upstream call; the
 *   others wait for it and share its outcome (the key includes the credential, so only requests with
 *   the same credential ever share one).
 * - **Client control.** `Cache-Control: no-cache` (or `max-age=0`) reads fresh and stores the answer;
 *   `no-store` neither reads nor stores. Neither is answered stale: the client asked for fresh.
 * - **The store may fail.** A store call that fails or passes its bound is counted and treated as a
 *   miss (reads) or skipped (writes): the request goes on as if there were no cache.
 */
import { SpanKind, SpanStatusCode, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { ErrorCode, GatewayError } from '../errors.js';
import type { UserModel } from '../model.js';
import type { ProviderName } from '../providers/provider-name.js';
import type { ProviderCachePolicy } from '../config.js';
import type { CacheCrypto, Sealer } from './crypto.js';
import type { CacheStore } from './store.js';

/** How a request wants the cache used (its `Cache-Control` header). */
export type CacheMode = 'default' | 'no-cache' | 'no-store';

/** `hit`: fresh from the cache. `miss`: asked upstream. `stale`: the provider failed, a kept entry answered. `bypass`: the client asked for fresh. */
export type CacheResult = 'hit' | 'miss' | 'stale' | 'bypass';

export interface CachedRead {
  value: UserModel | GatewayError;
  result: CacheResult;
  /** Seconds since the entry was stored (stale answers). */
  ageSeconds?: number;
}

/** Told of every read and store call, for the metrics and the operation's log line. */
export interface CacheObserver {
  onRead(provider: ProviderName, result: CacheResult): void;
  onStoreCall(provider: ProviderName, op: 'get' | 'set' | 'delete', durationMs: number, ok: boolean): void;
}

export interface UserCacheOptions {
  store: CacheStore;
  crypto: CacheCrypto;
  policies: Readonly<Record<ProviderName, ProviderCachePolicy>>;
  observer?: CacheObserver;
  /** Milliseconds since the epoch (injectable for tests); entries carry the time they were stored. */
  now?: () => number;
}

export interface UserCache {
  /** The provider's cache, or undefined when its TTL is 0 (off). */
  forProvider(provider: ProviderName): ProviderCache | undefined;
}

export interface ProviderCache {
  readonly policy: ProviderCachePolicy;
  /**
   * Users by normalised id, in order: from the cache, or through `fetch` (called once, with the ids
   * nobody else is already fetching), falling back to a kept entry when the provider fails.
   */
  readUsers(
    scope: string,
    projection: string,
    ids: readonly string[],
    mode: CacheMode,
    fetch: (ids: readonly string[]) => Promise<Array<UserModel | GatewayError>>,
    trace?: StoreTrace,
  ): Promise<CachedRead[]>;
  /** The caller's own user, keyed by the credential alone (and the projection). */
  readMe(scope: string, projection: string, mode: CacheMode, fetch: () => Promise<UserModel>, trace?: StoreTrace): Promise<CachedRead>;
}

/**
 * Where a traced read's Redis calls go: a CLIENT span each under `context` (the batch's or the `me`
 * read's), named and described by the database conventions
 * (https://opentelemetry.io/docs/specs/semconv/database/redis/): `GET`, `SET`, `DEL` with
 * `db.system.name` `redis` and `db.operation.batch.size` for several keys; never a key (keys are
 * derived from credentials) nor a value. The in-process store makes no span: it never waits.
 */
export interface StoreTrace {
  tracer: Tracer;
  context: Context;
}

/** The Redis command behind each store operation (redis-store.ts). */
const STORE_COMMAND = { get: 'GET', set: 'SET', delete: 'DEL' } as const;

/** Failures that say nothing about the user or the caller: the provider (or the way to it) is failing. */
const STALE_ELIGIBLE: ReadonlySet<string> = new Set([ErrorCode.PROVIDER_UNAVAILABLE, ErrorCode.PROVIDER_TIMEOUT, ErrorCode.RATE_LIMITED]);
/** Authoritative answers: the entry (this credential, this id) must go. */
const EVICTING: ReadonlySet<string> = new Set([ErrorCode.NOT_FOUND, ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN]);

interface Entry {
  storedAt: number;
  model: UserModel;
}

export function createUserCache(options: UserCacheOptions): UserCache {
  const { store, crypto, observer } = options;
  const now = options.now ?? Date.now;
  /** Single flight: the outcome of an upstream read in progress, by store key (credential-scoped). */
  const inFlight = new Map<string, Promise<CachedRead>>();
  const byProvider = new Map<ProviderName, ProviderCache | undefined>();

  function create(provider: ProviderName): ProviderCache | undefined {
    const policy = options.policies[provider];
    if (!policy || policy.ttlS <= 0) return undefined;
    const ttlMs = policy.ttlS * 1000;
    const keepMs = (policy.ttlS + policy.staleIfErrorS) * 1000;

    /** A store call, timed and counted; a failure is reported and becomes `fallback`. */
    async function storeCall<T>(op: 'get' | 'set' | 'delete', call: () => Promise<T>, fallback: T, trace: StoreTrace | undefined, keys = 1): Promise<T> {
      const started = performance.now();
      const span = trace && store.kind === 'redis' ? startStoreSpan(trace, op, keys) : undefined;
      try {
        const value = await call();
        observer?.onStoreCall(provider, op, performance.now() - started, true);
        return value;
      } catch (error) {
        observer?.onStoreCall(provider, op, performance.now() - started, false);
        if (span) {
          // The failure's kind only: a Redis error message may quote a key.
          span.setAttribute(ATTR_ERROR_TYPE, /did not answer/.test(String((error as { message?: unknown } | null)?.message)) ? 'timeout' : 'store_error');
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        return fallback;
      } finally {
        span?.end();
      }
    }

    function startStoreSpan(trace: StoreTrace, op: 'get' | 'set' | 'delete', keys: number): Span {
      const command = STORE_COMMAND[op];
      return trace.tracer.startSpan(
        command,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'db.system.name': 'redis',
            'db.operation.name': command,
            ...(keys > 1 && { 'db.operation.batch.size': keys }),
            'usergraph.provider': provider,
          },
        },
        trace.context,
      );
    }

    /** The credential's view of the store: its key space and its sealer. */
    function scoped(scope: string) {
      const scopeId = crypto.keyOf(['scope', provider, scope]);
      const sealer = crypto.sealer(`user\0${provider}\0${scopeId}`);
      return { key: (id: string, projection: string) => `user:${provider}:${crypto.keyOf([scopeId, id, projection])}`, sealer };
    }

    async function readEntries(keys: readonly string[], sealer: Sealer, mode: CacheMode, trace: StoreTrace | undefined): Promise<Array<Entry | undefined>> {
      if (mode === 'no-store') return keys.map(() => undefined);
      const raw = await storeCall('get', () => store.get(keys), keys.map(() => undefined), trace, keys.length);
      return raw.map((bytes, i) => (bytes ? decodeEntry(sealer.open(keys[i]!, bytes)) : undefined));
    }

    /** Resolves one key whose fresh entry is missing: the provider's answer, or the kept entry when it fails. */
    function settle(
      key: string,
      entry: Entry | undefined,
      mode: CacheMode,
      value: UserModel | GatewayError,
      sealer: Sealer,
      writes: Array<Promise<unknown>>,
      trace: StoreTrace | undefined,
    ): CachedRead {
      const result: CacheResult = mode === 'default' ? 'miss' : 'bypass';
      if (!(value instanceof GatewayError) && !(value instanceof Error)) {
        if (mode !== 'no-store') {
          const sealed = sealer.seal(key, encodeEntry({ storedAt: now(), model: value }));
          writes.push(storeCall('set', () => store.set(key, sealed, keepMs), undefined, trace));
        }
        return { value, result };
      }
      const code = (value as { code?: unknown }).code;
      if (entry && mode === 'default' && typeof code === 'string' && STALE_ELIGIBLE.has(code)) {
        const age = now() - entry.storedAt;
        if (age < keepMs) return { value: entry.model, result: 'stale', ageSeconds: Math.max(0, Math.floor(age / 1000)) };
      }
      if (entry && typeof code === 'string' && EVICTING.has(code)) writes.push(storeCall('delete', () => store.delete([key]), undefined, trace));
      return { value, result };
    }

    return {
      policy,
      async readUsers(scope, projection, ids, mode, fetch, trace) {
        const { key, sealer } = scoped(scope);
        const keys = ids.map((id) => key(id, projection));
        const entries = await readEntries(keys, sealer, mode, trace);
        const out = new Array<Promise<CachedRead> | CachedRead>(ids.length);
        const leaders: number[] = [];
        const done = new Map<number, (read: CachedRead) => void>();
        keys.forEach((k, i) => {
          const entry = entries[i];
          if (entry && mode === 'default' && now() - entry.storedAt < ttlMs) {
            out[i] = { value: entry.model, result: 'hit' };
            return;
          }
          const pending = inFlight.get(k);
          if (pending) {
            out[i] = pending;
            return;
          }
          leaders.push(i);
          const promise = new Promise<CachedRead>((resolve) => done.set(i, resolve));
          inFlight.set(k, promise);
          out[i] = promise;
        });
        if (leaders.length > 0) {
          const writes: Array<Promise<unknown>> = [];
          let fetched: Array<UserModel | GatewayError>;
          try {
            fetched = await fetch(leaders.map((i) => ids[i]!));
          } catch (error) {
            // Adapters never reject (their batch contract) but for a bug: every slot gets the error.
            const failure = error instanceof GatewayError ? error : new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, undefined, { provider, detail: error });
            fetched = leaders.map(() => failure);
          }
          leaders.forEach((i, j) => {
            const value = fetched[j] ?? new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, undefined, { provider });
            let read: CachedRead;
            try {
              read = settle(keys[i]!, entries[i], mode, value, sealer, writes, trace);
            } catch {
              // Sealing failed (a bug): answer without storing; the waiting requests must never hang.
              read = { value, result: mode === 'default' ? 'miss' : 'bypass' };
            }
            inFlight.delete(keys[i]!);
            done.get(i)!(read);
          });
          // Stored before the answer goes out, so the next request (on any replica) finds it; each call is bounded.
          await Promise.all(writes);
        }
        const reads = await Promise.all(out);
        for (const read of reads) observer?.onRead(provider, read.result);
        return reads;
      },
      async readMe(scope, projection, mode, fetch, trace) {
        // `me` is keyed by the credential alone: a NUL-prefixed id no provider's normalised id can equal.
        const [read] = await this.readUsers(
          scope,
          projection,
          ['\0me'],
          mode,
          async () => {
            try {
              return [await fetch()];
            } catch (error) {
              return [error instanceof GatewayError ? error : new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, undefined, { provider, detail: error })];
            }
          },
          trace,
        );
        return read!;
      },
    };
  }

  return {
    forProvider(provider) {
      if (!byProvider.has(provider)) byProvider.set(provider, create(provider));
      return byProvider.get(provider);
    },
  };
}

/** Reads the `Cache-Control` request header: `no-store`, `no-cache` (or `max-age=0`), else the default. */
export function cacheModeOf(header: readonly string[] | string | undefined): CacheMode {
  const value = (typeof header === 'string' ? header : (header ?? []).join(',')).toLowerCase();
  if (!value) return 'default';
  const directives = value.split(',').map((d) => d.trim());
  if (directives.includes('no-store')) return 'no-store';
  if (directives.includes('no-cache') || directives.some((d) => /^max-age\s*=\s*"?0"?$/.test(d))) return 'no-cache';
  return 'default';
}

/**
 * An entry's plaintext: the time it was stored and the model as JSON. A model may hold a GatewayError
 * on a field the provider's record left unreadable (model.ts `FieldValue`); those travel apart, by
 * path, so no value from upstream can ever be read back as an error (or the other way round).
 */
interface EncodedEntry {
  v: 1;
  t: number;
  m: unknown;
  e: Array<{ p: Array<string | number>; code: string; message: string; provider?: string; reason?: string }>;
}

function encodeEntry(entry: Entry): Buffer {
  const errors: EncodedEntry['e'] = [];
  const walk = (value: unknown, path: Array<string | number>): unknown => {
    if (value instanceof Error) {
      const error = value as GatewayError;
      errors.push({
        p: path,
        code: String(error.code ?? ErrorCode.INTERNAL_SERVER_ERROR),
        message: error.message,
        ...(error.provider ? { provider: error.provider } : {}),
        ...(typeof error.extensions?.reason === 'string' ? { reason: error.extensions.reason } : {}),
      });
      return null;
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    return value;
  };
  const encoded: EncodedEntry = { v: 1, t: entry.storedAt, m: walk(entry.model, []), e: errors };
  return Buffer.from(JSON.stringify(encoded));
}

function decodeEntry(plaintext: Buffer | undefined): Entry | undefined {
  if (!plaintext) return undefined;
  let parsed: EncodedEntry;
  try {
    parsed = JSON.parse(plaintext.toString('utf8')) as EncodedEntry;
  } catch {
    return undefined;
  }
  if (parsed?.v !== 1 || typeof parsed.t !== 'number' || !parsed.m || typeof parsed.m !== 'object' || !Array.isArray(parsed.e)) return undefined;
  const model = parsed.m as Record<string | number, unknown>;
  for (const { p, code, message, provider, reason } of parsed.e) {
    if (!Array.isArray(p) || p.length === 0) continue;
    let parent: Record<string | number, unknown> = model;
    for (const step of p.slice(0, -1)) parent = (parent?.[step] ?? {}) as Record<string | number, unknown>;
    parent[p[p.length - 1]!] = new GatewayError(code as ErrorCode, message, {
      ...(provider ? { provider: provider as ProviderName } : {}),
      ...(reason ? { reason } : {}),
    });
  }
  return { storedAt: parsed.t, model: model as unknown as UserModel };
}
