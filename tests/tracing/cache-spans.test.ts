/**
 * The shared cache in a trace (README "Tracing"): with a real Redis server, a batch's store calls are
 * CLIENT spans under it (`GET`, `SET`, by the database conventions), the batch says how the cache
 * answered (hit, miss, stale), a hit makes no upstream attempt span, a stale answer marks the failed
 * attempt and not the operation, and no span holds a cache key or a credential.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { createTracing, ratioSampler, type GatewayTracing } from '../../src/tracing.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { startStack, type Stack } from '../helpers/stack.js';

const ADA = 'f848277c-5398-58f8-a82a-72397af2d450';
const CAROL = 'd1db2a3e-1676-4440-bc34-1aacc89fa90f';
const QUERY = `query Cached($a: ID!, $b: ID!) { a: user(provider: PASSBOLT, id: $a) { id username } b: user(provider: PASSBOLT, id: $b) { id username } }`;

describe('the cache in a trace', () => {
  let redis: RedisServer;
  let receiver: OtlpReceiver;
  let tracing: GatewayTracing;
  let stack: Stack;

  beforeAll(async () => {
    redis = await startRedis();
    receiver = await startOtlpReceiver();
    tracing = createTracing({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl }, sampler: ratioSampler(1) });
    stack = await startStack({
      tracing,
      env: {
        REDIS_URL: redis.url,
        CACHE_KEY_SECRET: 'cache-spans-test-secret-3Fq8Lw2Zr6Tn9Vb1Xc5Md7',
        CACHE_TTL_S: '60',
        CACHE_STALE_IF_ERROR_S: '600',
        UPSTREAM_RETRIES: '0',
      },
      // The cache's clock: moved past the TTL for the stale answer.
      now: () => now,
    });
    // Until its Redis connection is up the gateway answers without the store (and says `degraded`).
    const readyz = stack.url.replace(/\/graphql$/, '/readyz');
    for (;;) {
      const body = (await (await fetch(readyz)).json()) as { status: string };
      if (body.status === 'ready') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  let now = Date.parse('2026-12-02T08:00:00Z');
  afterAll(async () => {
    await stack?.close();
    await redis?.stop();
    await receiver?.close();
  });

  /** Runs the query under a fresh trace and returns the trace's spans once `count` have arrived. */
  async function traced(count: number): Promise<{ spans: ReceivedSpan[]; errors: unknown }> {
    const traceId = randomBytes(16).toString('hex');
    const res = await stack.gql(QUERY, { a: ADA, b: CAROL }, { ...DEMO_CREDENTIALS.PASSBOLT, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` });
    const mine = (all: ReceivedSpan[]) => all.filter((s) => s.traceId === traceId);
    const all = await receiver.waitForSpans((spans) => mine(spans).some((s) => s.kind === 'SERVER') && mine(spans).length >= count, {
      flush: () => tracing.forceFlush(),
      what: `trace ${traceId}`,
    });
    return { spans: mine(all), errors: res.body.errors };
  }

  const under = (spans: ReceivedSpan[], parent: ReceivedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId);

  it('a miss: one GET of both keys, the two upstream attempts, a SET per user, all under the batch', async () => {
    const { spans, errors } = await traced(7);
    expect(errors).toBeUndefined();
    const batch = spans.find((s) => s.name === 'usergraph.batch')!;
    expect(batch.attributes).toMatchObject({ 'usergraph.cache.miss': 2, 'usergraph.batch.size': 2 });
    const children = under(spans, batch);
    const store = children.filter((s) => s.attributes['db.system.name'] === 'redis');
    expect(store.map((s) => s.name).sort()).toEqual(['GET', 'SET', 'SET']);
    for (const s of store) expect(s).toMatchObject({ kind: 'CLIENT', status: { code: 'UNSET' }, attributes: { 'db.operation.name': s.name, 'usergraph.provider': 'PASSBOLT' } });
    expect(store.find((s) => s.name === 'GET')!.attributes['db.operation.batch.size']).toBe(2);
    expect(children.filter((s) => s.name === 'GET /users/{id}.json')).toHaveLength(2);
  });

  it('a hit: the batch says so, one GET span, no upstream attempt', async () => {
    const { spans } = await traced(3);
    const batch = spans.find((s) => s.name === 'usergraph.batch')!;
    expect(batch.attributes).toMatchObject({ 'usergraph.cache.hit': 2 });
    expect(under(spans, batch).map((s) => s.name)).toEqual(['GET']);
    expect(spans.filter((s) => s.kind === 'CLIENT' && s.attributes['usergraph.provider'] === 'PASSBOLT' && s.name !== 'GET')).toEqual([]);
  });

  it('stale: past the TTL with the provider failing, the failed attempts are ERROR, the batch and the operation answer stale', async () => {
    now += 120_000;
    stack.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 }, times: 2 }]);
    const { spans, errors } = await traced(5);
    expect(errors).toBeUndefined();
    const batch = spans.find((s) => s.name === 'usergraph.batch')!;
    expect(batch.attributes).toMatchObject({ 'usergraph.cache.stale': 2 });
    expect(batch.status.code).toBe('UNSET');
    const attempts = under(spans, batch).filter((s) => s.name === 'GET /users/{id}.json');
    expect(attempts).toHaveLength(2);
    for (const a of attempts) expect(a).toMatchObject({ status: { code: 'ERROR' }, attributes: { 'http.response.status_code': 503 } });
    expect(spans.find((s) => s.kind === 'SERVER')!.status.code).toBe('UNSET');
  });

  it('a Redis that does not answer: the GET span is an ERROR with error.type, the request is answered from the provider', async () => {
    redis.pause();
    try {
      now += 1_000_000;
      const { spans, errors } = await traced(5);
      expect(errors).toBeUndefined();
      const get = spans.find((s) => s.name === 'GET' && s.attributes['db.system.name'] === 'redis')!;
      expect(get).toMatchObject({ status: { code: 'ERROR' } });
      expect(['timeout', 'store_error']).toContain(get.attributes['error.type']);
      expect(spans.filter((s) => s.name === 'GET /users/{id}.json')).toHaveLength(2);
    } finally {
      redis.resume();
    }
  });

  it('no span holds a cache key, a stored value or a credential', async () => {
    const keys = (await redis.scanAll()).map((entry) => entry.key.toString('utf8'));
    expect(keys.length).toBeGreaterThan(0);
    const exported = receiver.exports.map((e) => e.body).join('\n');
    for (const key of keys) expect(exported).not.toContain(key.slice(-24));
    for (const secret of Object.values(DEMO_CREDENTIALS.PASSBOLT)) expect(exported).not.toContain(secret);
  });
});
