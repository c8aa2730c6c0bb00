/**
 * The gateway's OpenTelemetry traces (README "Tracing"), exported by the real OTLP/HTTP exporter to a
 * real receiver on loopback (tests/helpers/otlp-receiver.ts), over real HTTP to real simulators: the
 * tree of an operation, retries, failures, the caller's trace context, what never leaves the gateway,
 * log correlation, and tracing off.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { loadDemoData } from '../../src/simulators/index.js';
import { createTracing, ratioSampler, type GatewayTracing } from '../../src/tracing.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { startStack, type Stack } from '../helpers/stack.js';

const ALL_DEMO_HEADERS: Record<string, string> = Object.assign({}, ...Object.values(DEMO_CREDENTIALS));
/** Retries without waiting: the tests count attempts, not backoff. */
const FAST_RETRIES = { UPSTREAM_BACKOFF_BASE_MS: '1', UPSTREAM_BACKOFF_MAX_MS: '2' };

const ADA = 'f848277c-5398-58f8-a82a-72397af2d450';
const CAROL = 'd1db2a3e-1676-4440-bc34-1aacc89fa90f';
const DROPLIT_TEST_USER = 'C573b86eeee43dd7ba0244f8a;testUser';

/** Tracing as `usergraph start` builds it from its environment, exporting to `receiver`, every trace kept. */
function tracingTo(receiver: OtlpReceiver): GatewayTracing {
  const tracing = createTracing({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl }, sampler: ratioSampler(1) });
  expect(tracing.enabled).toBe(true);
  return tracing;
}

/** A client's own span: a W3C `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header). */
function clientSpan(sampled = true): { traceparent: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceparent: `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`, traceId, spanId };
}

/** Waits until the trace `traceId` holds its SERVER span and satisfies `complete`; returns its spans. */
async function traceOf(receiver: OtlpReceiver, tracing: GatewayTracing, traceId: string, complete: (spans: ReceivedSpan[]) => boolean = () => true): Promise<ReceivedSpan[]> {
  const inTrace = (spans: ReceivedSpan[]) => spans.filter((s) => s.traceId === traceId);
  const spans = await receiver.waitForSpans(
    (all) => {
      const mine = inTrace(all);
      return mine.some((s) => s.kind === 'SERVER') && complete(mine);
    },
    { flush: () => tracing.forceFlush(), what: `trace ${traceId}` },
  );
  return inTrace(spans);
}

const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId);
const serverSpan = (spans: ReceivedSpan[]) => {
  const server = spans.filter((s) => s.kind === 'SERVER');
  expect(server).toHaveLength(1);
  return server[0]!;
};

const FOUR_PROVIDERS = `query FourProviders {
  sm: me(provider: SYNCANO) { id }
  dm: me(provider: DROPLIT) { id } du: user(provider: DROPLIT, id: "${DROPLIT_TEST_USER}") { id }
  pm: me(provider: PASSBOLT) { id } pu: user(provider: PASSBOLT, id: "${CAROL}") { id }
  bm: me(provider: BELLADATI) { id } bu: user(provider: BELLADATI, id: "124") { id }
}`;

/** Per provider: the INTERNAL spans under the operation and the route template of each one's single upstream attempt. */
const FOUR_PROVIDERS_TREE: Record<string, Record<string, string>> = {
  SYNCANO: { 'usergraph.me': '/v1.1/instances/{instance}/user/' },
  DROPLIT: { 'usergraph.me': '/api/users/{ecosystemId};{uniqueId}', 'usergraph.batch': '/api/users/{ecosystemId};{uniqueId}' },
  PASSBOLT: { 'usergraph.me': '/users/me.json', 'usergraph.batch': '/users/{id}.json' },
  BELLADATI: { 'usergraph.me': '/api/users/username/{username}', 'usergraph.batch': '/api/users/{id}' },
};

