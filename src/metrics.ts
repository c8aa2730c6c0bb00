/**
 * Prometheus metrics (prom-client), one registry per gateway so several gateways in one process (tests)
 * never share counters. Served at `/metrics` as Prometheus text, or as OpenMetrics text to a scraper that
 * asks for it (`exposition`). Labels carry providers, codes and statuses only: never a user id, a
 * credential or a URL.
 *
 * Exemplars (OpenMetrics, https://prometheus.io/docs/specs/om/open_metrics_spec/#exemplars): the
 * operation and upstream attempt latency histograms keep, per bucket, the `trace_id` and `span_id` of
 * the last observation made under a sampled span (the operation's SERVER span, the attempt's CLIENT
 * span), so a slow bucket leads to a trace the backend has. Without a sampled span an observation is
 * the plain one; exemplars only appear in the OpenMetrics format.
 */
import type { Span } from '@opentelemetry/api';
import { logIds } from './tracing.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type LabelValues, type Metric, type OpenMetricsContentType } from 'prom-client';
import type { ProviderName } from './providers/provider-name.js';
import { PROVIDERS } from './providers/registry.js';
import type { UpstreamAttempt, UpstreamObserver } from './providers/http.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { CacheObserver, CacheResult } from './cache/user-cache.js';
import type { CacheStore } from './cache/store.js';

/** The trace an observation belongs to: its exemplar's labels. */
export interface ExemplarIds {
  trace_id: string;
  span_id: string;
}

/** What `/metrics` answers: the body and its content type. */
export interface Exposition {
  contentType: string;
  body: string;
}

export interface GatewayMetrics extends UpstreamObserver, CacheObserver {
  readonly registry: Registry;
  /**
   * One GraphQL request finished: its outcome, the error codes it carried and, when its span is
   * sampled, that span's ids (`exemplarOf`) for the duration's exemplar.
   */
  onRequest(result: { durationMs: number; errorCodes: Array<{ code: string; provider?: string }>; exemplar?: ExemplarIds }): void;
  /** An operation was refused before execution for going over `limit` (a client's mistake, not an error of the gateway). */
  onRefused(limit: string): void;
  onBatch(provider: ProviderName, size: number): void;
  requestStarted(): void;
  requestFinished(): void;
  /** Lets the breaker and in-flight gauges read the providers' guards at scrape time. */
  watch(providers: ProviderRegistry): void;
  /** Lets the store gauge read the cache store's state at scrape time. */
  watchStore(store: CacheStore): void;
  /** A persisted-query store call failed (the request went on without it). */
  onPersistedQueryStoreError(op: 'get' | 'set' | 'delete'): void;
  /**
   * The metrics for a scraper whose `Accept` header is `accept`: OpenMetrics text (exemplars, `# EOF`)
   * when it prefers `application/openmetrics-text`, else the Prometheus text format.
   */
  exposition(accept: string | undefined): Promise<Exposition>;
}

/**
 * `span`'s trace and span ids when it is sampled (exported), so an exemplar only ever names a trace
 * the backend received; nothing for an unsampled span or none.
 */
export function exemplarOf(span: Span | undefined): ExemplarIds | undefined {
  const ids = span && logIds(span);
  return ids?.trace_flags === '01' ? { trace_id: ids.trace_id, span_id: ids.span_id } : undefined;
}

const BREAKER_STATE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * Counts made on the request path, kept as plain numbers per label set and added to their prom-client
 * counter when it is read (a scrape, `registry.metrics()`, `counter.get()`): a request pays a Map
 * lookup, not prom-client's label validation and hashing. The label objects are built once per label set.
 */
class PendingCounts<L extends string> {
  private readonly byKey = new Map<string, { labels: Partial<Record<L, string>>; n: number }>();

  add(key: string, labels: () => Partial<Record<L, string>>): void {
    const entry = this.byKey.get(key);
    if (entry) entry.n++;
    else this.byKey.set(key, { labels: labels(), n: 1 });
  }

