/**
 * Automatic persisted queries over real HTTP: registered by hash and text, then answered by hash
 * alone; shared by every gateway on one real Redis, stored there sealed; and a Redis that goes away
 * only makes the client send the text again, never fails a request.
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { readJson, startStack, type Stack } from '../helpers/stack.js';

const ADA = 'f848277c-5398-58f8-a82a-72397af2d450';
const SECRET = 'apq-tests-cache-key-secret-0123456789abcdef';

/** A query carrying a literal (the id) that must never be readable in the store. */
function adaQuery(tag: string) {
  const query = `query Ada${tag} { user(provider: PASSBOLT, id: "${ADA}") { id email } }`;
  return { query, hash: createHash('sha256').update(query).digest('hex') };
}

const extensions = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

async function post(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...DEMO_CREDENTIALS.PASSBOLT }, body: JSON.stringify(body) });
  return { status: res.status, body: await readJson(res) };
}

const register = (url: string, q: { query: string; hash: string }) => post(url, { query: q.query, extensions: extensions(q.hash) });
const byHash = (url: string, hash: string) => post(url, { extensions: extensions(hash) });

/** Polls until `probe` gives a value, for as long as the test's own timeout allows. */
async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Registers through `registrar` until `reader` answers the hash alone (the store write is not awaited by the response). */
async function registerUntilKnown(registrar: string, reader: string, q: { query: string; hash: string }) {
  return until(async () => {
    const registered = await register(registrar, q);
    expect(registered.body.data?.user?.id).toBe(ADA);
    const res = await byHash(reader, q.hash);
    return res.body.data ? res : undefined;
  });
}

function captureLines() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug' }, sink) };
}

describe('APQ in the in-process store', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers a hash alone once hash and text were sent together', async () => {
    const q = adaQuery('Memory');
    const first = await byHash(stack.url, q.hash);
    expect(first.status).toBe(200);
    expect(first.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');

    const registered = await register(stack.url, q);
    expect(registered.status).toBe(200);
    expect(registered.body).toEqual({ data: { user: { id: ADA, email: expect.any(String) } } });

    const res = await until(async () => {
      const r = await byHash(stack.url, q.hash);
      return r.body.data ? r : undefined;
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(registered.body);
  });

  it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND', async () => {
    const res = await byHash(stack.url, 'ab'.repeat(32));
    expect(res.status).toBe(200);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('answers a hash that is not a SHA-256 with PERSISTED_QUERY_NOT_FOUND', async () => {
    const res = await byHash(stack.url, 'not-a-hash');
    expect(res.status).toBe(200);
    expect(res.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('APQ turned off (PERSISTED_QUERIES=false)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { PERSISTED_QUERIES: 'false' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers PERSISTED_QUERY_NOT_SUPPORTED, and plain queries as before', async () => {
    const q = adaQuery('Off');
    expect((await register(stack.url, q)).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
    expect((await post(stack.url, { query: q.query })).body.data.user.id).toBe(ADA);
  });
});

describe('APQ shared by two gateways through one Redis', () => {
  let redis: RedisServer;
  let a: Stack;
  let b: Stack;
  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, CACHE_KEY_SECRET: SECRET };
    [a, b] = await Promise.all([startStack({ env }), startStack({ env })]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('knows on gateway B a hash registered through gateway A', async () => {
    const q = adaQuery('Shared');
    // Never registered on B: B can only know it from Redis.
    expect((await byHash(b.url, q.hash)).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const res = await registerUntilKnown(a.url, b.url, q);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { user: { id: ADA, email: expect.any(String) } } });
  });

  it('keeps it under usergraph:apq:<sha256>, and no key or value in Redis holds the query text or its literal', async () => {
    const q = adaQuery('AtRest');
    await registerUntilKnown(a.url, a.url, q);
    const entries = await redis.scanAll();
    expect(entries.map((e) => e.key.toString('latin1'))).toContain(`usergraph:apq:${q.hash}`);
    for (const { key, value } of entries) {
      for (const secret of [q.query, ADA, `AdaAtRest`, 'user(provider']) {
        expect(key.includes(Buffer.from(secret)), `key ${key.toString('latin1')}`).toBe(false);
        expect(value?.includes(Buffer.from(secret)) ?? false, `value of ${key.toString('latin1')}`).toBe(false);
      }
    }
  });
});

describe('APQ while Redis is down', () => {
  let redis: RedisServer;
  let stack: Stack;
  const { lines, logger } = captureLines();
  beforeAll(async () => {
    redis = await startRedis();
    stack = await startStack({ env: { REDIS_URL: redis.url, CACHE_KEY_SECRET: SECRET }, logger });
  });
  afterAll(async () => {
    await stack?.close();
    await redis?.stop();
  });

  it('answers a known hash with PERSISTED_QUERY_NOT_FOUND (never a 500), and hash plus text as usual', async () => {
    const q = adaQuery('Down');
    await registerUntilKnown(stack.url, stack.url, q);
    await redis.stop();
    lines.length = 0;

    const res = await byHash(stack.url, q.hash);
    expect(res.status).toBe(200);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');

    // What the client does next: the text again, with its hash.
    const resent = await register(stack.url, q);
    expect(resent.status).toBe(200);
    expect(resent.body).toEqual({ data: { user: { id: ADA, email: expect.any(String) } } });

    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
  });
});
