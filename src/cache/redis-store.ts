/**
 * The shared store: Redis through ioredis, one server, a Sentinel-managed master or a Cluster
 * (`REDIS_URL`, see redis-url.ts). Every replica reads and writes the same entries, so a user record
 * fetched by one replica is a hit on the others.
 *
 * Redis is an optimisation, never a dependency of a request:
 *
 * - Every call answers or rejects within `timeoutMs` (`REDIS_TIMEOUT_MS`): ioredis's `commandTimeout`,
 *   plus a timer of our own around each call (unref'd, cleared when the call settles) for what that
 *   does not cover. While the connection is not ready a call rejects at once: the offline queue is
 *   off, and commands caught by a dropped connection fail rather than being sent again later.
 * - The gateway starts whether or not Redis is up: construction never throws for an unreachable
 *   server; the client connects in the background and reconnects forever (backoff capped at 2 s).
 * - `status()` is `degraded` whenever the client is not ready (`connecting` before the first
 *   connection, `reconnecting` after losing one, `closed` after `close()`) or calls keep failing on a
 *   live connection (`failing`: a paused or overloaded server; a PING every second clears it when
 *   the server answers again).
 * - ioredis's `error` events are always listened to (an unlistened one would crash the process);
 *   one warning is logged per change of state, with the URL's password replaced by `***`.
 *
 * Keys get `REDIS_KEY_PREFIX` here. Reads are one GET per key (`getBuffer`, values are bytes) and
 * deletes one DEL per key, batched by ioredis's auto-pipelining: with Cluster each key goes to its own
 * slot's node, so a multi-key read never meets CROSSSLOT (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/).
 * Writes are `SET key value PX ttl`, so Redis forgets an entry by itself.
 */
import { Cluster, Redis } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { Logger } from '../providers/types.js';
import { describeRedisUrl, parseRedisUrl } from './redis-url.js';
import type { CacheStore, StoreStatus } from './store.js';

export interface RedisStoreOptions {
  /** REDIS_URL (redis://, rediss://, redis+sentinel://, redis+cluster://). */
  url: string;
  /** Bound on one call (REDIS_TIMEOUT_MS). */
  timeoutMs: number;
  /** Prepended to every key (REDIS_KEY_PREFIX), e.g. `usergraph:`. */
  keyPrefix: string;
  logger?: Logger;
  /** Called whenever `status()` changes (for metrics); the store starts `degraded`/`connecting`, so the first call is usually `ok`. */
  onStateChange?: (status: StoreStatus) => void;
}

/** Reconnection backoff: 100 ms, 200 ms, … capped at 2 s, forever. */
function reconnectDelay(attempt: number): number {
  return Math.min(Math.max(1, attempt) * 100, 2000);
}

/** How long one connection attempt may take (TCP plus TLS): independent of the per-call bound, a handshake to a distant server takes longer. */
const CONNECT_TIMEOUT_MS = 5000;
/** Consecutive failed calls on a live connection before the store reports itself `failing`. */
const FAILING_AFTER = 3;
/** While `failing`, how often a PING checks whether the server answers again. */
const PROBE_INTERVAL_MS = 1000;
/** The longest error text kept for the log. */
const MAX_ERROR_TEXT = 300;

type Client = Redis | Cluster;

const OK: StoreStatus = Object.freeze({ state: 'ok' });

function degraded(reason: string): StoreStatus {
  return { state: 'degraded', reason };
}