  flushInto(counter: Counter<L>): void {
    for (const entry of this.byKey.values()) {
      if (entry.n === 0) continue;
      counter.inc(entry.labels, entry.n);
      entry.n = 0;
    }
  }
}

/** One label set of a histogram: its labels and prom-client's child for them (`labels()`). */
interface HistogramSeries<L extends string> {
  labels: LabelValues<L>;
  child: { observe(value: number): void };
}

/** A histogram's series per label set, made once and kept: the request path only observes. */
function histogramSeries<L extends string>(histogram: Histogram<L>): (key: string, labels: () => LabelValues<L>) => HistogramSeries<L> {
  const byKey = new Map<string, HistogramSeries<L>>();
  return (key, labels) => {
    let series = byKey.get(key);
    if (!series) {
      const values = labels();
      byKey.set(key, (series = { labels: values, child: histogram.labels(values) }));
    }
    return series;
  };
}

/**
 * Observes `value` for `labels` in `histogram` (made with `enableExemplars`) with the exemplar `ids`:
 * prom-client counts it and keeps `ids` as its bucket's exemplar. Its types name an exemplar's labels
 * like the metric's own, hence the cast.
 */
function observeWithExemplar<L extends string>(histogram: Histogram<L>, labels: LabelValues<L>, value: number, ids: ExemplarIds): void {
  (histogram as unknown as Histogram<string>).observe({ labels, value, exemplarLabels: { trace_id: ids.trace_id, span_id: ids.span_id } });
}

/** The media type of OpenMetrics text, and the versions asked for that prom-client's output (1.0.0) answers. */
const OPENMETRICS = 'application/openmetrics-text';
const OPENMETRICS_VERSIONS = new Set(['1.0.0', '0.0.1']);

/**
 * Whether `accept` prefers OpenMetrics text to Prometheus text: an `application/openmetrics-text` range
 * (of version 1.0.0, 0.0.1 or none) weighs at least as much as any `text/plain` one (RFC 9110 §12.5.1).
 * Prometheus asks for both, OpenMetrics first; a scraper that names no OpenMetrics range gets text.
 */
function prefersOpenMetrics(accept: string | undefined): boolean {
  if (!accept || !/application\/openmetrics-text/i.test(accept)) return false;
  let openMetrics = 0;
  let text = 0;
  for (const range of accept.split(',')) {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    let q = 1;
    let version: string | undefined;
    for (const parameter of parameters) {
      const eq = parameter.indexOf('=');
      if (eq < 0) continue;
      const name = parameter.slice(0, eq).trim();
      const value = parameter.slice(eq + 1).trim();
      if (name === 'q') q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : 0;
      else if (name === 'version') version = value.replace(/^"(.*)"$/, '$1');
    }
    if (type === OPENMETRICS && (version === undefined || OPENMETRICS_VERSIONS.has(version))) openMetrics = Math.max(openMetrics, q);
    else if (type === 'text/plain') text = Math.max(text, q);
  }
  return openMetrics > 0 && openMetrics >= text;
}

/** What prom-client's registry reads of a metric to render it. */
interface RenderableMetric {
  name: string;
  type: string;
  get(): Promise<{ name: string }>;
  getForPromString?(): Promise<{ name: string }>;
}

/**
 * `registry`'s metrics as OpenMetrics text, exemplars included, rendered by prom-client through a
 * registry of the OpenMetrics content type. That registry renames each counter it renders to its
 * family name (`x_total` → `x`, the samples keep `_total`) on the metric object itself, which would
 * take `_total` off the Prometheus text format's counters from then on: it renders views of the
 * metrics instead, each reading the metric (its collect included) and reporting it under the family
 * name.
 */
