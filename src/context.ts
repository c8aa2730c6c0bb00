/**
 * The per-request state: everything that belongs to one GraphQL operation is born here and nowhere
 * else. Shared state (config, connection pools, logger, schema) holds no user data.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createLoaders, type LoaderOptions, type RequestLoaders } from './loaders.js';
import type { ProviderRegistry } from './providers/registry.js';

export interface GatewayContext {
  loaders: RequestLoaders;
}

export function createContext(registry: ProviderRegistry, headers: IncomingHttpHeaders, options: LoaderOptions): GatewayContext {
  return { loaders: createLoaders(registry, headers, options) };
}
