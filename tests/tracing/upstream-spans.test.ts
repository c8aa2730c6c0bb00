/**
 * One CLIENT span per upstream attempt (src/providers/http.ts), through the real adapters against the
 * real simulators: named and attributed per the OpenTelemetry HTTP client conventions
 * (https://opentelemetry.io/docs/specs/semconv/http/http-spans/) with route templates only (never an
 * id, a credential or a query), one span per retry, timeouts and transport failures as errors, the
 * breaker's state, and W3C `traceparent`/`tracestate` sent to a provider only where
 * `<PROVIDER>_TRACE_PROPAGATION=true` (read from the simulators' recorded requests).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Context } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { loadConfig, withSimulatorUrls } from '../../src/config.js';
import { GatewayError } from '../../src/errors.js';
import { createSilentLogger } from '../../src/logger.js';
import { createHttpClient, routeTemplate } from '../../src/providers/http.js';
import { createPassboltAdapter } from '../../src/providers/passbolt/index.js';
import type { ProviderName } from '../../src/providers/provider-name.js';
import { createRegistry, type ProviderRegistry } from '../../src/providers/registry.js';
import type { ResilienceClock } from '../../src/providers/resilience.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import type { RecordedRequest } from '../../src/simulators/http-simulator.js';
import { startSimulators, type Simulators } from '../../src/simulators/index.js';
import belladati from '../resilience/providers/belladati.js';
import droplit from '../resilience/providers/droplit.js';
import passbolt from '../resilience/providers/passbolt.js';
import scim from '../resilience/providers/scim.js';
import syncano from '../resilience/providers/syncano.js';
import type { ProviderFixture } from '../resilience/provider-fixture.js';

const FIXTURES: readonly ProviderFixture[] = [passbolt, syncano, droplit, belladati, scim];

/** Each provider's single-user read, as the attempt span names it. */
const USER_READ: Record<ProviderName, string> = {
  PASSBOLT: 'GET /users/{id}.json',
  SYNCANO: 'GET /v1.1/instances/{instance}/users/{id}/',
  DROPLIT: 'GET /api/users/{ecosystemId};{uniqueId}',
  BELLADATI: 'GET /api/users/{id}',
  SCIM: 'GET /scim/v2/Users/{id}',
};

/** Backoff short and breaker out of the way, so a retry happens at once and nothing trips. */
const QUIET_ENV = {
  USERGRAPH_MODE: 'demo',
  CACHE_TTL_S: '0',
  UPSTREAM_BACKOFF_BASE_MS: '5',
  UPSTREAM_BACKOFF_MAX_MS: '20',
  BREAKER_CONSECUTIVE_FAILURES: '100000',
  BREAKER_MINIMUM_CALLS: '100000',
  UPSTREAM_RETRY_BUDGET_MIN_PER_SECOND: '1000',
};

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = tracerProvider.getTracer('upstream-spans-test');
const logger = createSilentLogger();

let sims: Simulators;
const registries: ProviderRegistry[] = [];

beforeAll(async () => {
  sims = await startSimulators();
});

afterAll(async () => {
  await Promise.all(registries.map((r) => r.close()));
  await sims.close();
  await tracerProvider.shutdown();
});

beforeEach(() => {
  exporter.reset();
  for (const f of FIXTURES) {
    sims[f.sim].clearFaults();
    sims[f.sim].clearRequests();
  }
});

afterEach(() => {
  for (const f of FIXTURES) sims[f.sim].clearFaults();
});

/** The registry as the gateway builds it, over the simulators, with `env` on top of the quiet defaults. */
function registryWith(env: Record<string, string> = {}, tracing: { enabled: boolean } = { enabled: true }): ProviderRegistry {
  const config = withSimulatorUrls(loadConfig({ ...QUIET_ENV, ...env }), sims);
  const registry = createRegistry(config.providers, { logger, tracing: { ...tracing, tracer } });
  registries.push(registry);
  return registry;
}

/** The client's headers as `req.headersDistinct` has them. */
function distinct(headers: Record<string, string>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), [value]]));
}

/** A parent span the attempts start under (a DataLoader batch span, in the gateway). */
function parentContext(): { ctx: Context; traceId: string; spanId: string } {
  const parent = tracer.startSpan('batch');
  parent.end();
  const { traceId, spanId } = parent.spanContext();
  return { ctx: trace.setSpan(ROOT_CONTEXT, parent), traceId, spanId };
}

