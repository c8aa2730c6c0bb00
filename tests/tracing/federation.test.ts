/**
 * The federation hop in a trace (README "Tracing", "Trace context from clients and routers"): a client
 * calls Hive Gateway's runtime in front of usergraph and the tickets and vault subgraphs
 * (tests/federation/harness.ts, with deploy/federation/hive-gateway.config.ts's header propagation),
 * with its own W3C `traceparent`; usergraph traces with its real OTLP exporter to a real receiver on
 * loopback (tests/helpers/otlp-receiver.ts).
 *
 * - With the router's own tracing (Hive Gateway's OpenTelemetry plugin,
 *   https://the-guild.dev/graphql/hive/docs/gateway/monitoring-tracing, exporting to a receiver of
 *   its own): one trace runs from the client's span through the router's spans to its fetch of
 *   usergraph, whose operation span is that fetch's child (the router sends its own `traceparent`),
 *   and on to usergraph's batch and upstream attempt spans, for a root field and for `_entities`.
 * - Without it (the deploy/federation config alone): the client's `traceparent` and `tracestate` pass
 *   through the router, and usergraph's operation span is the client's span's child.
 * - Either way no provider credential reaches a receiver.
 *
 * The plugin reads the OpenTelemetry API's global tracer provider and propagator (1.5.3 ignores a
 * `traces.tracer` passed to it), so the router's part registers both, but no context manager (the
 * plugin then parents its spans through each request's state), and undoes them afterwards. usergraph
 * uses no global (src/tracing.ts), and vitest runs each test file in a process of its own (the
 * default pool and isolation, which vitest.config.ts keeps). No auto-instrumentation is installed:
 * every span comes from the plugin (scope `gateway`) or from usergraph's tracer (scope `usergraph`),
 * which the tests check.
 */
import { randomBytes } from 'node:crypto';
import { useOpenTelemetry } from '@graphql-hive/plugin-opentelemetry';
import { hive } from '@graphql-hive/plugin-opentelemetry/api';
import { propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTracing, ratioSampler, type GatewayTracing } from '../../src/tracing.js';
import { allSims } from '../contract/context.js';
import { loadContractFixtures, startTicketsSubgraph, startVaultSubgraph, type TicketsSubgraph, type UserKey, type VaultSubgraph } from '../federation/fixtures.js';
import { startFederation, type Federation } from '../federation/harness.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';

const fixtures = await loadContractFixtures();
/** The demo credentials that let usergraph read every fixture id of every provider. */
const READ_HEADERS = Object.assign({}, ...fixtures.map((f) => f.headers)) as Record<string, string>;
/** Every provider's credential headers, each with a distinct value found nowhere else. */
const CANARY_HEADERS = Object.assign({}, ...fixtures.map((f) => f.canaryHeaders)) as Record<string, string>;
/** Every credential header a client sends in this file, with its value. */
const CREDENTIALS: Array<[string, string]> = [READ_HEADERS, ...fixtures.map((f) => f.me.headers), CANARY_HEADERS].flatMap((h) => Object.entries(h));

/** Retries without waiting: the tests count attempts, not backoff. */
const FAST_RETRIES = { UPSTREAM_BACKOFF_BASE_MS: '1', UPSTREAM_BACKOFF_MAX_MS: '2' };

const fixtureOf = (provider: string) => fixtures.find((f) => f.provider === provider)!;
const PASSBOLT_USER = fixtureOf('PASSBOLT').known.id;
const SYNCANO_USER = fixtureOf('SYNCANO').known.id;

/** A root field of usergraph, and a field the tickets subgraph adds to its type (`_entities` there). */
const USER_WITH_TICKETS = `query UserWithTickets($id: ID!) { user(provider: PASSBOLT, id: $id) { id username tickets { id title } } }`;
/** A root field of tickets whose assignees usergraph resolves (`_entities` at usergraph). */
const ASSIGNEES = `query Assignees { recentTickets { id assignee { id username } } }`;
/** Both in one operation: usergraph gets a root-field request and an `_entities` request. */
const BOTH = `query Both($id: ID!) { user(provider: PASSBOLT, id: $id) { id username tickets { id } } recentTickets { id assignee { id username } } }`;

