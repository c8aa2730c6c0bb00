/**
 * The shared store (src/cache/redis-store.ts) against a real redis-server (tests/helpers/redis.ts):
 * reads, writes, deletes, the key prefix and TTL as Redis holds them; a crashed, stopped, hung or
 * not-yet-started server makes calls reject (never hang) and the status degraded, and the store
 * recovers by itself when Redis is back; the password never reaches a log line; no error escapes as an
 * unhandled rejection or exception. Also over a one-node Redis Cluster and through a Sentinel.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore, type RedisStoreOptions } from '../../src/cache/redis-store.js';
import type { CacheStore, StoreStatus } from '../../src/cache/store.js';
import { startRedis, startSentinel, type RedisServer } from '../helpers/redis.js';

const PASSWORD = 'pw-canary-5d1e';
const TIMEOUT_MS = 250;
const WAIT_MS = 45_000;

// Anything that escapes the store as an unhandled rejection or exception fails the file.
const escaped: unknown[] = [];
const onEscape = (error: unknown): void => {
  escaped.push(error);
};
beforeAll(() => {
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
});
afterAll(() => {
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
  expect(escaped).toEqual([]);
});

/** Polls `check` until it holds (generous: the CI machine is slow at times). */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Harness {
  store: CacheStore;
  /** Every status reported to onStateChange, in order. */
  changes: StoreStatus[];
  /** Every log line so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  /** The raw log text. */
  logText(): string;
}

const stores: CacheStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

let prefixes = 0;
function open(url: string, overrides: Partial<RedisStoreOptions> = {}): Harness {
  const changes: StoreStatus[] = [];
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  const store = createRedisStore({
    url,
    timeoutMs: TIMEOUT_MS,
    keyPrefix: `t${++prefixes}:`,
    logger: pino({ level: 'debug' }, sink),
    onStateChange: (status) => changes.push(status),
    ...overrides,
  });
  stores.push(store);
  return {
    store,
    changes,
    logs: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    logText: () => text,
  };
}

const ok = (store: CacheStore): boolean => store.status().state === 'ok';
const bytes = (text: string): Buffer => Buffer.from(text);

describe('redis store, one server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
  });
  afterAll(async () => {
    await redis?.stop('SIGTERM');
  });

  it('gets, sets and deletes, answering in key order', async () => {
    const { store } = open(redis.url, { keyPrefix: 'basic:' });
    expect(store.kind).toBe('redis');
    await until('the store is ok', () => ok(store));
    expect(await store.get(['a', 'b'])).toEqual([undefined, undefined]);
    await store.set('a', bytes('one'), 60_000);
    await store.set('b', Buffer.from([0, 255, 1, 254]), 60_000);
    expect(await store.get(['b', 'missing', 'a'])).toEqual([Buffer.from([0, 255, 1, 254]), undefined, bytes('one')]);
    await store.set('a', bytes('uno'), 60_000);
    expect(await store.get(['a'])).toEqual([bytes('uno')]);
    await store.delete(['a', 'missing']);
    expect(await store.get(['a', 'b'])).toEqual([undefined, Buffer.from([0, 255, 1, 254])]);
    expect(await store.get([])).toEqual([]);
    await store.delete([]);
  });

  it('reads and deletes many keys in one call', async () => {
    const { store } = open(redis.url);
    await until('the store is ok', () => ok(store));
    const keys = Array.from({ length: 300 }, (_, i) => `user:PASSBOLT:k${i}`);
    await Promise.all(keys.map((key, i) => (i % 2 === 0 ? store.set(key, bytes(`v${i}`), 60_000) : Promise.resolve())));
    const values = await store.get(keys);
    expect(values).toEqual(keys.map((_, i) => (i % 2 === 0 ? bytes(`v${i}`) : undefined)));
    await store.delete(keys);
    expect((await store.get(keys)).every((value) => value === undefined)).toBe(true);
  });

  it('prepends the key prefix and stores the bytes as given', async () => {
    const { store } = open(redis.url, { keyPrefix: 'usergraph-test:' });
    await until('the store is ok', () => ok(store));
    const value = Buffer.from([1, 2, 3, 0, 4]);
    await store.set('apq:abc123', value, 60_000);
    const entries = await redis.scanAll();
    const ours = entries.filter(({ key }) => key.toString().includes('apq:abc123'));
    expect(ours.map(({ key }) => key.toString())).toEqual(['usergraph-test:apq:abc123']);
    expect(ours[0]?.value).toEqual(value);
  });

  it('gives each entry its TTL in Redis (SET … PX), and a non-positive TTL stores nothing', async () => {
    const { store } = open(redis.url, { keyPrefix: 'ttl:' });
    await until('the store is ok', () => ok(store));
    await store.set('k', bytes('v'), 30_000);
    const raw = redis.client();
    try {
      const pttl = await raw.pttl('ttl:k');
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(30_000);
      await store.set('k', bytes('w'), 0);
      expect(await raw.exists('ttl:k')).toBe(0);
    } finally {
      raw.disconnect();
    }
  });

  it('answers from Redis after a restart of the store (entries are shared, not per process)', async () => {
    const first = open(redis.url, { keyPrefix: 'shared:' }).store;
    await until('the first store is ok', () => ok(first));
    await first.set('k', bytes('from the first replica'), 60_000);
    const second = open(redis.url, { keyPrefix: 'shared:' }).store;
    await until('the second store is ok', () => ok(second));
    expect(await second.get(['k'])).toEqual([bytes('from the first replica')]);
  });

  it('closes: idempotent, later calls reject, its connection is gone from the server', async () => {
    const { store, changes } = open(redis.url, { keyPrefix: 'close:' });
    await until('the store is ok', () => ok(store));
    const raw = redis.client();
    try {
      const ours = async (): Promise<number> => String(await raw.call('CLIENT', 'LIST')).split('\n').filter((line) => line.includes('name=usergraph')).length;
      expect(await ours()).toBeGreaterThan(0);
      await Promise.all([store.close(), store.close()]);
      await store.close();
      expect(store.status()).toEqual({ state: 'degraded', reason: 'closed' });
      expect(changes.at(-1)).toEqual({ state: 'degraded', reason: 'closed' });
      await expect(store.get(['k'])).rejects.toThrow(/closed/);
      await expect(store.set('k', bytes('v'), 1000)).rejects.toThrow(/closed/);
      await expect(store.delete(['k'])).rejects.toThrow(/closed/);
      await until('the server no longer lists the connection', async () => (await ours()) === 0);
    } finally {
      raw.disconnect();
    }
  });

  it('with a wrong password: degraded, calls reject, and the password is in no log line', async () => {
    const wrong = 'wrong-canary-88a0';
    const { store, logText } = open(redis.url.replace(PASSWORD, wrong));
    await until('the failure is logged', () => logText().includes('WRONGPASS'));
    expect(store.status()).toEqual({ state: 'degraded', reason: 'connecting' });
    await expect(store.get(['k'])).rejects.toThrow();
    await expect(store.set('k', bytes('v'), 1000)).rejects.toThrow();
    expect(logText()).not.toContain(wrong);
    expect(logText()).toContain('redis://:***@127.0.0.1');
  });
});

