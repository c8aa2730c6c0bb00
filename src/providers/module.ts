/**
 * What a provider is to the gateway, in one object: each `src/providers/<name>/module.ts` exports one,
 * and `registry.ts` lists them. Configuration, log redaction, CORS, the playground, the commands and
 * the tests loop over these descriptors, so adding a provider changes nothing outside its own folders
 * and the two registries.
 */
import { z } from 'zod';
import type { UserModelBase } from '../model.js';
import type { ProviderName } from './provider-name.js';
import type { AdapterDeps, ProviderAdapter, ProviderConfigBase } from './types.js';
import type { ProbeGet, ProbeOutcome } from './probe.js';

/** A provider's own environment settings, by suffix: `{ URL: … }` is `<NAME>_URL`. */
export type SettingsShape = Record<string, z.ZodType>;

/** The parsed values of a provider's settings, by suffix (absent or empty variables are undefined). */
export type ParsedSettings<S extends SettingsShape = SettingsShape> = { readonly [K in keyof S]?: z.output<S[K]> };

/**
 * What config.ts computes for every provider from the common settings (`UPSTREAM_TIMEOUT_MS`,
 * `UPSTREAM_CONNECTIONS`, the resilience settings and their `<NAME>_…` overrides).
 */
export type ProviderConfigCommon = Omit<ProviderConfigBase, 'baseUrl'>;

/** Where demo mode runs the provider's simulator, and the data it serves. */
export interface SimulatorInfo {
  /** The simulator's base URL, e.g. `http://127.0.0.1:4101`. */
  url: string;
  /** The simulator's data section (`SIMULATOR_DATA`'s `<key>`), or undefined before it runs: read it defensively. */
  data: unknown;
}

/** `usergraph check` for one provider: a request whose answer tells its API from any other server. */
export interface ProviderProbe<Config> {
  /** A base URL to show in messages (`https://api.syncano.io`). */
  exampleUrl: string;
  run(config: Config, get: ProbeGet): Promise<ProbeOutcome>;
}

/**
 * A provider's playground tab. In demo mode its headers are the simulator's credentials; otherwise
 * `placeholders` (header → a hint of what to fill in).
 */
export interface PlaygroundExample {
  /** The operation; its name is the tab's title. `UNIFIED_USER_FIELDS` selects every unified field. */
  readonly query: string;
  readonly variables?: Readonly<Record<string, unknown>>;
  readonly placeholders: Readonly<Record<string, string>>;
}

/** Every field of the `User` interface, for playground operations (indented for a nested selection). */
export const UNIFIED_USER_FIELDS = `id
    provider
    username
    email
    displayName
    givenName
    familyName
    active
    createdAt
    updatedAt
    lastLoginAt
    avatarUrl
    groups { id groupId name }
    roles { value scope }`;

export interface ProviderModule<
  Config extends ProviderConfigBase = ProviderConfigBase,
  Creds = unknown,
  Settings extends SettingsShape = SettingsShape,
  Name extends ProviderName = ProviderName,
> {
  /** The schema's enum value; also the prefix of its environment variables (`SYNCANO_URL`). */
  readonly name: Name;
  /** The GraphQL type implementing `User` (`'SyncanoUser'`). */
  readonly typeName: string;
  /**
   * Client request headers carrying this provider's credentials or the caller's identity, as clients
   * spell them (`'X-Syncano-Api-Key'`). They feed log redaction, CORS allowed headers and CSRF.
   */
  readonly credentialHeaders: readonly string[];
  /** Upstream request headers carrying secrets (`'authorization'`, `'x-api-key'`), redacted in logs. */
  readonly upstreamSecretHeaders: readonly string[];
  /**
   * The provider's own settings by suffix (`{ URL: setting.url, TOKEN: setting.text }` → `<NAME>_URL`,
   * `<NAME>_TOKEN`). The common upstream/resilience settings are added by config.ts for every provider.
   * `URL` is the one that turns the provider on in production.
   */
  readonly settings: Settings;
  /**
   * Production: the provider's config from its settings and the common part, or null when it is not
   * configured. Pushes a message (`'<NAME>_<SUFFIX>: …'`) to `problems` for a half-configured provider.
   */
  configure(settings: ParsedSettings<Settings>, common: ProviderConfigCommon, problems: string[]): Config | null;
  /** Demo mode: the provider's config pointed at its simulator. */
  demo(settings: ParsedSettings<Settings>, common: ProviderConfigCommon, simulator: SimulatorInfo): Config;
  createAdapter(config: Config, deps: AdapterDeps): ProviderAdapter<Creds, UserModelBase>;
  /** Its playground tab: the operation, and the header placeholders shown outside demo mode. */
  readonly playground: PlaygroundExample;
  /** `usergraph check`'s probe; without one the provider is reported as not checkable. */
  readonly probe?: ProviderProbe<Config>;
}

/** Any provider's module, as the registry holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProviderModule = ProviderModule<any, any, any, ProviderName>;

/**
 * Declares a provider module, keeping its literal name and its config, credentials and settings
 * types (so `config.providers.SYNCANO` is a `SyncanoConfig`).
 */
export function defineProvider<const Name extends ProviderName, Config extends ProviderConfigBase, Creds, Settings extends SettingsShape>(
  module: ProviderModule<Config, Creds, Settings, Name>,
): ProviderModule<Config, Creds, Settings, Name> {
  return module;
}

/** Setting validators shared by provider modules. */
export const setting = {
  /** An http(s) base URL. */
  url: z.url({ protocol: /^https?$/ }),
  /** Any non-empty string (tokens, keys, names). */
  text: z.string().min(1),
};

/** A string member of a simulator's data section (`SimulatorInfo.data`), read defensively. */
export function dataString(data: unknown, name: string): string | undefined {
  const value = data && typeof data === 'object' ? (data as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}