/** A client's own span: a W3C `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header). */
function clientSpan(): { traceparent: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceparent: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

/** usergraph's tracing as `usergraph start` builds it from its environment, exporting to `receiver`, every trace kept. */
function usergraphTracingTo(receiver: OtlpReceiver): GatewayTracing {
  const tracing = createTracing({
    env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' },
    sampler: ratioSampler(1),
  });
  expect(tracing.enabled).toBe(true);
  return tracing;
}

const inTrace = (spans: ReceivedSpan[], traceId: string) => spans.filter((s) => s.traceId === traceId);
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId);
const service = (s: ReceivedSpan) => s.resource[ATTR_SERVICE_NAME] as string;

/** `span`, its parent, its parent's parent… as far as `spans` go. */
function ancestry(spans: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const chain = [span];
  for (let parent = span.parentSpanId && byId.get(span.parentSpanId); parent; parent = parent.parentSpanId && byId.get(parent.parentSpanId)) chain.push(parent);
  return chain;
}

/** The trace as an indented tree (`service kind name`), for failure messages. */
function render(spans: ReceivedSpan[]): string {
  const ids = new Set(spans.map((s) => s.spanId));
  const lines: string[] = [];
  const walk = (s: ReceivedSpan, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${service(s)} ${s.kind} ${s.name}`);
    for (const child of childrenOf(spans, s).sort((a, b) => a.name.localeCompare(b.name))) walk(child, depth + 1);
  };
  for (const root of spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId))) walk(root, 0);
  return lines.join('\n');
}

/** The requests the router sent usergraph, their bodies parsed. */
const usergraphRequests = (federation: Federation) =>
  federation.usergraph.exchanges().map((e) => ({ headers: e.headers, body: JSON.parse(e.body) as { query: string; variables?: Record<string, unknown> } }));

/**
 * Asserts that nothing `receivers` got (export bodies and headers) holds a credential the clients
 * sent: no value whole, and no 8 characters of a secret (a token or key; a user name header's value,
 * `myusername@…`, shares words with any query).
 */
function expectNoCredential(receivers: OtlpReceiver[]): void {
  const received = JSON.stringify(receivers.flatMap((r) => r.exports.map((e) => [e.headers, e.body])));
  const found = new Set<string>();
  for (const [name, value] of CREDENTIALS) {
    const secret = !/-user(name)?$/i.test(name);
    const parts = secret ? Array.from({ length: value.length - 7 }, (_, i) => value.slice(i, i + 8)) : [value];
    for (const part of parts) if (received.includes(part)) found.add(`${name}: ${part}`);
  }
  expect([...found]).toEqual([]);
}

let tickets: TicketsSubgraph;
let vault: VaultSubgraph;
beforeAll(async () => {
  tickets = await startTicketsSubgraph();
  vault = await startVaultSubgraph();
});
afterAll(async () => {
  await tickets?.close();
  await vault?.close();
});

const setTickets = (assignees: UserKey[]) => tickets.setTickets(assignees.map((assignee, n) => ({ id: `ticket-${n + 1}`, title: `Ticket ${n + 1}`, assignee })));

describe('behind Hive Gateway with its OpenTelemetry plugin', () => {
  let routerReceiver: OtlpReceiver;
  let usergraphReceiver: OtlpReceiver;
  let routerProvider: BasicTracerProvider;
  let tracing: GatewayTracing;
  let federation: Federation;

  beforeAll(async () => {
    routerReceiver = await startOtlpReceiver();
    usergraphReceiver = await startOtlpReceiver();
    // The router's SDK: OTLP/HTTP (JSON) to its own receiver, every trace the client samples kept.
    routerProvider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'router' }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: routerReceiver.tracesUrl }))],
    });
    expect(trace.setGlobalTracerProvider(routerProvider)).toBe(true);
    expect(propagation.setGlobalPropagator(new W3CTraceContextPropagator())).toBe(true);
    tracing = usergraphTracingTo(usergraphReceiver);
    federation = await startFederation(
      { tickets, vault },
      { tracing, env: FAST_RETRIES },
      // No context manager is registered: the plugin keeps each request's spans in its own state.
      { plugins: (ctx) => [useOpenTelemetry({ ...ctx, useContextManager: false, traces: true })] },
    );
  });
  afterAll(async () => {
    await federation?.close();
    await routerProvider?.shutdown();
    trace.disable();
    propagation.disable();
    hive.disable();
    await routerReceiver?.close();
    await usergraphReceiver?.close();
  });
  beforeEach(() => federation.clearRequests());

  /**
   * Waits until the router's receiver holds `http.fetch` spans for usergraph and usergraph's receiver
   * `count` operation spans and `attempts` upstream attempt spans in the trace `traceId`; returns
   * both services' spans of it.
   */
  async function traceOf(traceId: string, count: { usergraphRequests: number; attempts: number }): Promise<ReceivedSpan[]> {
    const router = await routerReceiver.waitForSpans((all) => inTrace(all, traceId).some((s) => s.kind === 'SERVER'), {
      flush: () => routerProvider.forceFlush(),
      what: `the router's spans of ${traceId}`,
    });
    const usergraph = await usergraphReceiver.waitForSpans(
      (all) => {
        const mine = inTrace(all, traceId);
        return mine.filter((s) => s.kind === 'SERVER').length >= count.usergraphRequests && mine.filter((s) => s.kind === 'CLIENT').length >= count.attempts;
      },
      { flush: () => tracing.forceFlush(), what: `usergraph's spans of ${traceId}` },
    );
    return [...inTrace(router, traceId), ...inTrace(usergraph, traceId)];
  }

  /** Asserts that every span of the trace comes from the router's plugin or usergraph's tracer, each through its own exporter. */
  function expectOnlyOwnSpans(spans: ReceivedSpan[]): void {
    for (const s of spans) expect(`${service(s)} ${s.scope}`, s.name).toMatch(/^(router gateway|usergraph usergraph)$/);
    for (const s of inTrace(routerReceiver.spans(), spans[0]!.traceId)) expect(service(s)).toBe('router');
    for (const s of inTrace(usergraphReceiver.spans(), spans[0]!.traceId)) expect(service(s)).toBe('usergraph');
  }

  it("is one trace: the client's span, the router's spans, its fetch of usergraph, usergraph's operation span under that fetch, and its batch and attempt", async () => {
    setTickets([{ provider: 'PASSBOLT', id: PASSBOLT_USER }]);
    const client = clientSpan();
    const res = await federation.gql(USER_WITH_TICKETS, { id: PASSBOLT_USER }, { ...READ_HEADERS, traceparent: client.traceparent, tracestate: 'vendor=opaque' });
    expect(res.body.errors, res.text).toBeUndefined();
    expect(res.body.data.user.tickets).toEqual([{ id: 'ticket-1', title: 'Ticket 1' }]);
    const [sent, ...more] = usergraphRequests(federation);
    expect(more).toEqual([]);

    const spans = await traceOf(client.traceId, { usergraphRequests: 1, attempts: 1 });
    const tree = render(spans);
    expectOnlyOwnSpans(spans);

    // usergraph's part: its operation span, one Passbolt batch under it, one attempt under that.
    const [operation, ...otherOperations] = spans.filter((s) => service(s) === 'usergraph' && s.kind === 'SERVER');
    expect(otherOperations, tree).toEqual([]);
    expect(operation!.name).toBe('query UserWithTickets');
    const [batch, ...otherChildren] = childrenOf(spans, operation!);
    expect(otherChildren, tree).toEqual([]);
    expect(batch).toMatchObject({ name: 'usergraph.batch', kind: 'INTERNAL', attributes: { 'usergraph.provider': 'PASSBOLT', 'usergraph.batch.size': 1 } });
    const [attempt, ...otherAttempts] = childrenOf(spans, batch!);
    expect(otherAttempts, tree).toEqual([]);
    expect(attempt).toMatchObject({ name: 'GET /users/{id}.json', kind: 'CLIENT', attributes: { 'http.response.status_code': 200, 'usergraph.provider': 'PASSBOLT' } });
    expect(federation.stack.sims.passbolt.requests()).toHaveLength(1);

    // Above it, up to the client: the router's spans, the nearest its HTTP fetch of usergraph.
    const chain = ancestry(spans, attempt!);
    expect(
      chain.map((s) => `${service(s)} ${s.kind} ${s.name}`),
      tree,
    ).toEqual([
      'usergraph CLIENT GET /users/{id}.json',
      'usergraph INTERNAL usergraph.batch',
      'usergraph SERVER query UserWithTickets',
      'router CLIENT http.fetch',
      'router CLIENT subgraph.execute (usergraph)',
      'router INTERNAL graphql.execute',
      'router INTERNAL graphql.operation UserWithTickets',
      'router SERVER POST /graphql',
    ]);
    const [fetch, subgraphExecute] = chain.slice(3);
    expect(fetch!.attributes['http.url']).toBe(federation.usergraph.url);
    expect(subgraphExecute!.attributes['hive.gateway.upstream.subgraph.name']).toBe('usergraph');
    // The router's root span is the client's span's child.
    expect(chain.at(-1)!.parentSpanId).toBe(client.spanId);
    // usergraph's operation span names the router's fetch as its parent: the traceparent the router sent.
    expect(operation!.parentSpanId).toBe(fetch!.spanId);
    expect(sent!.headers.traceparent).toBe(`00-${client.traceId}-${fetch!.spanId}-01`);
    expect(sent!.headers.tracestate).toBe('vendor=opaque');

    // The tickets subgraph's `_entities` fetch has its own span beside usergraph's, and the next hop's context.
    const ticketsFetch = spans.find((s) => s.name === 'subgraph.execute (tickets)');
    expect(ticketsFetch, tree).toBeDefined();
    expect(ticketsFetch!.attributes['graphql.document']).toContain('_entities');
    const [ticketsHttp] = childrenOf(spans, ticketsFetch!);
    expect(federation.tickets.exchanges().map((e) => e.headers.traceparent)).toEqual([`00-${client.traceId}-${ticketsHttp!.spanId}-01`]);
    // Every span descends from the client's span.
    const ids = new Set([client.spanId, ...spans.map((s) => s.spanId)]);
    for (const s of spans) expect(ids.has(s.parentSpanId!), `${s.name}\n${tree}`).toBe(true);
  });

  it("traces an `_entities` fetch of usergraph the same way, a retried upstream call included", async () => {
    setTickets([
      { provider: 'PASSBOLT', id: PASSBOLT_USER },
      { provider: 'SYNCANO', id: SYNCANO_USER },
    ]);
    federation.stack.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 } }]);
    const client = clientSpan();
    const res = await federation.gql(ASSIGNEES, {}, { ...READ_HEADERS, traceparent: client.traceparent });
    expect(res.body.errors, res.text).toBeUndefined();
    expect(res.body.data.recentTickets.map((t: { assignee: { id: string } }) => t.assignee.id)).toEqual([PASSBOLT_USER, SYNCANO_USER]);
    const [sent, ...more] = usergraphRequests(federation);
    expect(more).toEqual([]);
    expect(sent!.body.query).toContain('_entities');

    const upstream = federation.stack.sims.passbolt.requests().length + federation.stack.sims.syncano.requests().length;
    expect(federation.stack.sims.passbolt.requests()).toHaveLength(2);
    const spans = await traceOf(client.traceId, { usergraphRequests: 1, attempts: upstream });
    const tree = render(spans);
    expectOnlyOwnSpans(spans);

    const fetch = spans.find((s) => s.name === 'subgraph.execute (usergraph)');
    expect(fetch, tree).toBeDefined();
    expect(fetch!.attributes['graphql.document']).toContain('_entities');
    const [http] = childrenOf(spans, fetch!);
    expect(http).toMatchObject({ name: 'http.fetch', kind: 'CLIENT' });
    const [operation, ...others] = childrenOf(spans, http!);
    expect(others, tree).toEqual([]);
    expect(operation).toMatchObject({ kind: 'SERVER', name: 'query Assignees', resource: { [ATTR_SERVICE_NAME]: 'usergraph' } });
    expect(sent!.headers.traceparent).toBe(`00-${client.traceId}-${http!.spanId}-01`);

    // One batch per provider; Passbolt's holds the failed attempt and its retry.
    const batches = childrenOf(spans, operation!);
    expect(batches.map((b) => `${b.name} ${b.attributes['usergraph.provider']}`).sort(), tree).toEqual(['usergraph.batch PASSBOLT', 'usergraph.batch SYNCANO']);
    const passbolt = batches.find((b) => b.attributes['usergraph.provider'] === 'PASSBOLT')!;
    const attempts = childrenOf(spans, passbolt);
    expect(attempts.map((a) => [a.attributes['http.response.status_code'], a.attributes['http.request.resend_count'] ?? 0]).sort(), tree).toEqual([
      [200, 1],
      [503, 0],
    ]);
    const syncano = batches.find((b) => b.attributes['usergraph.provider'] === 'SYNCANO')!;
    expect(childrenOf(spans, syncano).length, tree).toBeGreaterThan(0);
    // Every upstream request usergraph made is an attempt span in this trace.
    expect(spans.filter((s) => service(s) === 'usergraph' && s.kind === 'CLIENT')).toHaveLength(upstream);
    expect(ancestry(spans, attempts[0]!).at(-1)!.parentSpanId).toBe(client.spanId);
  });

  it('sends no credential to either receiver', async () => {
    setTickets(fixtures.map((f) => ({ provider: f.provider, id: f.known.id })));
    for (const headers of [READ_HEADERS, CANARY_HEADERS]) {
      const client = clientSpan();
      const res = await federation.gql(BOTH, { id: PASSBOLT_USER }, { ...headers, traceparent: client.traceparent });
      expect(res.status).toBe(200);
      const attempts = allSims(federation.stack).reduce((n, [, sim]) => n + sim.requests().length, 0);
      expect(attempts).toBeGreaterThan(0);
      await traceOf(client.traceId, { usergraphRequests: 2, attempts });
      federation.clearRequests();
    }
    // The router's receiver did get its spans, with the operation's document (which holds no credential).
    expect(routerReceiver.exports.length).toBeGreaterThan(0);
    expectNoCredential([routerReceiver, usergraphReceiver]);
  });
});

