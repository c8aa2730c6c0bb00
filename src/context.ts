/**
 * The per-request state: everything that belongs to one GraphQL operation is born here and nowhere
 * else. Shared state (config, connection pools, logger, schema) holds no user data.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createLoaders, type LoaderOptions, type RequestLoaders } from './loaders.js';
import type { ProviderRegistry } from './providers/registry.js';
import { createUpstreamTally, type UpstreamTally } from './providers/request-scope.js';

export interface GatewayContext {
  loaders: RequestLoaders;
  /** This request's upstream calls so far (for its log line). */
  upstream: UpstreamTally;
}

export function createContext(registry: ProviderRegistry, headers: IncomingHttpHeaders, options: Omit<LoaderOptions, 'tally'>): GatewayContext {
  const upstream = createUpstreamTally();
  return { loaders: createLoaders(registry, headers, { ...options, tally: upstream }), upstream };
}