describe('redis store, server failures', () => {
  it('a crashed server: calls reject and the status is degraded; back again: ok and answering', async () => {
    const redis = await startRedis({ password: PASSWORD });
    try {
      const { store, changes, logs, logText } = open(redis.url);
      await until('the store is ok', () => ok(store));
      await store.set('k', bytes('v'), 60_000);

      await redis.stop('SIGKILL');
      // Whether or not the store has noticed yet, each call settles by rejecting.
      await expect(store.get(['k'])).rejects.toThrow();
      await expect(store.set('k', bytes('v'), 60_000)).rejects.toThrow();
      await expect(store.delete(['k'])).rejects.toThrow();
      await until('the store reports the outage', () => store.status().state === 'degraded');
      expect(store.status()).toEqual({ state: 'degraded', reason: 'reconnecting' });
      await expect(store.get(['k'])).rejects.toThrow(/not ready/);

      await redis.restart();
      await until('the store is ok again', () => ok(store));
      // The server lost its data in the crash: a miss, then it works as before.
      expect(await store.get(['k'])).toEqual([undefined]);
      await store.set('k', bytes('again'), 60_000);
      expect(await store.get(['k'])).toEqual([bytes('again')]);

      expect(changes).toContainEqual({ state: 'degraded', reason: 'reconnecting' });
      expect(changes.at(-1)).toEqual({ state: 'ok' });
      // One warning for the outage however many reconnection attempts it took.
      const warnings = logs().filter((line) => line.level === 40);
      expect(warnings.map((line) => line.reason)).toEqual(['reconnecting']);
      expect(warnings[0]?.redis).toBe(`redis://:***@127.0.0.1:${redis.port}`);
      expect(logText()).not.toContain(PASSWORD);
    } finally {
      await redis.stop();
    }
  });

  it('a server shut down gracefully: calls reject; restarted: ok again', async () => {
    const redis = await startRedis();
    try {
      const { store } = open(redis.url);
      await until('the store is ok', () => ok(store));
      await redis.stop('SIGTERM');
      await until('the store reports the outage', () => store.status().state === 'degraded');
      await expect(store.get(['k'])).rejects.toThrow();
      await expect(store.set('k', bytes('v'), 1000)).rejects.toThrow();
      await redis.restart();
      await until('the store is ok again', () => ok(store));
      await store.set('k', bytes('v'), 60_000);
      expect(await store.get(['k'])).toEqual([bytes('v')]);
    } finally {
      await redis.stop();
    }
  });

  it('a store created while Redis is down starts degraded, then works once Redis starts', async () => {
    const redis = await startRedis({ password: PASSWORD });
    try {
      await redis.stop();
      const { store, changes, logs, logText } = open(redis.url);
      expect(store.status()).toEqual({ state: 'degraded', reason: 'connecting' });
      await expect(store.get(['k'])).rejects.toThrow(/not ready/);
      await expect(store.set('k', bytes('v'), 1000)).rejects.toThrow(/not ready/);
      await expect(store.delete(['k'])).rejects.toThrow(/not ready/);
      await until('the unreachable server is logged', () => logs().some((line) => line.level === 40));
      expect(logs().find((line) => line.level === 40)).toMatchObject({ reason: 'connecting', redis: `redis://:***@127.0.0.1:${redis.port}` });

      await redis.restart();
      await until('the store is ok', () => ok(store));
      expect(changes).toEqual([{ state: 'ok' }]);
      await store.set('k', bytes('v'), 60_000);
      expect(await store.get(['k'])).toEqual([bytes('v')]);
      expect(logText()).not.toContain(PASSWORD);
    } finally {
      await redis.stop();
    }
  });

  it('a hung server: calls reject, the status turns failing; answering again: ok', async () => {
    const redis = await startRedis();
    try {
      const { store, changes } = open(redis.url);
      await until('the store is ok', () => ok(store));
      await store.set('k', bytes('v'), 60_000);

      redis.pause();
      // The connection stays open: only the per-call bound ends these.
      for (let i = 0; i < 3; i++) await expect(store.get(['k'])).rejects.toThrow();
      expect(store.status()).toEqual({ state: 'degraded', reason: 'failing' });

      redis.resume();
      // Nobody calls the store: its own probe notices the server answering again.
      await until('the store is ok again', () => ok(store));
      expect(await store.get(['k'])).toEqual([bytes('v')]);
      expect(changes).toEqual([{ state: 'ok' }, { state: 'degraded', reason: 'failing' }, { state: 'ok' }]);
    } finally {
      redis.resume();
      await redis.stop();
    }
  });
});