/** Reads `f`'s demo user through `registry`'s adapter under `ctx`; the slot's value or error. */
async function readUser(registry: ProviderRegistry, f: ProviderFixture, ctx?: Context): Promise<unknown> {
  const adapter = registry.get(f.provider)!;
  const [slot] = await adapter.fetchUsers([adapter.normalizeId(f.id)], adapter.readCredentials(distinct(f.headers)), ctx ? { trace: ctx } : {});
  return slot;
}

const attemptSpans = (): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT);

const header = (r: RecordedRequest, name: string): string | undefined => {
  const value = r.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Every string the span shows: its name and every attribute value. */
const spanStrings = (s: ReadableSpan): string[] => [s.name, ...Object.values(s.attributes).flatMap((v) => (Array.isArray(v) ? v.map(String) : [String(v)]))];

/** The pieces of an id or credential worth looking for (Droplit's id is `ecosystem;unique`, BellaDati's header an OAuth string). */
const secretsOf = (f: ProviderFixture): string[] => [f.id, ...f.id.split(/[;|]/), encodeURIComponent(f.id), ...Object.values(f.headers)].filter((s) => s.length >= 3);

describe('upstream attempt spans, each provider', () => {
  it.each(FIXTURES.map((f) => [f.provider, f] as const))('%s: a user read is one CLIENT span named by its route template, under the caller’s span', async (_, f) => {
    const registry = registryWith();
    const { ctx, traceId, spanId } = parentContext();
    const slot = await readUser(registry, f, ctx);
    expect(slot).not.toBeInstanceOf(GatewayError);

    const spans = attemptSpans();
    expect(spans).toHaveLength(1);
    const span = spans[0]!;
    const sim = sims[f.sim];
    expect(span.name).toBe(USER_READ[f.provider]);
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(spanId);
    expect(span.attributes).toEqual({
      'http.request.method': 'GET',
      'url.template': USER_READ[f.provider].slice('GET '.length),
      'server.address': '127.0.0.1',
      'server.port': sim.port,
      'http.response.status_code': 200,
      'usergraph.provider': f.provider,
      'usergraph.breaker.state': 'closed',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);

    // The request did carry the id (and the credential): the span shows neither.
    const [request] = sim.requests();
    expect(request!.path).toContain(encodeURIComponent(f.id.split(';').pop()!));
    for (const value of spanStrings(span)) {
      for (const secret of secretsOf(f)) expect(value).not.toContain(secret);
    }
    // Propagation is off by default: nothing of the trace reaches the provider.
    expect(header(request!, 'traceparent')).toBeUndefined();
    expect(header(request!, 'tracestate')).toBeUndefined();
  });

  it.each(FIXTURES.map((f) => [f.provider, f] as const))(
    '%s: with <PROVIDER>_TRACE_PROPAGATION=true the attempt span’s traceparent and the caller’s tracestate go upstream',
    async (_, f) => {
      const registry = registryWith({ [`${f.provider}_TRACE_PROPAGATION`]: 'true' });
      // A remote parent with vendor state, as a client's traceparent/tracestate would give.
      const remote = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
        traceState: new TraceState('vendor=opaque'),
      });
      expect(await readUser(registry, f, remote)).not.toBeInstanceOf(GatewayError);

      const [span] = attemptSpans();
      const [request] = sims[f.sim].requests();
      const sent = header(request!, 'traceparent');
      expect(sent).toBe(`00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01`);
      expect(span!.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(header(request!, 'tracestate')).toBe('vendor=opaque');
    },
  );

  it('propagation is per provider: on for one leaves the others without a traceparent', async () => {
    const registry = registryWith({ SCIM_TRACE_PROPAGATION: 'true', PASSBOLT_TRACE_PROPAGATION: 'false' });
    const { ctx } = parentContext();
    await readUser(registry, scim, ctx);
    await readUser(registry, passbolt, ctx);
    await readUser(registry, syncano, ctx);
    expect(header(sims.scim.requests()[0]!, 'traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(header(sims.passbolt.requests()[0]!, 'traceparent')).toBeUndefined();
    expect(header(sims.syncano.requests()[0]!, 'traceparent')).toBeUndefined();
  });
});

describe('retries and failures', () => {
  it('503 then 200: two attempt spans, the first an error, the second with resend_count 1; each sends its own traceparent', async () => {
    const registry = registryWith({ PASSBOLT_TRACE_PROPAGATION: 'true' });
    sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 }, path: '/users/' }]);
    const { ctx, spanId } = parentContext();
    expect(await readUser(registry, passbolt, ctx)).not.toBeInstanceOf(GatewayError);

    const spans = attemptSpans();
    expect(spans).toHaveLength(2);
    const [first, second] = spans as [ReadableSpan, ReadableSpan];
    expect(first.name).toBe('GET /users/{id}.json');
    expect(second.name).toBe('GET /users/{id}.json');
    expect(first.parentSpanContext?.spanId).toBe(spanId);
    expect(second.parentSpanContext?.spanId).toBe(spanId);

    expect(first.attributes['http.response.status_code']).toBe(503);
    expect(first.attributes['error.type']).toBe('503');
    expect(first.attributes['http.request.resend_count']).toBeUndefined();
    expect(first.status.code).toBe(SpanStatusCode.ERROR);

    expect(second.attributes['http.response.status_code']).toBe(200);
    expect(second.attributes['error.type']).toBeUndefined();
    expect(second.attributes['http.request.resend_count']).toBe(1);
    expect(second.status.code).toBe(SpanStatusCode.UNSET);

    const sent = sims.passbolt.requests().map((r) => header(r, 'traceparent')?.split('-')[2]);
    expect(sent).toEqual([first.spanContext().spanId, second.spanContext().spanId]);
  });

  it('a timeout: error.type timeout, status ERROR, no status code', async () => {
    const registry = registryWith({ UPSTREAM_TIMEOUT_MS: '300', UPSTREAM_RETRIES: '0' });
    sims.passbolt.injectFaults([{ fault: { kind: 'hang' }, path: '/users/' }]);
    const { ctx } = parentContext();
    const slot = await readUser(registry, passbolt, ctx);
    expect(slot).toBeInstanceOf(GatewayError);
    expect((slot as GatewayError).code).toBe('PROVIDER_TIMEOUT');

    const [span, ...rest] = attemptSpans();
    expect(rest).toHaveLength(0);
    expect(span!.attributes['error.type']).toBe('timeout');
    expect(span!.attributes['http.response.status_code']).toBeUndefined();
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('a reset connection is error.type network; a 200 with an HTML body is not_json (with its status)', async () => {
    const registry = registryWith({ UPSTREAM_RETRIES: '0' });
    const { ctx } = parentContext();
    sims.passbolt.injectFaults([{ fault: { kind: 'reset' }, path: '/users/' }]);
    expect(await readUser(registry, passbolt, ctx)).toBeInstanceOf(GatewayError);
    sims.passbolt.injectFaults([{ fault: { kind: 'non-json' }, path: '/users/' }]);
    expect(await readUser(registry, passbolt, ctx)).toBeInstanceOf(GatewayError);

    const [reset, html] = attemptSpans() as [ReadableSpan, ReadableSpan];
    expect(reset.attributes['error.type']).toBe('network');
    expect(reset.status.code).toBe(SpanStatusCode.ERROR);
    expect(html.attributes['error.type']).toBe('not_json');
    expect(html.attributes['http.response.status_code']).toBe(200);
    expect(html.status.code).toBe(SpanStatusCode.ERROR);
    for (const span of [reset, html]) {
      for (const value of spanStrings(span)) expect(value).not.toMatch(/ZX-UPSTREAM-BODY|ECONNRESET|socket/i);
    }
  });

  it('a 404 is an error on a client span, error.type the status', async () => {
    const registry = registryWith();
    const { ctx } = parentContext();
    const adapter = registry.get('PASSBOLT')!;
    const unknown = '20d1fa38-7d83-4006-bc4a-32d52c0ce93d';
    const [slot] = await adapter.fetchUsers([unknown], adapter.readCredentials(distinct(passbolt.headers)), { trace: ctx });
    expect((slot as GatewayError).code).toBe('NOT_FOUND');
    const [span] = attemptSpans();
    expect(span!.attributes['http.response.status_code']).toBe(404);
    expect(span!.attributes['error.type']).toBe('404');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    for (const value of spanStrings(span!)) expect(value).not.toContain(unknown);
  });
});

describe('breaker state', () => {
  it('closed, then (open: no attempt, no span), then half-open for the probe, closed again after it', async () => {
    // The guard's open period on a clock that moves only when told.
    let now = 0;
    const clock: ResilienceClock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const adapter: ProviderAdapter<unknown> = createPassboltAdapter(
      {
        baseUrl: sims.passbolt.url,
        timeoutMs: 2_000,
        connections: 4,
        maxBodyBytes: 1_048_576,
        keepAliveTimeoutMs: 1_000,
        resilience: { clock, maxRetries: 0, breakerConsecutiveFailures: 1, breakerOpenMs: 1_000 },
        tracing: { tracer },
      },
      { logger },
    ) as ProviderAdapter<unknown>;
    try {
      const creds = adapter.readCredentials(distinct(passbolt.headers));
      const { ctx } = parentContext();
      const read = async () => (await adapter.fetchUsers([passbolt.id], creds, { trace: ctx }))[0];

      sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 }, path: '/users/' }]);
      expect(await read()).toBeInstanceOf(GatewayError);
      const open = await read();
      expect((open as GatewayError).extensions.reason).toBe('CIRCUIT_OPEN');
      now += 1_000;
      expect(await read()).not.toBeInstanceOf(GatewayError);
      expect(await read()).not.toBeInstanceOf(GatewayError);

      expect(attemptSpans().map((s) => [s.attributes['usergraph.breaker.state'], s.attributes['http.response.status_code']])).toEqual([
        ['closed', 503],
        ['half-open', 200],
        ['closed', 200],
      ]);
    } finally {
      await adapter.close();
    }
  });
});

