/**
 * The providers: the only list of them in the gateway. Configuration, log redaction, CORS, the
 * playground, the commands, metrics and the tests loop over `PROVIDER_MODULES`; a new provider is one
 * line here (see README, "Adding a provider").
 */
import { createUpstreamGuard, type UpstreamGuard } from './resilience.js';
import type { AdapterDeps, ProviderAdapter, ProviderConfigBase } from './types.js';
import type { GatewayTracing } from '../tracing.js';
import type { UpstreamObserver } from './http.js';
import type { AnyProviderModule, ProviderModule } from './module.js';
import type { ProviderName } from './provider-name.js';
import { syncanoModule } from './syncano/module.js';
import { droplitModule } from './droplit/module.js';
import { passboltModule } from './passbolt/module.js';
import { belladatiModule } from './belladati/module.js';
import { scimModule } from './scim/module.js';

export const PROVIDER_MODULES = [syncanoModule, droplitModule, passboltModule, belladatiModule, scimModule] as const;

/** The provider names, in registry order. */
export const PROVIDERS: readonly ProviderName[] = PROVIDER_MODULES.map((m) => m.name);

type Modules = (typeof PROVIDER_MODULES)[number];
/** A provider's config type, from its module. */
type ConfigOf<M> = M extends ProviderModule<infer Config, infer _Creds, infer _Settings, infer _Name> ? Config : never;

/** Each provider's settings, or null when the provider is not configured on this gateway. */
export type ProvidersConfig = { readonly [M in Modules as M['name']]: ConfigOf<M> | null };

/** A provider's module by name. */
export function providerModule(name: ProviderName): AnyProviderModule {
  const module = PROVIDER_MODULES.find((m) => m.name === name);
  if (!module) throw new TypeError(`unknown provider ${name}`);
  return module;
}

export interface ProviderRegistry {
  /** The adapter, or undefined when the provider is not configured. */
  get(provider: ProviderName): ProviderAdapter<unknown> | undefined;
  configured(): ProviderName[];
  /** The provider's retry/breaker/bulkhead guard (health, metrics), or undefined when not configured. */
  guard(provider: ProviderName): UpstreamGuard | undefined;
  close(): Promise<void>;
}

export interface RegistryDeps extends AdapterDeps {
  /** Told of every upstream attempt of every provider (metrics, debug log). */
  observer?: UpstreamObserver;
  /** Starts a span per upstream attempt of a traced call; absent or not enabled: no spans. */
  tracing?: Pick<GatewayTracing, 'enabled' | 'tracer'>;
  /** Attempt spans may carry the request's full URL, ids included (TRACE_USER_IDS). */
  traceUserIds?: boolean;
}

/** The configured providers' adapters, each with its own guard shared by every request to it. */
export function createRegistry(config: ProvidersConfig, deps: RegistryDeps): ProviderRegistry {
  const adapters = new Map<ProviderName, ProviderAdapter<unknown>>();
  const guards = new Map<ProviderName, UpstreamGuard>();
  // Tracing off: no span is even started (the no-op tracer would make one per attempt for nothing).
  const tracing = deps.tracing?.enabled ? { tracer: deps.tracing.tracer, fullUrls: deps.traceUserIds === true } : undefined;
  for (const module of PROVIDER_MODULES as readonly AnyProviderModule[]) {
    const settings = (config as Partial<Record<ProviderName, ProviderConfigBase | null>>)[module.name];
    if (!settings) continue;
    const guard = createUpstreamGuard(module.name, settings.resilience);
    guards.set(module.name, guard);
    adapters.set(module.name, module.createAdapter({ ...settings, guard, observer: deps.observer, tracing }, deps) as ProviderAdapter<unknown>);
  }
  return {
    get: (provider) => adapters.get(provider),
    configured: () => [...adapters.keys()],
    guard: (provider) => guards.get(provider),
    close: async () => {
      await Promise.all([...adapters.values()].map((a) => a.close()));
    },
  };
}