describe('the trace of a GraphQL operation', () => {
  let receiver: OtlpReceiver;
  let tracing: GatewayTracing;
  let stack: Stack;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = tracingTo(receiver);
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    stack = await startStack({
      tracing,
      logger: createLogger({ level: 'debug' }, sink),
      // Only Passbolt takes the trace context: the others must never see it.
      env: { ...FAST_RETRIES, PASSBOLT_TRACE_PROPAGATION: 'true' },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await receiver?.close();
  });

  it('is one SERVER span per operation, a span per provider batch or `me` read under it, and an upstream attempt span under each', async () => {
    stack.clearRequests();
    const res = await stack.gql(FOUR_PROVIDERS, {}, ALL_DEMO_HEADERS);
    expect(res.body.errors).toBeUndefined();
    const spans = await receiver.waitForSpans((all) => all.filter((s) => s.traceId === all.find((o) => o.name === 'query FourProviders')?.traceId).length >= 15, {
      flush: () => tracing.forceFlush(),
      what: 'the FourProviders trace',
    });
    const op = spans.find((s) => s.name === 'query FourProviders')!;
    const trace = spans.filter((s) => s.traceId === op.traceId);
    expect(trace).toHaveLength(15);
    expect(serverSpan(trace)).toBe(op);

    // The operation: no caller's trace, so a root span; named after the operation (GraphQL semantic conventions).
    expect(op.parentSpanId).toBeUndefined();
    expect(op.status.code).toBe('UNSET');
    expect(op.attributes).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'FourProviders',
      'http.request.method': 'POST',
      'url.path': '/graphql',
      'http.response.status_code': 200,
    });
    expect(op.attributes['graphql.document.hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(op.attributes).not.toHaveProperty('usergraph.error_codes');
    expect(op.resource['service.name']).toBe('usergraph');
    expect(op.scope).toBe('usergraph');

    // Under it: exactly the expected batch and `me` spans, per provider.
    const internal = childrenOf(trace, op);
    for (const s of internal) expect(s.kind).toBe('INTERNAL');
    const byProvider: Record<string, Record<string, string>> = {};
    for (const s of internal) {
      const provider = s.attributes['usergraph.provider'] as string;
      expect(byProvider[provider]?.[s.name], `${provider} has two ${s.name} spans`).toBeUndefined();
      // Each has exactly one upstream attempt under it: a CLIENT span named after the route template.
      const attempts = childrenOf(trace, s);
      expect(attempts, `${provider} ${s.name}`).toHaveLength(1);
      const attempt = attempts[0]!;
      expect(attempt.kind).toBe('CLIENT');
      expect(attempt.status.code).toBe('UNSET');
      expect(attempt.name).toBe(`GET ${attempt.attributes['url.template']}`);
      expect(attempt.attributes).toMatchObject({
        'http.request.method': 'GET',
        'http.response.status_code': 200,
        'usergraph.provider': provider,
        'usergraph.breaker.state': 'closed',
        'server.address': '127.0.0.1',
      });
      expect(attempt.attributes).not.toHaveProperty('http.request.resend_count');
      expect(attempt.attributes).not.toHaveProperty('url.full');
      expect(attempt.attributes).not.toHaveProperty('url.path');
      expect(childrenOf(trace, attempt)).toEqual([]);
      (byProvider[provider] ??= {})[s.name] = attempt.attributes['url.template'] as string;
    }
    expect(byProvider).toEqual(FOUR_PROVIDERS_TREE);

    const batches = internal.filter((s) => s.name === 'usergraph.batch');
    for (const b of batches) expect(b.attributes['usergraph.batch.size']).toBe(1);
    // One attempt span per request the providers received.
    const received = [stack.sims.syncano, stack.sims.droplit, stack.sims.passbolt, stack.sims.belladati].reduce((n, sim) => n + sim.requests().length, 0);
    expect(trace.filter((s) => s.kind === 'CLIENT')).toHaveLength(received);
  });

  it('shows a retried call as two attempt spans under one batch: the first failed, the second with http.request.resend_count 1', async () => {
    const client = clientSpan();
    stack.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 } }]);
    const res = await stack.gql(`query Retried { user(provider: PASSBOLT, id: "${ADA}") { id } }`, {}, { ...DEMO_CREDENTIALS.PASSBOLT, traceparent: client.traceparent });
    expect(res.body.data.user.id).toBe(ADA);
    const trace = await traceOf(receiver, tracing, client.traceId, (spans) => spans.filter((s) => s.kind === 'CLIENT').length >= 2);
    const op = serverSpan(trace);
    expect(op.name).toBe('query Retried');
    const [batch, ...others] = childrenOf(trace, op);
    expect(others).toEqual([]);
    expect(batch!.name).toBe('usergraph.batch');
    expect(batch!.status.code).toBe('UNSET');
    const attempts = childrenOf(trace, batch!);
    expect(attempts).toHaveLength(2);
    const first = attempts.find((a) => !('http.request.resend_count' in a.attributes))!;
    const second = attempts.find((a) => a.attributes['http.request.resend_count'] === 1)!;
    expect(first.status.code).toBe('ERROR');
    expect(first.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503', 'url.template': '/users/{id}.json' });
    expect(second.status.code).toBe('UNSET');
    expect(second.attributes).toMatchObject({ 'http.response.status_code': 200, 'url.template': '/users/{id}.json' });
    expect(second.attributes).not.toHaveProperty('error.type');
    expect(op.status.code).toBe('UNSET');
  });

  it("continues the caller's trace: every span has its trace id, the operation span's parent is its span", async () => {
    // The example ids of the W3C Trace Context recommendation.
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const res = await stack.gql(FOUR_PROVIDERS.replace('FourProviders', 'Continued'), {}, { ...ALL_DEMO_HEADERS, traceparent: `00-${traceId}-${parent}-01`, tracestate: 'vendor=opaque' });
    expect(res.body.errors).toBeUndefined();
    const trace = await traceOf(receiver, tracing, traceId, (spans) => spans.length >= 15);
    expect(trace).toHaveLength(15);
    const op = serverSpan(trace);
    expect(op.name).toBe('query Continued');
    expect(op.parentSpanId).toBe(parent);
    // Every other span descends from the operation span.
    const ids = new Set(trace.map((s) => s.spanId));
    for (const s of trace) if (s !== op) expect(ids.has(s.parentSpanId!), s.name).toBe(true);
    expect(receiver.spans().filter((s) => s.parentSpanId === parent)).toEqual([op]);

    // A malformed traceparent is ignored: the operation starts a trace of its own.
    await stack.gql(`query Malformed { me(provider: PASSBOLT) { id } }`, {}, { ...DEMO_CREDENTIALS.PASSBOLT, traceparent: `00-${traceId}-not-a-span-01` });
    const [malformed] = (await receiver.waitForSpans((all) => all.some((s) => s.name === 'query Malformed'), { flush: () => tracing.forceFlush() })).filter((s) => s.name === 'query Malformed');
    expect(malformed!.parentSpanId).toBeUndefined();
    expect(malformed!.traceId).not.toBe(traceId);
  });

  it('sends the attempt span as traceparent only to a provider with <PROVIDER>_TRACE_PROPAGATION=true', async () => {
    stack.clearRequests();
    const client = clientSpan();
    await stack.gql(FOUR_PROVIDERS.replace('FourProviders', 'Propagated'), {}, { ...ALL_DEMO_HEADERS, traceparent: client.traceparent });
    const trace = await traceOf(receiver, tracing, client.traceId, (spans) => spans.length >= 15);
    const passboltAttempts = trace.filter((s) => s.kind === 'CLIENT' && s.attributes['usergraph.provider'] === 'PASSBOLT');
    const sent = stack.sims.passbolt.requests().map((r) => r.headers.traceparent);
    expect(sent).toHaveLength(2);
    expect(sent.sort()).toEqual(passboltAttempts.map((a) => `00-${client.traceId}-${a.spanId}-01`).sort());
    for (const sim of [stack.sims.syncano, stack.sims.droplit, stack.sims.belladati]) {
      expect(sim.requests().length).toBeGreaterThan(0);
      for (const r of sim.requests()) {
        expect(r.headers).not.toHaveProperty('traceparent');
        expect(r.headers).not.toHaveProperty('tracestate');
      }
    }
  });

  it('records nothing for a caller that sampled its trace out, and passes that decision on upstream; its log lines still name the trace', async () => {
    stack.clearRequests();
    const unsampled = clientSpan(false);
    const sampled = clientSpan();
    await stack.gql(`query SampledOut { me(provider: PASSBOLT) { id } }`, {}, { ...DEMO_CREDENTIALS.PASSBOLT, traceparent: unsampled.traceparent, 'x-request-id': 'sampled-out-1' });
    // A later, sampled request: once its spans are in, anything of the earlier one would be too.
    await stack.gql(`query SampledIn { me(provider: PASSBOLT) { id } }`, {}, { ...DEMO_CREDENTIALS.PASSBOLT, traceparent: sampled.traceparent });
    await traceOf(receiver, tracing, sampled.traceId, (spans) => spans.length >= 3);
    expect(receiver.spans().filter((s) => s.traceId === unsampled.traceId)).toEqual([]);
    const mine = lines.filter((l) => l.requestId === 'sampled-out-1');
    expect(mine.length).toBeGreaterThan(0);
    // The lines group by the caller's trace, marked not sampled, under span ids of the gateway's own:
    // the operation's, and the attempt's on the upstream debug line.
    for (const line of mine) expect(line).toMatchObject({ trace_id: unsampled.traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/), trace_flags: '00' });
    const requestLines = mine.filter((l) => l.msg !== 'upstream call');
    const upstreamLines = mine.filter((l) => l.msg === 'upstream call');
    expect(upstreamLines).toHaveLength(1);
    expect(new Set(requestLines.map((l) => l.span_id)).size).toBe(1);
    expect(upstreamLines[0]!.span_id).not.toBe(requestLines[0]!.span_id);
    expect(mine.map((l) => l.span_id)).not.toContain(unsampled.spanId);
    // Passbolt (propagation on) learns the trace and that it is not sampled, never the caller's own span id.
    const first = stack.sims.passbolt.requests()[0]!;
    expect(first.headers.traceparent).toMatch(new RegExp(`^00-${unsampled.traceId}-[0-9a-f]{16}-00$`));
    expect(first.headers.traceparent).not.toContain(unsampled.spanId);
  });

  it("puts the operation span's trace_id and span_id on every log line of the request, beside its requestId", async () => {
    const client = clientSpan();
    lines.length = 0;
    // A field error: a `field error` debug line and the operation's info line, both through the request's logger.
    const res = await stack.gql(`query Logged { user(provider: PASSBOLT, id: "00000000-0000-4000-8000-000000000000") { id } }`, {}, {
      ...DEMO_CREDENTIALS.PASSBOLT,
      traceparent: client.traceparent,
      'x-request-id': 'traced-request-1',
    });
    expect(res.headers.get('x-request-id')).toBe('traced-request-1');
    const spans = await traceOf(receiver, tracing, client.traceId, (all) => all.length >= 3);
    const op = serverSpan(spans);
    const mine = lines.filter((l) => l.requestId === 'traced-request-1');
    expect(mine.map((l) => l.msg)).toEqual(expect.arrayContaining(['field error', 'graphql operation', 'upstream call']));
    for (const line of mine) {
      // The upstream debug line names its attempt's span, in the same trace; the others the operation's.
      const spanId = line.msg === 'upstream call' ? spans.find((s) => s.kind === 'CLIENT')!.spanId : op.spanId;
      expect(line).toMatchObject({ trace_id: op.traceId, span_id: spanId, trace_flags: '01' });
    }
    expect(op.attributes['usergraph.error_codes']).toEqual(['NOT_FOUND']);
    // A client's mistake is no failure of the gateway's.
    expect(op.status.code).toBe('UNSET');

    // A request refused before GraphQL runs (malformed JSON) is traced and correlated alike.
    const refused = clientSpan();
    lines.length = 0;
    const bad = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json', traceparent: refused.traceparent, 'x-request-id': 'traced-request-2' }, body: '{"query": ' });
    expect(bad.status).toBe(400);
    const refusedOp = serverSpan(await traceOf(receiver, tracing, refused.traceId));
    expect(refusedOp.attributes['http.response.status_code']).toBe(400);
    const refusedLines = lines.filter((l) => l.requestId === 'traced-request-2');
    expect(refusedLines.map((l) => l.msg)).toContain('request refused');
    for (const line of refusedLines) expect(line).toMatchObject({ trace_id: refused.traceId, span_id: refusedOp.spanId });
  });

  it('traces a directory page as a `usergraph.list` span', async () => {
    const client = clientSpan();
    const res = await stack.gql(`query Page { users(provider: PASSBOLT, first: 2) { edges { node { id } } } }`, {}, { ...DEMO_CREDENTIALS.PASSBOLT, traceparent: client.traceparent });
    expect(res.body.errors).toBeUndefined();
    const trace = await traceOf(receiver, tracing, client.traceId, (spans) => spans.length >= 3);
    const [list] = childrenOf(trace, serverSpan(trace));
    expect(list).toMatchObject({ name: 'usergraph.list', kind: 'INTERNAL', attributes: { 'usergraph.provider': 'PASSBOLT', 'usergraph.list.first': 2 } });
    expect(childrenOf(trace, list!).map((s) => s.name)).toEqual(['GET /users.json']);
  });
});