describe('redis store, other deployments', () => {
  it('over Redis Cluster (one node owning every slot): keys spread over slots, prefixed, with TTLs', async () => {
    const redis = await startRedis({ cluster: true, password: PASSWORD });
    try {
      expect(redis.url).toMatch(/^redis\+cluster:\/\//);
      const { store, logText } = open(redis.url, { keyPrefix: 'cl:' });
      await until('the store is ok', () => ok(store));
      // Keys in many different hash slots in one call: no CROSSSLOT.
      const keys = Array.from({ length: 100 }, (_, i) => `user:SYNCANO:k${i}`);
      await Promise.all(keys.map((key, i) => store.set(key, bytes(`v${i}`), 60_000)));
      expect(await store.get(keys)).toEqual(keys.map((_, i) => bytes(`v${i}`)));
      const entries = await redis.scanAll();
      expect(entries.map(({ key }) => key.toString()).sort()).toEqual(keys.map((key) => `cl:${key}`).sort());
      const raw = redis.client();
      try {
        expect(await raw.pttl('cl:user:SYNCANO:k0')).toBeGreaterThan(0);
      } finally {
        raw.disconnect();
      }
      await store.delete(keys);
      expect((await store.get(keys)).every((value) => value === undefined)).toBe(true);

      await redis.stop();
      await expect(store.get(keys)).rejects.toThrow();
      await until('the store reports the outage', () => store.status().state === 'degraded');
      await expect(store.set('k', bytes('v'), 1000)).rejects.toThrow();
      await redis.restart();
      await until('the store is ok again', () => ok(store));
      await store.set('k', bytes('back'), 60_000);
      expect(await store.get(['k'])).toEqual([bytes('back')]);
      expect(logText()).not.toContain(PASSWORD);
    } finally {
      await redis.stop();
    }
  });

  it('through a Sentinel: finds the master by name and uses it', async () => {
    const redis = await startRedis({ password: PASSWORD });
    const sentinel = await startSentinel(redis, 'usergraph-master', PASSWORD);
    try {
      expect(sentinel.url).toMatch(/^redis\+sentinel:\/\/.*\/usergraph-master$/);
      const { store, logText } = open(sentinel.url, { keyPrefix: 'sn:' });
      await until('the store is ok', () => ok(store));
      await store.set('k', bytes('via sentinel'), 60_000);
      expect(await store.get(['k'])).toEqual([bytes('via sentinel')]);
      const entries = await redis.scanAll();
      expect(entries.find(({ key }) => key.toString() === 'sn:k')?.value).toEqual(bytes('via sentinel'));
      expect(logText()).not.toContain(PASSWORD);
    } finally {
      await sentinel.stop();
      await redis.stop();
    }
  });

  it('never throws at construction for an unreachable Sentinel or Cluster, and reports connecting', async () => {
    // Port 1 on loopback: nothing listens there.
    for (const url of ['redis+sentinel://:x@127.0.0.1:1/m', 'redis+cluster://:x@127.0.0.1:1']) {
      const { store, logs } = open(url);
      expect(store.status()).toEqual({ state: 'degraded', reason: 'connecting' });
      await expect(store.get(['k'])).rejects.toThrow(/not ready/);
      await until('the unreachable server is logged', () => logs().some((line) => line.level === 40));
      await store.close();
      expect(store.status()).toEqual({ state: 'degraded', reason: 'closed' });
    }
  });
});