describe('behind Hive Gateway without tracing of its own (deploy/federation propagation)', () => {
  let receiver: OtlpReceiver;
  let tracing: GatewayTracing;
  let federation: Federation;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = usergraphTracingTo(receiver);
    federation = await startFederation({ tickets, vault }, { tracing });
  });
  afterAll(async () => {
    await federation?.close();
    await receiver?.close();
  });
  beforeEach(() => federation.clearRequests());

  it("passes the client's traceparent and tracestate through: usergraph's operation spans are the client's span's children", async () => {
    setTickets([{ provider: 'SYNCANO', id: SYNCANO_USER }]);
    const client = clientSpan();
    const res = await federation.gql(BOTH, { id: PASSBOLT_USER }, { ...READ_HEADERS, traceparent: client.traceparent, tracestate: 'vendor=opaque' });
    expect(res.body.errors, res.text).toBeUndefined();

    // Two requests to usergraph (the root field, then `_entities`), each with the client's own context.
    const sent = usergraphRequests(federation);
    expect(sent.map((r) => r.body.query.includes('_entities')).sort()).toEqual([false, true]);
    for (const r of sent) expect(r.headers).toMatchObject({ traceparent: client.traceparent, tracestate: 'vendor=opaque' });
    for (const e of federation.tickets.exchanges()) expect(e.headers).toMatchObject({ traceparent: client.traceparent, tracestate: 'vendor=opaque' });

    const attempts = federation.stack.sims.passbolt.requests().length + federation.stack.sims.syncano.requests().length;
    expect(attempts).toBe(2);
    const spans = inTrace(
      await receiver.waitForSpans(
        (all) => {
          const mine = inTrace(all, client.traceId);
          return mine.filter((s) => s.kind === 'SERVER').length >= 2 && mine.filter((s) => s.kind === 'CLIENT').length >= attempts;
        },
        { flush: () => tracing.forceFlush(), what: `usergraph's spans of ${client.traceId}` },
      ),
      client.traceId,
    );
    const tree = render(spans);
    const operations = spans.filter((s) => s.kind === 'SERVER');
    expect(operations.map((s) => s.name), tree).toEqual(['query Both', 'query Both']);
    for (const operation of operations) {
      expect(operation.parentSpanId).toBe(client.spanId);
      const [batch, ...others] = childrenOf(spans, operation);
      expect(others, tree).toEqual([]);
      expect(batch!.name).toBe('usergraph.batch');
      expect(childrenOf(spans, batch!).map((a) => a.kind), tree).toEqual(['CLIENT']);
    }
    expect(childrenOf(spans, operations[0]!)[0]!.attributes['usergraph.provider']).not.toBe(childrenOf(spans, operations[1]!)[0]!.attributes['usergraph.provider']);
    for (const s of spans) expect(s.scope).toBe('usergraph');
    expect(spans).toHaveLength(6);
  });

  it('sends no credential to the receiver', async () => {
    setTickets(fixtures.map((f) => ({ provider: f.provider, id: f.known.id })));
    for (const headers of [READ_HEADERS, CANARY_HEADERS]) {
      const client = clientSpan();
      const res = await federation.gql(BOTH, { id: PASSBOLT_USER }, { ...headers, traceparent: client.traceparent });
      expect(res.status).toBe(200);
      await receiver.waitForSpans((all) => inTrace(all, client.traceId).filter((s) => s.kind === 'SERVER').length >= 2, { flush: () => tracing.forceFlush() });
    }
    expect(receiver.exports.length).toBeGreaterThan(0);
    expectNoCredential([receiver]);
  });
});