describe('the trace of an operation whose provider fails', () => {
  let receiver: OtlpReceiver;
  let tracing: GatewayTracing;
  let stack: Stack;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = tracingTo(receiver);
    stack = await startStack({ tracing, env: FAST_RETRIES });
  });
  afterAll(async () => {
    await stack?.close();
    await receiver?.close();
  });

  it("marks the failing provider's attempt and batch spans ERROR, the others' not, and lists the codes on the operation span", async () => {
    stack.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 }, times: -1 }]);
    const client = clientSpan();
    const res = await stack.gql(`query OneFails { s: me(provider: SYNCANO) { id } d: me(provider: DROPLIT) { id } p: me(provider: PASSBOLT) { id } b: me(provider: BELLADATI) { id } }`, {}, {
      ...ALL_DEMO_HEADERS,
      traceparent: client.traceparent,
    });
    expect(res.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['PROVIDER_UNAVAILABLE']);
    // Three attempts (two retries) at Passbolt, one at each of the others.
    const trace = await traceOf(receiver, tracing, client.traceId, (spans) => spans.filter((s) => s.kind === 'CLIENT').length >= 6);
    const op = serverSpan(trace);
    expect(op.status.code).toBe('ERROR');
    expect(op.attributes['usergraph.error_codes']).toEqual(['PROVIDER_UNAVAILABLE']);
    expect(op.attributes['error.type']).toBe('PROVIDER_UNAVAILABLE');
    // The HTTP exchange with the client succeeded: GraphQL answers partial data with 200.
    expect(op.attributes['http.response.status_code']).toBe(200);

    for (const s of trace.filter((x) => x !== op)) {
      const failing = s.attributes['usergraph.provider'] === 'PASSBOLT';
      expect(s.status.code, `${s.attributes['usergraph.provider']} ${s.name}`).toBe(failing ? 'ERROR' : 'UNSET');
    }
    const passboltMe = childrenOf(trace, op).find((s) => s.attributes['usergraph.provider'] === 'PASSBOLT')!;
    expect(passboltMe.attributes['error.type']).toBe('PROVIDER_UNAVAILABLE');
    const attempts = childrenOf(trace, passboltMe);
    expect(attempts.map((a) => a.attributes['http.request.resend_count'] ?? 0).sort()).toEqual([0, 1, 2]);
    for (const a of attempts) expect(a.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503' });
  });

  it("names the provider's failure as the operation's error.type, whatever other errors the response has", async () => {
    // Passbolt fails: after five consecutive failures its breaker opens and the gateway stops calling it.
    stack.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 }, times: -1 }]);
    while ((await stack.gql(`{ me(provider: PASSBOLT) { id } }`, {}, DEMO_CREDENTIALS.PASSBOLT)).body.errors[0].extensions.reason !== 'CIRCUIT_OPEN');
    const client = clientSpan();
    // Passbolt fails at once (the breaker), Syncano's NOT_FOUND needs a round trip: the failure comes first.
    const res = await stack.gql(`query Mixed { p: me(provider: PASSBOLT) { id } s: user(provider: SYNCANO, id: "999999") { id } }`, {}, { ...ALL_DEMO_HEADERS, traceparent: client.traceparent });
    expect(res.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code).sort()).toEqual(['NOT_FOUND', 'PROVIDER_UNAVAILABLE']);
    const trace = await traceOf(receiver, tracing, client.traceId, (spans) => spans.length >= 4);
    const op = serverSpan(trace);
    expect(op.status.code).toBe('ERROR');
    expect((op.attributes['usergraph.error_codes'] as string[]).sort()).toEqual(['NOT_FOUND', 'PROVIDER_UNAVAILABLE']);
    expect(op.attributes['error.type']).toBe('PROVIDER_UNAVAILABLE');
    // No attempt while the breaker is open: the `me` span alone, failed.
    const passboltMe = childrenOf(trace, op).find((s) => s.attributes['usergraph.provider'] === 'PASSBOLT')!;
    expect(passboltMe).toMatchObject({ name: 'usergraph.me', status: { code: 'ERROR' }, attributes: { 'error.type': 'PROVIDER_UNAVAILABLE' } });
    expect(childrenOf(trace, passboltMe)).toEqual([]);
  });
});