export function createRedisStore(options: RedisStoreOptions): CacheStore {
  const { url, timeoutMs, keyPrefix, logger, onStateChange } = options;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error('the Redis store needs timeoutMs > 0');
  const target = parseRedisUrl(url);
  const described = describeRedisUrl(url);
  const password = target.mode === 'cluster' ? target.options.redisOptions?.password : target.options.password;

  // Options every connection shares (each Cluster node connection too).
  const connection: RedisOptions = {
    commandTimeout: timeoutMs,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Commands caught by a dropped connection fail at once and are not sent again on reconnect
    // (a late SET could overwrite a newer entry written meanwhile by another replica).
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectionName: 'usergraph',
  };

  let client: Client;
  if (target.mode === 'cluster') {
    const clusterOptions: ClusterOptions = {
      ...target.options,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: reconnectDelay,
      slotsRefreshTimeout: Math.max(timeoutMs, 1000),
      redisOptions: { ...connection, ...target.options.redisOptions },
    };
    client = new Cluster(target.nodes, clusterOptions);
  } else {
    client = new Redis({
      ...target.options,
      ...connection,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      retryStrategy: reconnectDelay,
      ...(target.mode === 'sentinel' ? { sentinelRetryStrategy: reconnectDelay } : {}),
    });
  }

  let closed = false;
  let closing: Promise<void> | undefined;
  let everReady = false;
  let failures = 0;
  let lastError: string | undefined;
  let reported: StoreStatus = degraded('connecting');
  let warnedWhileConnecting = false;
  let probe: NodeJS.Timeout | undefined;
  let restart: NodeJS.Timeout | undefined;

  /** An error's code and message for the log, never the password. */
  const summarize = (error: unknown): string => {
    const e = error instanceof Error ? error : new Error(String(error));
    const code = (e as { code?: unknown }).code;
    let text = `${typeof code === 'string' ? code : e.name}: ${e.message}`;
    if (password) text = text.split(password).join('***');
    return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text;
  };

  const current = (): StoreStatus => {
    if (closed) return degraded('closed');
    if (client.status === 'ready') return failures >= FAILING_AFTER ? degraded('failing') : OK;
    return degraded(everReady ? 'reconnecting' : 'connecting');
  };

  const stopProbe = (): void => {
    if (probe) clearInterval(probe);
    probe = undefined;
  };

  /** Compares the status with the last one reported; on a change, logs once and tells the listener. */
  const refresh = (): void => {
    const now = current();
    if (now.state === reported.state && now.reason === reported.reason) return;
    reported = now;
    if (now.state === 'ok') {
      logger?.info({ store: 'redis', redis: described }, 'shared cache (Redis) is answering');
    } else if (now.reason !== 'closed') {
      logger?.warn(
        { store: 'redis', redis: described, reason: now.reason, ...(lastError ? { error: lastError } : {}) },
        'shared cache (Redis) unavailable: serving without it, retrying in the background',
      );
    }
    if (now.reason === 'failing' && !probe && !closed) {
      probe = setInterval(() => {
        if (client.status === 'ready') bounded(client.ping()).catch(() => undefined);
      }, PROBE_INTERVAL_MS);
      probe.unref();
    } else if (now.reason !== 'failing') {
      stopProbe();
    }
    try {
      onStateChange?.(now);
    } catch (error) {
      logger?.error({ store: 'redis', error: summarize(error) }, 'cache state listener failed');
    }
  };

  client.on('error', (error: unknown) => {
    lastError = summarize(error);
    // Redis down at boot: say so once instead of waiting silently (later errors come with a state change).
    if (!everReady && !warnedWhileConnecting && !closed) {
      warnedWhileConnecting = true;
      logger?.warn(
        { store: 'redis', redis: described, reason: 'connecting', error: lastError },
        'shared cache (Redis) not reachable yet: serving without it, retrying in the background',
      );
    }
    refresh();
  });
  // Cluster reports a node's connection errors separately (never as `error`): kept for the log only.
  client.on('node error', (error: unknown) => {
    lastError = summarize(error);
  });
  client.on('ready', () => {
    everReady = true;
    failures = 0;
    refresh();
  });
  for (const event of ['connect', 'close', 'reconnecting', 'connecting']) client.on(event, refresh);
  client.on('end', () => {
    refresh();
    // Our retry strategies always retry; should the client end anyway, start it again.
    if (!closed && !restart) {
      restart = setTimeout(() => {
        restart = undefined;
        if (!closed && client.status === 'end') client.connect().catch(() => undefined);
      }, reconnectDelay(Number.MAX_SAFE_INTEGER));
      restart.unref();
    }
  });

  /** `work`'s outcome within `timeoutMs` at most; counts failures for `failing`. */
  function bounded<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        noteFailure(new Error(`Redis did not answer within ${timeoutMs} ms`));
        reject(new Error(`Redis did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      work.then(
        (value) => {
          clearTimeout(timer);
          if (settled) return;
          noteSuccess();
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (settled) return;
          noteFailure(error);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  function noteSuccess(): void {
    if (failures === 0) return;
    failures = 0;
    refresh();
  }

  function noteFailure(error: unknown): void {
    if (closed || client.status !== 'ready') return;
    lastError = summarize(error);
    failures += 1;
    if (failures === FAILING_AFTER) refresh();
  }

  /** Rejects at once when the store cannot answer now; else runs `work` within the bound. */
  function call<T>(work: () => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new Error('the Redis store is closed'));
    if (client.status !== 'ready') return Promise.reject(new Error(`Redis is not ready (${current().reason ?? client.status})`));
    let started: Promise<T>;
    try {
      started = work();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return bounded(started);
  }

  return {
    kind: 'redis',

    async get(keys) {
      if (keys.length === 0) return [];
      const values = await call(() => Promise.all(keys.map((key) => client.getBuffer(keyPrefix + key))));
      return values.map((value) => value ?? undefined);
    },

    async set(key, value, ttlMs) {
      const ttl = Math.ceil(ttlMs);
      // Redis refuses PX 0; a non-positive TTL stores nothing and forgets what was there.
      if (!(ttl > 0)) {
        await call(() => client.del(keyPrefix + key));
        return;
      }
      await call(() => client.set(keyPrefix + key, value, 'PX', ttl));
    },

    async delete(keys) {
      if (keys.length === 0) return;
      await call(() => Promise.all(keys.map((key) => client.del(keyPrefix + key))));
    },

    status() {
      return current();
    },

    close() {
      closing ??= (async () => {
        closed = true;
        stopProbe();
        if (restart) clearTimeout(restart);
        restart = undefined;
        if (client.status === 'ready') {
          // QUIT lets Redis finish what was sent; bounded like any call, then the socket goes anyway.
          await bounded(client.quit()).catch(() => undefined);
        }
        client.disconnect();
        refresh();
      })();
      return closing;
    },
  };
}