describe('when there are no spans', () => {
  it('a call without a trace context starts none, and sends no traceparent even with propagation on', async () => {
    const registry = registryWith({ PASSBOLT_TRACE_PROPAGATION: 'true' });
    expect(await readUser(registry, passbolt)).not.toBeInstanceOf(GatewayError);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(header(sims.passbolt.requests()[0]!, 'traceparent')).toBeUndefined();
  });

  it('tracing not enabled: the registry hands no tracer, so no span and no traceparent', async () => {
    const registry = registryWith({ PASSBOLT_TRACE_PROPAGATION: 'true' }, { enabled: false });
    const { ctx } = parentContext();
    exporter.reset();
    expect(await readUser(registry, passbolt, ctx)).not.toBeInstanceOf(GatewayError);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(header(sims.passbolt.requests()[0]!, 'traceparent')).toBeUndefined();
  });
});

describe('route templates', () => {
  it('a path without a route is templated: query dropped, ids, emails and names replaced, words, versions and .json kept', () => {
    expect(routeTemplate('/users/f848277c-5398-58f8-a82a-72397af2d450.json?contain%5Bprofile%5D=1')).toBe('/users/{id}.json');
    expect(routeTemplate('/users.json?filter%5Bsearch%5D=ada')).toBe('/users.json');
    expect(routeTemplate('/v1.1/instances/Rivia/users/42/')).toBe('/v1.1/instances/{id}/users/{id}/');
    expect(routeTemplate('/users/username/ada.lovelace%40example.com')).toBe('/users/username/{id}');
    expect(routeTemplate('/api/users/5f0c1d2e;ada%7Cexample')).toBe('/api/users/{id}');
    expect(routeTemplate('/scim/v2/Users')).toBe('/scim/v2/{id}');
    expect(routeTemplate('')).toBe('');
  });

  it('createHttpClient without a route names the span by the derived template', async () => {
    const http = createHttpClient({
      provider: 'PASSBOLT',
      baseUrl: sims.passbolt.url,
      timeoutMs: 2_000,
      connections: 2,
      maxBodyBytes: 1_048_576,
      keepAliveTimeoutMs: 1_000,
      tracing: { tracer },
    });
    try {
      const { ctx } = parentContext();
      const res = await http.request({
        method: 'GET',
        path: `/users/${passbolt.id}.json?contain%5Bprofile%5D=1`,
        headers: { authorization: `Bearer ${Object.values(passbolt.headers)[0]}`, accept: 'application/json' },
        trace: ctx,
      });
      expect(res.status).toBe(200);
      const [span] = attemptSpans();
      expect(span!.name).toBe('GET /users/{id}.json');
      expect(span!.attributes['url.template']).toBe('/users/{id}.json');
      for (const value of spanStrings(span!)) expect(value).not.toContain(passbolt.id);
    } finally {
      await http.close();
    }
  });
});