/** Distinct canary credentials (no dictionary words: any 8 characters are distinctive), accepted by the simulators. */
const CANARY = {
  syncanoApiKey: 'c0ffee11c0ffee22c0ffee33c0ffee44c0ffee55',
  syncanoUserKey: 'beef0000beef1111beef2222beef3333beef4444',
  droplitToken: 'ZqX7kP2mW9vL4tR8nB3jH6',
  passboltToken: 'eyZqA1bC2.dE3fG4hJ5.kL6mN7pQ8',
  belladatiToken: 'Zq9Wm4Tx7Rk2Vp5Ny8Gs',
};

/** The demo data with the canary credentials, and users whose names and emails are canaries too. */
function canaryData() {
  const data = loadDemoData();
  data.syncano.apiKeys = [CANARY.syncanoApiKey];
  const geralt = data.syncano.users[0] as { user_key: string; username: string };
  geralt.user_key = CANARY.syncanoUserKey;
  geralt.username = 'zqgeralt-canary';
  data.droplit.tokens = { [CANARY.droplitToken]: { type: 'server' } };
  for (const u of data.droplit.users as Array<{ id: string; email: string; meta: Record<string, unknown> }>) {
    if (u.id === DROPLIT_TEST_USER) Object.assign(u, { email: 'zqcanary.droplit@example.org', meta: { ...u.meta, $label: 'Zqdroplit Canaryuser' } });
  }
  data.passbolt.tokens = { [CANARY.passboltToken]: ADA };
  for (const u of data.passbolt.users as Array<{ id: string; username: string; profile: Record<string, unknown> }>) {
    if (u.id === ADA) Object.assign(u, { username: 'zqcanary.ada@passbolt.example', profile: { ...u.profile, first_name: 'Zqadacanary', last_name: 'Zqlovelacecanary' } });
    if (u.id === CAROL) Object.assign(u, { username: 'zqcanary.carol@passbolt.example', profile: { ...u.profile, first_name: 'Zqcarolcanary' } });
  }
  data.belladati.tokens = { [CANARY.belladatiToken]: '123' };
  for (const u of data.belladati.users as Array<{ id: string } & Record<string, unknown>>) {
    if (u.id === '123') Object.assign(u, { firstName: 'Zqjohncanary', lastName: 'Zqdoecanary' });
    if (u.id === '124') Object.assign(u, { name: 'Zqjanacanary', email: 'zqcanary.jana@example.org', username: 'zqcanary.jana@example.org' });
  }
  return data;
}

