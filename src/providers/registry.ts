/**
 * Provider name → adapter. The only file that names all four providers; a fifth provider is one
 * folder, one SDL file and one line here.
 */
import type { ProviderName } from '../model.js';
import { createUpstreamGuard, type UpstreamGuard } from './resilience.js';
import type { AdapterDeps, ProviderAdapter, ProviderConfigBase } from './types.js';
import type { UpstreamObserver } from './http.js';
import { createSyncanoAdapter, type SyncanoConfig } from './syncano/index.js';
import { createDroplitAdapter, type DroplitConfig } from './droplit/index.js';
import { createPassboltAdapter, type PassboltConfig } from './passbolt/index.js';
import { createBellaDatiAdapter, type BellaDatiConfig } from './belladati/index.js';

/** Each provider's settings, or null when the provider is not configured on this gateway. */
export interface ProvidersConfig {
  SYNCANO: SyncanoConfig | null;
  DROPLIT: DroplitConfig | null;
  PASSBOLT: PassboltConfig | null;
  BELLADATI: BellaDatiConfig | null;
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
}

export function createRegistry(config: ProvidersConfig, deps: RegistryDeps): ProviderRegistry {
  const adapters = new Map<ProviderName, ProviderAdapter<unknown>>();
  const guards = new Map<ProviderName, UpstreamGuard>();
  const add = <C>(adapter: ProviderAdapter<C>) => adapters.set(adapter.provider, adapter as ProviderAdapter<unknown>);
  /** Gives the provider's settings its own guard, shared by every request to that provider. */
  const guarded = <T extends ProviderConfigBase>(provider: ProviderName, settings: T): T => {
    const guard = createUpstreamGuard(provider, settings.resilience);
    guards.set(provider, guard);
    return { ...settings, guard, observer: deps.observer };
  };
  if (config.SYNCANO) add(createSyncanoAdapter(guarded('SYNCANO', config.SYNCANO), deps));
  if (config.DROPLIT) add(createDroplitAdapter(guarded('DROPLIT', config.DROPLIT), deps));
  if (config.PASSBOLT) add(createPassboltAdapter(guarded('PASSBOLT', config.PASSBOLT), deps));
  if (config.BELLADATI) add(createBellaDatiAdapter(guarded('BELLADATI', config.BELLADATI), deps));
  return {
    get: (provider) => adapters.get(provider),
    configured: () => [...adapters.keys()],
    guard: (provider) => guards.get(provider),
    close: async () => {
      await Promise.all([...adapters.values()].map((a) => a.close()));
    },
  };
}
