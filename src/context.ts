/**
 * The per-request state: everything that belongs to one GraphQL operation is born here and nowhere
 * else. Shared state (config, connection pools, logger, schema) holds no user data.
 */
import { createCacheTally, createLoaders, type CacheTally, type LoaderOptions, type RequestLoaders } from './loaders.js';
import type { Logger } from './logger.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { RequestHeaders } from './providers/request-headers.js';
import { createUpstreamTally, type RequestLogFields, type UpstreamTally } from './providers/request-scope.js';
import type { RequestSpan } from './tracing.js';

export interface GatewayContext {
  loaders: RequestLoaders;
  /** This request's upstream calls so far (for its log line). */
  upstream: UpstreamTally;
  /** The request's id: the client's `X-Request-Id` when well-formed, else a fresh UUID; echoed as `x-request-id`. */
  requestId: string;
  /** The gateway's logger bound to this request's id: every line about this request goes through it. */
  log: Logger;
  /** This request's cache reads by result (for its log line). */
  cache: CacheTally;
  /** Fields answered stale from the cache (their provider failing): reported in `extensions.stale`. */
  stale: StaleNote[];
  /** The request's trace span (tracing.ts), when traces are on. */
  span?: RequestSpan;
}

/** One field answered from a kept cache entry while its provider failed. */
export interface StaleNote {
  path: ReadonlyArray<string | number>;
  provider: string;
  /** Seconds since the entry was stored. */
  ageSeconds: number;
}

/** What every request's context is made with (the gateway's settings, built once). */
export type ContextOptions = Omit<LoaderOptions, 'tally' | 'cacheTally' | 'trace' | 'logFields'>;

/** What is this request's own. */
export interface RequestIdentity {
  span?: RequestSpan;
  /** What `log` carries: the request's id and its trace, also for the upstream debug lines. */
  logFields: RequestLogFields;
  log: Logger;
}

export function createContext(registry: ProviderRegistry, headers: RequestHeaders, options: ContextOptions, { log, span, logFields }: RequestIdentity): GatewayContext {
  const upstream = createUpstreamTally();
  const cache = createCacheTally();
  return {
    loaders: createLoaders(registry, headers, { ...options, tally: upstream, cacheTally: cache, trace: span?.context, logFields }),
    upstream,
    requestId: logFields.requestId,
    log,
    cache,
    stale: [],
    ...(span && { span }),
  };
}