const CANARY_HEADERS = {
  'X-Syncano-Api-Key': CANARY.syncanoApiKey,
  'X-Syncano-User-Key': CANARY.syncanoUserKey,
  'X-Droplit-Token': CANARY.droplitToken,
  'X-Droplit-User': 'C573b86eeee43dd7ba0244f8a;test',
  'X-Passbolt-Token': CANARY.passboltToken,
  'X-BellaDati-Token': CANARY.belladatiToken,
  'X-BellaDati-Username': 'myusername@example.com',
};

/** Every string of a response's data worth scanning for: ids of 8+ characters, names, usernames, emails. */
function userStrings(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string' && (value.length >= 8 || value.includes('@'))) out.add(value);
  else if (Array.isArray(value)) for (const v of value) userStrings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) userStrings(v, out);
  return out;
}

describe('what a trace never holds', () => {
  let receiver: OtlpReceiver;
  let stack: Stack;
  const seen = new Set<string>();

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    stack = await startStack({ tracing: tracingTo(receiver), data: canaryData(), env: { ...FAST_RETRIES, PASSBOLT_TRACE_PROPAGATION: 'true' } });
    const fields = 'id username email displayName givenName familyName';
    const ok = await stack.gql(
      `query Everything($carol: ID!, $search: String) {
        sm: me(provider: SYNCANO) { ${fields} }
        dm: me(provider: DROPLIT) { ${fields} } du: user(provider: DROPLIT, id: "${DROPLIT_TEST_USER}") { ${fields} }
        pm: me(provider: PASSBOLT) { ${fields} } pu: user(provider: PASSBOLT, id: $carol) { ${fields} }
        bm: me(provider: BELLADATI) { ${fields} } bu: user(provider: BELLADATI, id: "124") { ${fields} }
        list: users(provider: PASSBOLT, first: 3, filter: { search: $search }) { edges { node { ${fields} } } }
      }`,
      { carol: CAROL, search: 'zqcanary' },
      { ...CANARY_HEADERS, traceparent: clientSpan().traceparent },
    );
    expect(ok.body.errors).toBeUndefined();
    userStrings(ok.body.data, seen);
    // Failures too: an upstream error body quoting a credential, a retry, an unknown id.
    stack.sims.droplit.injectFaults([{ fault: { kind: 'status', status: 500, body: `boom ${CANARY.droplitToken}` }, times: 3 }]);
    stack.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 } }]);
    const failing = await stack.gql(
      `query Failing { dm: me(provider: DROPLIT) { id } pm: me(provider: PASSBOLT) { ${fields} } px: user(provider: PASSBOLT, id: "00000000-0000-4000-8000-00000000c0de") { id } }`,
      {},
      CANARY_HEADERS,
    );
    expect(failing.body.errors.length).toBeGreaterThan(0);
    userStrings(failing.body.data, seen);
    seen.add('00000000-0000-4000-8000-00000000c0de');
    // Stopping the gateway flushes its traces.
    await stack.gateway.stop();
  });
  afterAll(async () => {
    await stack?.close();
    await receiver?.close();
  });

  it('exports the operations (the scan below covers real exports)', () => {
    const names = receiver.spans().map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['query Everything', 'query Failing', 'usergraph.list', 'GET /users/{id}.json']));
    expect(receiver.exports.length).toBeGreaterThan(0);
    // The bodies scanned are the bytes exported (protobuf by default), and their strings read as text.
    expect(receiver.exports.map((e) => e.protocol)).toEqual(receiver.exports.map(() => 'http/protobuf'));
    expect(receiver.exports.map((e) => e.body).join('\n')).toContain('query Everything');
    // The data did carry the canary users: the scan looks for something that was there to leak.
    expect([...seen]).toEqual(expect.arrayContaining(['zqcanary.ada@passbolt.example', 'Zqadacanary Zqlovelacecanary', CAROL, DROPLIT_TEST_USER, 'zqcanary.jana@example.org']));
  });

  it('holds no credential, nor any 8 characters of one, in any export body', () => {
    const bodies = receiver.exports.map((e) => e.body).join('\n');
    for (const canary of Object.values(CANARY)) {
      for (let i = 0; i + 8 <= canary.length; i++) expect(bodies, canary).not.toContain(canary.slice(i, i + 8));
    }
    // Nor in an export request's headers.
    const headers = JSON.stringify(receiver.exports.map((e) => e.headers));
    for (const canary of Object.values(CANARY)) expect(headers).not.toContain(canary.slice(0, 8));
  });

  it("holds no user's id, username, email or name, nor the filter the client sent", () => {
    const bodies = receiver.exports.map((e) => e.body).join('\n');
    for (const value of [...seen, 'zqcanary', 'C573b86eeee43dd7ba0244f8a', 'myusername@example.com']) expect(bodies, value).not.toContain(value);
  });
});

