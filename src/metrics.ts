/**
 * Prometheus metrics (prom-client), one registry per gateway so several gateways in one process (tests)
 * never share counters. Served as text at `/metrics`. Labels carry providers, codes and statuses only:
 * never a user id, a credential or a URL.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProviderName } from './providers/provider-name.js';
import { PROVIDERS } from './providers/registry.js';
import type { UpstreamAttempt, UpstreamObserver } from './providers/http.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { CacheObserver, CacheResult } from './cache/user-cache.js';
import type { CacheStore } from './cache/store.js';

export interface GatewayMetrics extends UpstreamObserver, CacheObserver {
  readonly registry: Registry;
  /** One GraphQL request finished: its outcome and the error codes it carried. */
  onRequest(result: { durationMs: number; errorCodes: Array<{ code: string; provider?: string }> }): void;
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

/** A histogram's child per label set (prom-client's `labels()`), made once and kept: the request path only observes. */
function histogramChildren<L extends string>(histogram: Histogram<L>): (key: string, values: () => string[]) => { observe(value: number): void } {
  const byKey = new Map<string, { observe(value: number): void }>();
  return (key, values) => {
    let child = byKey.get(key);
    if (!child) byKey.set(key, (child = histogram.labels(...values())));
    return child;
  };
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
    registers: [registry],
  });
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
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'usergraph_dataloader_batch_size',
    help: 'Distinct users per DataLoader batch dispatched to a provider.',
    labelNames: ['provider'],
    buckets: [1, 2, 3, 5, 10, 25, 50],
    registers: [registry],
  });
  const upstreamDurationOf = histogramChildren(upstreamDuration);
  const batchSizeOf = histogramChildren(batchSize);
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
      pendingUpstreamCalls.add(key, () => ({ provider: a.provider, status: String(a.outcome) }));
      upstreamDurationOf(key, () => [a.provider, String(a.outcome)]).observe(a.durationMs / 1000);
    },
    onRequest({ durationMs, errorCodes }) {
      const outcome = errorCodes.length ? 'error' : 'ok';
      pendingRequests.add(outcome, () => ({ outcome }));
      duration.observe(durationMs / 1000);
      for (const { code, provider = '' } of errorCodes) pendingErrors.add(`${code} ${provider}`, () => ({ code, provider }));
    },
    onRefused(limit) {
      refused.inc({ limit });
    },
    onBatch(provider, size) {
      batchSizeOf(provider, () => [provider]).observe(size);
    },
    requestStarted: () => inFlightRequests.inc(),
    requestFinished: () => inFlightRequests.dec(),
    watch(registryOfProviders) {
      providers = registryOfProviders;
    },
  };
}