async function openMetricsText(registry: Registry): Promise<string> {
  const openMetrics = new Registry<OpenMetricsContentType>();
  openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const metric of registry.getMetricsAsArray() as unknown as RenderableMetric[]) {
    const family = metric.type === 'counter' ? metric.name.replace(/_total$/, '') : metric.name;
    const view: RenderableMetric = {
      name: family,
      type: metric.type,
      get: async () => ({ ...(await metric.get()), name: family }),
      getForPromString: async () => ({ ...(await (metric.getForPromString ? metric.getForPromString() : metric.get())), name: family }),
    };
    openMetrics.registerMetric(view as unknown as Metric);
  }
  return openMetrics.metrics();
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'usergraph_' });
  let providers: ProviderRegistry | undefined;
  let cacheStore: CacheStore | undefined;

  const pendingRequests = new PendingCounts<'outcome'>();
  new Counter({
    name: 'usergraph_graphql_requests_total',
    help: 'GraphQL requests answered, by outcome (ok, or error when the response carries errors).',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      pendingRequests.flushInto(this);
    },
  });
  const pendingErrors = new PendingCounts<'code' | 'provider'>();
  new Counter({
    name: 'usergraph_graphql_errors_total',
    help: 'Errors in GraphQL responses, by extensions.code and provider.',
    labelNames: ['code', 'provider'],
    registers: [registry],
    collect() {
      pendingErrors.flushInto(this);
    },
  });
  const duration = new Histogram({
    name: 'usergraph_graphql_request_duration_seconds',
    help: 'Time to answer a GraphQL request.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [],
    enableExemplars: true,
  });
  // prom-client lets a metric with exemplars join an OpenMetrics registry only, on construction: this
  // one renders both formats (exemplars in OpenMetrics alone), so it joins it afterwards.
  registry.registerMetric(duration);
  // With exemplars on, prom-client's `observe` takes an object; the child observes a plain value.
  const durationSeries = duration.labels();
  const refused = new Counter({
    name: 'usergraph_operations_refused_total',
    help: 'Operations refused before execution for going over a limit, by limit (tokens, aliases, depth, directives, introspection_depth, upstream_calls).',
    labelNames: ['limit'],
    registers: [registry],
  });
  const inFlightRequests = new Gauge({
    name: 'usergraph_graphql_requests_in_flight',
    help: 'GraphQL requests being answered.',
    registers: [registry],
  });
  const pendingUpstreamCalls = new PendingCounts<'provider' | 'status'>();
  new Counter({
    name: 'usergraph_upstream_requests_total',
    help: 'Upstream HTTP attempts, by provider and status (or timeout, network, too_large, not_json).',
    labelNames: ['provider', 'status'],
    registers: [registry],
    collect() {
      pendingUpstreamCalls.flushInto(this);
    },
  });

  const upstreamDuration = new Histogram({
    name: 'usergraph_upstream_request_duration_seconds',
    help: 'Upstream HTTP attempt latency, by provider and status.',
    labelNames: ['provider', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
    registers: [],
    enableExemplars: true,
  });
  registry.registerMetric(upstreamDuration);
  const batchSize = new Histogram({
    name: 'usergraph_dataloader_batch_size',
    help: 'Distinct users per DataLoader batch dispatched to a provider.',
    labelNames: ['provider'],
    buckets: [1, 2, 3, 5, 10, 25, 50],
    registers: [registry],
  });
  const upstreamDurationOf = histogramSeries(upstreamDuration);
  const batchSizeOf = histogramSeries(batchSize);
  new Gauge({
    name: 'usergraph_breaker_state',
    help: 'Circuit breaker state per provider: 0 closed, 1 half-open, 2 open.',
    labelNames: ['provider'],
    registers: [registry],
    collect() {
      for (const provider of PROVIDERS) {
        const guard = providers?.guard(provider);
        if (guard) this.set({ provider }, BREAKER_STATE[guard.breakerState()]);
      }
    },
  });
  new Gauge({
    name: 'usergraph_upstream_in_flight',
    help: 'Upstream requests in flight per provider.',
    labelNames: ['provider'],
    registers: [registry],
    collect() {
      for (const provider of PROVIDERS) {
        const guard = providers?.guard(provider);
        if (guard) this.set({ provider }, guard.inFlight());
      }
    },
  });

  const pendingCacheReads = new PendingCounts<'provider' | 'result'>();
  new Counter({
    name: 'usergraph_cache_reads_total',
    help: 'User records asked of the cache, by provider and result: hit (fresh), miss (asked upstream), stale (provider failing, a kept entry answered), bypass (Cache-Control: no-cache/no-store).',
    labelNames: ['provider', 'result'],
    registers: [registry],
    collect() {
      pendingCacheReads.flushInto(this);
    },
  });
  const storeErrors = new Counter({
    name: 'usergraph_cache_store_errors_total',
    help: 'Cache store calls that failed or passed their time bound (the request went on without the cache), by provider and operation.',
    labelNames: ['provider', 'op'],
    registers: [registry],
  });
  const storeDuration = new Histogram({
    name: 'usergraph_cache_store_duration_seconds',
    help: 'Cache store call latency, by provider and operation.',
    labelNames: ['provider', 'op'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5],
    registers: [registry],
  });
  const persistedQueryStoreErrors = new Counter({
    name: 'usergraph_persisted_query_store_errors_total',
    help: 'Persisted-query store calls that failed or passed their time bound, by operation.',
    labelNames: ['op'],
    registers: [registry],
  });
  new Gauge({
    name: 'usergraph_cache_store_up',
    help: 'Whether the cache store answers (1) or the gateway is serving without it (0), by kind (memory, redis).',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      if (cacheStore) this.set({ kind: cacheStore.kind }, cacheStore.status().state === 'ok' ? 1 : 0);
    },
  });

  return {
    registry,
    onRead(provider: ProviderName, result: CacheResult) {
      pendingCacheReads.add(`${provider} ${result}`, () => ({ provider, result }));
    },
    onStoreCall(provider: ProviderName, op: 'get' | 'set' | 'delete', durationMs: number, ok: boolean) {
      storeDuration.observe({ provider, op }, durationMs / 1000);
      if (!ok) storeErrors.inc({ provider, op });
    },
    onPersistedQueryStoreError(op) {
      persistedQueryStoreErrors.inc({ op });
    },
    watchStore(store) {
      cacheStore = store;
    },
    onAttempt(a: UpstreamAttempt) {
      const key = `${a.provider} ${a.outcome}`;
      // Each call site gets its own arrow (never called once the label set is known): V8 then need not allocate them.
      pendingUpstreamCalls.add(key, () => ({ provider: a.provider, status: String(a.outcome) }));
      const series = upstreamDurationOf(key, () => ({ provider: a.provider, status: String(a.outcome) }));
      // The attempt's CLIENT span, when sampled, is the exemplar.
      if (a.trace_flags === '01' && a.trace_id && a.span_id) observeWithExemplar(upstreamDuration, series.labels, a.durationMs / 1000, { trace_id: a.trace_id, span_id: a.span_id });
      else series.child.observe(a.durationMs / 1000);
    },
    onRequest({ durationMs, errorCodes, exemplar }) {
      const outcome = errorCodes.length ? 'error' : 'ok';
      pendingRequests.add(outcome, () => ({ outcome }));
      if (exemplar) observeWithExemplar(duration, {}, durationMs / 1000, exemplar);
      else durationSeries.observe(durationMs / 1000);
      for (const { code, provider = '' } of errorCodes) pendingErrors.add(`${code} ${provider}`, () => ({ code, provider }));
    },
    onRefused(limit) {
      refused.inc({ limit });
    },
    onBatch(provider, size) {
      batchSizeOf(provider, () => ({ provider })).child.observe(size);
    },
    requestStarted: () => inFlightRequests.inc(),
    requestFinished: () => inFlightRequests.dec(),
    watch(registryOfProviders) {
      providers = registryOfProviders;
    },
    async exposition(accept) {
      if (prefersOpenMetrics(accept)) return { contentType: Registry.OPENMETRICS_CONTENT_TYPE, body: await openMetricsText(registry) };
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