describe('tracing off', () => {
  let receiver: OtlpReceiver;
  let stack: Stack;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    // OTEL_SDK_DISABLED wins over an endpoint (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#general-sdk-configuration).
    const tracing = createTracing({ env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    expect(tracing.enabled).toBe(false);
    expect(createTracing({ env: { OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl } }).enabled).toBe(false);
    expect(createTracing({ env: {} }).enabled).toBe(false);
    stack = await startStack({ tracing, logger: createLogger({ level: 'debug' }, sink), env: { PASSBOLT_TRACE_PROPAGATION: 'true' } });
  });
  afterAll(async () => {
    await stack?.close();
    await receiver?.close();
  });

  it("exports nothing and forwards no trace context upstream; log lines carry the caller's trace ids, and none without them", async () => {
    const client = clientSpan();
    const res = await stack.gql(`query Untraced { me(provider: PASSBOLT) { id } }`, {}, { ...DEMO_CREDENTIALS.PASSBOLT, traceparent: client.traceparent, 'x-request-id': 'untraced-1' });
    expect(res.body.data.me.id).toBe(ADA);
    const plain = await stack.gql(`query Plain { me(provider: PASSBOLT) { id } }`, {}, { ...DEMO_CREDENTIALS.PASSBOLT, 'x-request-id': 'untraced-2' });
    expect(plain.body.data.me.id).toBe(ADA);
    const malformed = await stack.gql(`query Malformed { me(provider: PASSBOLT) { id } }`, {}, { ...DEMO_CREDENTIALS.PASSBOLT, traceparent: `00-${client.traceId}-nope-01`, 'x-request-id': 'untraced-3' });
    expect(malformed.body.data.me.id).toBe(ADA);
    await stack.gateway.stop();
    expect(receiver.exports).toEqual([]);
    const mine = lines.filter((l) => l.requestId === 'untraced-1');
    expect(mine.map((l) => l.msg)).toContain('graphql operation');
    // The gateway makes no span: its lines, the upstream debug line too, name the caller's span, so
    // they show up under the caller's trace.
    expect(mine.map((l) => l.msg)).toContain('upstream call');
    for (const line of mine) expect(line).toMatchObject({ trace_id: client.traceId, span_id: client.spanId, trace_flags: '01' });
    for (const id of ['untraced-2', 'untraced-3']) {
      const others = lines.filter((l) => l.requestId === id);
      expect(others.map((l) => l.msg)).toContain('graphql operation');
      for (const line of others) {
        expect(line).not.toHaveProperty('trace_id');
        expect(line).not.toHaveProperty('span_id');
      }
    }
    for (const r of stack.sims.passbolt.requests()) expect(r.headers).not.toHaveProperty('traceparent');
  });
});
