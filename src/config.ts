/**
 * Configuration: read once from the environment, validated, defaulted and frozen. `loadConfig` is
 * the only code that reads environment variables (main.ts hands it `process.env`); tests build
 * their own config. Every bad value is reported in one message, naming the variable.
 *
 * Defaults (units are in the names):
 *   PORT                      4000
 *   HOST                      0.0.0.0
 *   USERGRAPH_MODE            demo        demo: start the embedded simulators and point every provider
 *                                         at them; production: never start simulators, use *_URL
 *   UPSTREAM_TIMEOUT_MS       2000        deadline for one upstream attempt, headers and body
 *   REQUEST_DEADLINE_MS       5000        deadline for all upstream calls of one GraphQL request, retries included
 *   UPSTREAM_CONNECTIONS      64          keep-alive connections (= concurrent requests) per provider
 *   UPSTREAM_MAX_BODY_BYTES   1048576     largest upstream response accepted (1 MiB)
 *   REQUEST_MAX_BODY_BYTES    102400      largest GraphQL request body accepted (100 kB)
 *   HEADERS_TIMEOUT_MS        10000       time a client may take to send its headers
 *   REQUEST_TIMEOUT_MS        30000       time a client may take to send a whole request
 *   MAX_CONNECTIONS           1024        open client connections; more are closed at once
 *   Retries, breaker, in-flight bound: see RESILIENCE_ENV below and src/providers/resilience.ts.
 *   Operation limits: see LIMITS_ENV below and src/plugins/operation-limits.ts.
 *   CACHE_TTL_S               0 (demo 30) seconds a provider user record is answered from the cache; 0 is off
 *   CACHE_STALE_IF_ERROR_S    0 (demo 300) seconds past the TTL a record may answer while its provider fails
 *                                         (both also per provider: PASSBOLT_CACHE_TTL_S, …)
 *   CACHE_MAX_ENTRIES         10000       in-process cache bounds (without Redis)
 *   CACHE_MAX_BYTES           67108864
 *   CACHE_KEY_SECRET          —           keys and encrypts cache entries; required with REDIS_URL
 *   REDIS_URL                 —           the shared store (redis://, rediss://, redis+sentinel://, redis+cluster://)
 *   REDIS_TIMEOUT_MS          250         bound on one Redis call; past it the request goes on without the cache
 *   REDIS_KEY_PREFIX          usergraph:
 *   PERSISTED_QUERIES         true        automatic persisted queries, in the same store
 *   PERSISTED_QUERIES_TTL_S   86400
 *   PERSISTED_DOCUMENTS       —           a manifest of trusted operations (graphql-codegen client preset)
 *   PERSISTED_DOCUMENTS_ONLY  production  accept only the manifest's operations
 *   <NAME>_TRACE_PROPAGATION  false       send the upstream attempt span's traceparent/tracestate to that provider
 *   TRACE_USER_IDS            false       put user and group ids in spans (batch ids, attempt `url.full`)
 *   EXECUTOR                  graphql-jit how operations run: compiled once per document (graphql-jit) or graphql-js
 *   OTEL_*                    —           OpenTelemetry's standard variables, read by the SDK itself (src/tracing.ts;
 *                                         not settable from a USERGRAPH_CONFIG file)
 *
 * Providers: each provider module (src/providers/registry.ts) declares its own settings by suffix
 * (`URL`, `TOKEN`, …: `<NAME>_URL`, `<NAME>_TOKEN`); this file adds, for every provider, the upstream
 * and resilience settings (`<NAME>_UPSTREAM_TIMEOUT_MS`, …) and `<NAME>_SIMULATOR_PORT`.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PROVIDER_MODULES, PROVIDERS, type ProvidersConfig } from './providers/registry.js';
import type { AnyProviderModule, ParsedSettings, ProviderConfigCommon } from './providers/module.js';
import type { ProviderName } from './providers/provider-name.js';
import type { ProviderConfigBase } from './providers/types.js';
import { SIMULATOR_MODULES } from './simulators/registry.js';
import type { ResilienceOptions } from './providers/resilience.js';
import type { OperationLimits } from './plugins/operation-limits.js';
import { parseRedisUrl } from './cache/redis-url.js';

export type Mode = 'demo' | 'production';

export interface GatewayConfig {
  mode: Mode;
  port: number;
  host: string;
  /** Largest GraphQL request body accepted. */
  requestMaxBodyBytes: number;
  /** Whether clients may introspect the schema (on in demo mode, off in production by default). */
  introspection: boolean;
  /** Whether GET /graphql from a browser serves the GraphiQL playground (on in demo mode, off in production by default). */
  playground: boolean;
  /** Whether validation errors may suggest field names ("Did you mean…"); follows introspection by default. */
  fieldSuggestions: boolean;
  /** Budget for all upstream calls of one GraphQL request, retries included. */
  requestDeadlineMs: number;
  /** On SIGTERM/SIGINT, how long in-flight requests may take to finish before connections are cut. */
  shutdownTimeoutMs: number;
  /** How long a client may take to send a request's headers (408 and close past it). */
  headersTimeoutMs: number;
  /** How long a client may take to send a whole request, headers and body (408 and close past it). */
  requestTimeoutMs: number;
  /** Open client connections at most; connections past it are closed at once. */
  maxConnections: number;
  /** Refusals before execution: parser tokens, aliases, depth, directives, upstream calls. */
  limits: OperationLimits & { maxTokens: number };
  providers: ProvidersConfig;
  /**
   * Each provider's own settings as parsed, by suffix (`{ URL, TOKEN }`): demo mode derives the
   * provider's config from them again once its simulator runs (`withSimulatorUrls`).
   */
  providerSettings: Readonly<Record<ProviderName, ParsedSettings>>;
  /** Demo mode only: the simulators' data file (undefined = the demo data shipped with the gateway). */
  simulatorDataPath?: string;
  /** Demo mode only: the port of each provider's simulator (`<NAME>_SIMULATOR_PORT`, else its module's default). */
  simulatorPorts: Readonly<Record<ProviderName, number>>;
  /** Which web origins may call `/graphql` from a browser (see src/cors.ts). */
  cors: CorsConfig;
  /** The cache of provider user records (src/cache/user-cache.ts) and where it lives. */
  cache: CacheConfig;
  /** Automatic persisted queries: a client sends a query's hash instead of its text once registered. */
  persistedQueries: { enabled: boolean; ttlS: number };
  /** Trusted documents: the operations of a manifest, by hash (src/persisted/trusted-documents.ts). */
  persistedDocuments?: { path: string; only: boolean };
  /** How operations run: compiled once per document and reused (src/executor/jit.ts), or graphql-js's `execute`. */
  executor: 'graphql-jit' | 'graphql-js';
  /** Whether spans may carry user and group ids (TRACE_USER_IDS); never by default: ids name people. */
  traceUserIds: boolean;
}

/** One provider's cache policy: `ttlS` 0 is off. */
export interface ProviderCachePolicy {
  /** How long a user record is answered from the cache without asking the provider. */
  ttlS: number;
  /** How long past `ttlS` a record is kept to answer when the provider fails (RFC 5861 stale-if-error). */
  staleIfErrorS: number;
}

export interface CacheConfig {
  providers: Readonly<Record<ProviderName, ProviderCachePolicy>>;
  /** Bounds of the in-process store (used without Redis). */
  maxEntries: number;
  maxBytes: number;
  /** Server secret for cache keys and encryption (CACHE_KEY_SECRET); required with Redis, else random per process. */
  secret?: string;
  /** The shared store; absent: the in-process one. */
  redis?: { url: string; timeoutMs: number; keyPrefix: string };
}

export interface CorsConfig {
  /** Exact origins (`https://app.example.com`) allowed to read responses; `['*']` is any origin, without credentials. */
  origins: string[];
  /** Any http(s) origin on localhost, 127.0.0.1 or [::1], any port (the demo-mode default). */
  loopbackOrigins: boolean;
  /** Send `Access-Control-Allow-Credentials: true` (cookies or HTTP auth sent by `fetch(…, { credentials: 'include' })`). */
  credentials: boolean;
  /** How long a browser may reuse a preflight answer (`Access-Control-Max-Age`); 0 sends none. */
  maxAgeS: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const opt = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
/** A comma-separated list of origins (`scheme://host[:port]`, no path), or `*` alone. */
const originList = z.string().transform((value, ctx) => {
  const origins = value.split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.includes('*') && origins.length > 1) ctx.addIssue({ code: 'custom', message: '`*` (any origin) must stand alone' });
  for (const origin of origins) {
    if (origin === '*') continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      ctx.addIssue({ code: 'custom', message: `"${origin}" is not an origin: scheme://host[:port] in lower case, no path or trailing slash` });
    }
  }
  return origins;
});

/** Env variable → resilience option (each also per provider, prefixed: `SYNCANO_UPSTREAM_RETRIES`). */
const RESILIENCE_ENV = {
  UPSTREAM_RETRIES: 'maxRetries',
  UPSTREAM_BACKOFF_BASE_MS: 'backoffBaseMs',
  UPSTREAM_BACKOFF_MAX_MS: 'backoffMaxMs',
  UPSTREAM_RETRY_BUDGET_PERCENT: 'retryBudgetPercent',
  UPSTREAM_RETRY_BUDGET_MIN_PER_SECOND: 'retryBudgetMinPerSecond',
  UPSTREAM_MAX_IN_FLIGHT: 'maxInFlight',
  BREAKER_CONSECUTIVE_FAILURES: 'breakerConsecutiveFailures',
  BREAKER_FAILURE_RATE_PERCENT: 'breakerFailureRatePercent',
  BREAKER_MINIMUM_CALLS: 'breakerMinimumCalls',
  BREAKER_WINDOW_MS: 'breakerWindowMs',
  BREAKER_OPEN_MS: 'breakerOpenMs',
} as const satisfies Record<string, keyof ResilienceOptions>;

/** Env variable → operation limit, with its default. */
const LIMITS_ENV = {
  MAX_TOKENS: ['maxTokens', 1000],
  MAX_ALIASES: ['maxAliases', 10],
  MAX_DEPTH: ['maxDepth', 6],
  MAX_DIRECTIVES: ['maxDirectives', 10],
  MAX_UPSTREAM_CALLS: ['maxUpstreamCalls', 10],
  MAX_UPSTREAM_CALLS_PER_PROVIDER: ['maxUpstreamCallsPerProvider', 5],
} as const;

const MODULES: readonly AnyProviderModule[] = PROVIDER_MODULES;
const nonNegativeInt = z.coerce.number().int().min(0);

/** UPSTREAM_TIMEOUT_MS and the resilience settings, globally and per provider (`<PROVIDER>_<NAME>`). */
const upstreamTuning = Object.fromEntries(
  ['UPSTREAM_TIMEOUT_MS', ...Object.keys(RESILIENCE_ENV)].flatMap((name) => {
    const schema = opt(name === 'UPSTREAM_TIMEOUT_MS' || name.endsWith('IN_FLIGHT') || name.startsWith('BREAKER_') ? positiveInt : nonNegativeInt);
    return [[name, schema], ...PROVIDERS.map((p) => [`${p}_${name}`, schema])];
  }),
) as Record<string, ReturnType<typeof opt<typeof positiveInt>>>;

const limitsSchema = Object.fromEntries(Object.keys(LIMITS_ENV).map((name) => [name, opt(positiveInt)])) as Record<
  keyof typeof LIMITS_ENV,
  ReturnType<typeof opt<typeof positiveInt>>
>;

/** `<NAME>_TRACE_PROPAGATION` for every provider. */
const tracePropagationSchema = Object.fromEntries(PROVIDERS.map((p) => [`${p}_TRACE_PROPAGATION`, opt(bool)])) as Record<string, ReturnType<typeof opt<typeof bool>>>;

/** `<NAME>_SIMULATOR_PORT` for every provider. */
const simulatorPortsSchema = Object.fromEntries(PROVIDERS.map((p) => [`${p}_SIMULATOR_PORT`, opt(port)])) as Record<string, ReturnType<typeof opt<typeof port>>>;

/** Each provider module's own settings: `{ URL: … }` of SYNCANO is SYNCANO_URL. */
const providerSettingsSchema = Object.fromEntries(
  MODULES.flatMap((m) => Object.entries(m.settings as Record<string, z.ZodType>).map(([suffix, schema]) => [`${m.name}_${suffix}`, opt(schema)])),
) as Record<string, ReturnType<typeof opt<z.ZodType>>>;

/** CACHE_TTL_S and CACHE_STALE_IF_ERROR_S, globally and per provider (`PASSBOLT_CACHE_TTL_S`). */
const cacheSchema = Object.fromEntries(
  ['CACHE_TTL_S', 'CACHE_STALE_IF_ERROR_S'].flatMap((name) => [[name, opt(nonNegativeInt)], ...PROVIDERS.map((p) => [`${p}_${name}`, opt(nonNegativeInt)])]),
) as Record<string, ReturnType<typeof opt<typeof nonNegativeInt>>>;

/** REDIS_URL: one of the schemes src/cache/redis-url.ts reads; the message never quotes the URL (it may hold a password). */
const redisUrl = z.string().superRefine((value, ctx) => {
  try {
    parseRedisUrl(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/** Demo mode caches for a short while so `npm start` shows hits and stale answers; production caches nothing unless asked. */
const CACHE_DEFAULTS: Record<Mode, ProviderCachePolicy> = {
  demo: { ttlS: 30, staleIfErrorS: 300 },
  production: { ttlS: 0, staleIfErrorS: 0 },
};

const EnvSchema = z.object({
  USERGRAPH_CONFIG: opt(z.string().min(1)),
  ...upstreamTuning,
  ...limitsSchema,
  REQUEST_DEADLINE_MS: opt(positiveInt),
  SHUTDOWN_TIMEOUT_MS: opt(positiveInt),
  HEADERS_TIMEOUT_MS: opt(positiveInt),
  REQUEST_TIMEOUT_MS: opt(positiveInt),
  MAX_CONNECTIONS: opt(positiveInt),
  FIELD_SUGGESTIONS: opt(bool),
  PLAYGROUND: opt(bool),
  PORT: opt(port),
  HOST: opt(z.string().min(1)),
  USERGRAPH_MODE: opt(z.enum(['demo', 'production'])),
  INTROSPECTION: opt(bool),
  UPSTREAM_CONNECTIONS: opt(positiveInt.max(1024)),
  UPSTREAM_MAX_BODY_BYTES: opt(positiveInt),
  REQUEST_MAX_BODY_BYTES: opt(positiveInt),
  SIMULATOR_DATA: opt(z.string().min(1)),
  ...simulatorPortsSchema,
  ...tracePropagationSchema,
  ...providerSettingsSchema,
  CORS_ORIGINS: opt(originList),
  CORS_CREDENTIALS: opt(bool),
  CORS_MAX_AGE_S: opt(nonNegativeInt.max(86_400)),
  ...cacheSchema,
  CACHE_MAX_ENTRIES: opt(positiveInt),
  CACHE_MAX_BYTES: opt(positiveInt),
  CACHE_KEY_SECRET: opt(z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 48`)')),
  REDIS_URL: opt(redisUrl),
  REDIS_TIMEOUT_MS: opt(positiveInt),
  REDIS_KEY_PREFIX: opt(z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'letters, digits and : _ . - only')),
  PERSISTED_QUERIES: opt(bool),
  PERSISTED_QUERIES_TTL_S: opt(positiveInt),
  PERSISTED_DOCUMENTS: opt(z.string().min(1)),
  PERSISTED_DOCUMENTS_ONLY: opt(bool),
  EXECUTOR: opt(z.enum(['graphql-jit', 'graphql-js'])),
  TRACE_USER_IDS: opt(bool),
});

type Env = z.infer<typeof EnvSchema>;

/** A numeric setting by its computed name (the per-provider tuning keys). */
const numberAt = (e: Env, name: string) => (e as Record<string, unknown>)[name] as number | undefined;

/** The resilience overrides for one provider: its own `<PROVIDER>_*` values over the global ones. */
function resilienceFor(e: Env, prefix: ProviderName): Partial<ResilienceOptions> {
  const out: Partial<ResilienceOptions> = {};
  for (const [name, key] of Object.entries(RESILIENCE_ENV)) {
    const value = numberAt(e, `${prefix}_${name}`) ?? numberAt(e, name);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The part of a provider's config every provider has, from the common settings. */
function providerBase(e: Env, prefix: ProviderName): ProviderConfigCommon {
  return {
    timeoutMs: numberAt(e, `${prefix}_UPSTREAM_TIMEOUT_MS`) ?? numberAt(e, 'UPSTREAM_TIMEOUT_MS') ?? 2_000,
    connections: e.UPSTREAM_CONNECTIONS ?? 64,
    maxBodyBytes: e.UPSTREAM_MAX_BODY_BYTES ?? 1_048_576,
    keepAliveTimeoutMs: 4_000,
    resilience: resilienceFor(e, prefix),
    tracePropagation: ((e as Record<string, unknown>)[`${prefix}_TRACE_PROPAGATION`] as boolean | undefined) ?? false,
  };
}

/**
 * Parses the environment. In demo mode the provider URLs are filled in later by whoever starts the
 * simulators (see `withSimulatorUrls`); in production a provider is configured when its module's
 * `configure` says so (its URL, and what it requires with it, e.g. SYNCANO_INSTANCE), and left out
 * otherwise.
 */
export function loadConfig(processEnv: Record<string, string | undefined>): Readonly<GatewayConfig> {
  // The config file (USERGRAPH_CONFIG) gives defaults; the environment overrides it.
  const env = processEnv.USERGRAPH_CONFIG ? { ...readConfigFile(processEnv.USERGRAPH_CONFIG), ...definedOnly(processEnv) } : processEnv;
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const mode: Mode = e.USERGRAPH_MODE ?? 'demo';
  const problems: string[] = [];
  const providerSettings = settingsByProvider(e);
  const providers = mode === 'production' ? productionProviders(e, providerSettings, problems) : demoProviders(e, providerSettings);
  if (e.CORS_CREDENTIALS && e.CORS_ORIGINS?.includes('*')) problems.push('CORS_CREDENTIALS: cannot be true when CORS_ORIGINS is `*` (list the origins)');
  const headersTimeoutMs = e.HEADERS_TIMEOUT_MS ?? 10_000;
  const requestTimeoutMs = e.REQUEST_TIMEOUT_MS ?? 30_000;
  // node:http refuses a headers timeout longer than the request timeout.
  if (headersTimeoutMs > requestTimeoutMs) problems.push(`HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  // The secret keys and encrypts what every replica reads: a random one per process would make each replica's entries unreadable to the others.
  if (e.REDIS_URL && !e.CACHE_KEY_SECRET) problems.push('CACHE_KEY_SECRET: required with REDIS_URL (the same value on every replica; at least 32 characters)');
  if (e.PERSISTED_DOCUMENTS_ONLY && !e.PERSISTED_DOCUMENTS) problems.push('PERSISTED_DOCUMENTS_ONLY: needs PERSISTED_DOCUMENTS (the manifest of allowed operations)');
  if (problems.length) throw new ConfigError(problems);

  const limits = Object.fromEntries(
    Object.entries(LIMITS_ENV).map(([name, [key, fallback]]) => [key, numberAt(e, name) ?? fallback]),
  ) as unknown as GatewayConfig['limits'];
  const introspection = e.INTROSPECTION ?? mode === 'demo';

  return deepFreeze({
    mode,
    port: e.PORT ?? 4000,
    host: e.HOST ?? '0.0.0.0',
    requestMaxBodyBytes: e.REQUEST_MAX_BODY_BYTES ?? 102_400,
    introspection,
    fieldSuggestions: e.FIELD_SUGGESTIONS ?? introspection,
    playground: e.PLAYGROUND ?? mode === 'demo',
    requestDeadlineMs: e.REQUEST_DEADLINE_MS ?? 5_000,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS ?? 10_000,
    headersTimeoutMs,
    requestTimeoutMs,
    maxConnections: e.MAX_CONNECTIONS ?? 1024,
    limits,
    providers,
    providerSettings,
    simulatorDataPath: e.SIMULATOR_DATA,
    simulatorPorts: Object.fromEntries(SIMULATOR_MODULES.map((s) => [s.name, numberAt(e, `${s.name}_SIMULATOR_PORT`) ?? s.defaultPort])) as Record<
      ProviderName,
      number
    >,
    // Closed unless listed; demo mode also opens to any loopback origin, so a web app in development works.
    cors: {
      origins: e.CORS_ORIGINS ?? [],
      loopbackOrigins: e.CORS_ORIGINS === undefined && mode === 'demo',
      credentials: e.CORS_CREDENTIALS ?? false,
      maxAgeS: e.CORS_MAX_AGE_S ?? 600,
    },
    cache: {
      providers: Object.fromEntries(
        PROVIDERS.map((p) => [
          p,
          {
            ttlS: numberAt(e, `${p}_CACHE_TTL_S`) ?? numberAt(e, 'CACHE_TTL_S') ?? CACHE_DEFAULTS[mode].ttlS,
            staleIfErrorS: numberAt(e, `${p}_CACHE_STALE_IF_ERROR_S`) ?? numberAt(e, 'CACHE_STALE_IF_ERROR_S') ?? CACHE_DEFAULTS[mode].staleIfErrorS,
          },
        ]),
      ) as Record<ProviderName, ProviderCachePolicy>,
      maxEntries: e.CACHE_MAX_ENTRIES ?? 10_000,
      maxBytes: e.CACHE_MAX_BYTES ?? 64 * 1024 * 1024,
      ...(e.CACHE_KEY_SECRET ? { secret: e.CACHE_KEY_SECRET } : {}),
      ...(e.REDIS_URL ? { redis: { url: e.REDIS_URL, timeoutMs: e.REDIS_TIMEOUT_MS ?? 250, keyPrefix: e.REDIS_KEY_PREFIX ?? 'usergraph:' } } : {}),
    },
    persistedQueries: { enabled: e.PERSISTED_QUERIES ?? true, ttlS: e.PERSISTED_QUERIES_TTL_S ?? 86_400 },
    ...(e.PERSISTED_DOCUMENTS ? { persistedDocuments: { path: e.PERSISTED_DOCUMENTS, only: e.PERSISTED_DOCUMENTS_ONLY ?? mode === 'production' } } : {}),
    executor: e.EXECUTOR ?? 'graphql-jit',
    traceUserIds: e.TRACE_USER_IDS ?? false,
  });
}

/** Each provider's own settings, by suffix, as parsed. */
function settingsByProvider(e: Env): Record<ProviderName, ParsedSettings> {
  const values = e as Record<string, unknown>;
  return Object.fromEntries(
    MODULES.map((m) => [m.name, Object.fromEntries(Object.keys(m.settings as object).map((suffix) => [suffix, values[`${m.name}_${suffix}`]]))]),
  ) as Record<ProviderName, ParsedSettings>;
}

/** Production: a provider is configured when its module says so (its URL, and what it requires with it). */
function productionProviders(e: Env, settings: Record<ProviderName, ParsedSettings>, problems: string[]): ProvidersConfig {
  return Object.fromEntries(MODULES.map((m) => [m.name, m.configure(settings[m.name], providerBase(e, m.name), problems)])) as ProvidersConfig;
}

/** Demo mode: placeholders until the simulators are listening (`withSimulatorUrls`); no default credentials. */
function demoProviders(e: Env, settings: Record<ProviderName, ParsedSettings>): ProvidersConfig {
  return Object.fromEntries(
    MODULES.map((m) => [m.name, m.demo(settings[m.name], providerBase(e, m.name), { url: 'http://127.0.0.1', data: undefined })]),
  ) as ProvidersConfig;
}

/** What demo mode needs to know of the running simulators, by lower-case key (structurally `Simulators`). */
export type RunningSimulatorsInfo = { readonly [K in Lowercase<ProviderName>]: { url: string } } & {
  data: { readonly [K in Lowercase<ProviderName>]?: unknown };
};

/** The common part of a provider's config, as loadConfig computed it. */
function commonOf(p: ProviderConfigBase): ProviderConfigCommon {
  const { timeoutMs, connections, maxBodyBytes, keepAliveTimeoutMs, resilience, tracePropagation } = p;
  return { timeoutMs, connections, maxBodyBytes, keepAliveTimeoutMs, resilience, tracePropagation };
}

/**
 * Points every configured provider at its running simulator (demo mode); each module takes what it
 * needs from its simulator's data (the Syncano instance, the BellaDati consumer key), so a custom
 * SIMULATOR_DATA file just works.
 */
export function withSimulatorUrls(config: Readonly<GatewayConfig>, sims: RunningSimulatorsInfo): Readonly<GatewayConfig> {
  const current = config.providers as Readonly<Record<ProviderName, ProviderConfigBase | null>>;
  const providers = Object.fromEntries(
    MODULES.map((m) => {
      const p = current[m.name];
      const key = m.name.toLowerCase() as Lowercase<ProviderName>;
      return [m.name, p && m.demo(config.providerSettings[m.name], commonOf(p), { url: sims[key].url, data: sims.data[key] })];
    }),
  ) as ProvidersConfig;
  return deepFreeze({ ...config, providers });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** `requestDeadlineMs` → `REQUEST_DEADLINE_MS`. */
function toEnvName(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toUpperCase();
}

/**
 * Reads a YAML or JSON config file into the environment variables it stands for: top-level keys are
 * the variables in camelCase (`requestDeadlineMs: 5000` is REQUEST_DEADLINE_MS; `mode` is
 * USERGRAPH_MODE), and `providers.<name>.<key>` is `<NAME>_<KEY>` (`providers.passbolt.url` is
 * PASSBOLT_URL, `providers.passbolt.upstreamTimeoutMs` is PASSBOLT_UPSTREAM_TIMEOUT_MS). Unknown keys
 * are errors, so a typo never passes silently.
 */
export function readConfigFile(path: string): Record<string, string> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`USERGRAPH_CONFIG: cannot read ${path}: ${(error as Error).message.split('\n')[0]}`]);
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError([`USERGRAPH_CONFIG: ${path} must hold a mapping of settings`]);
  const known = new Set(Object.keys(EnvSchema.shape));
  const out: Record<string, string> = {};
  const problems: string[] = [];
  const put = (fileKey: string, name: string, value: unknown) => {
    if (!known.has(name) || name === 'USERGRAPH_CONFIG') return problems.push(`${fileKey}: unknown setting (in ${path})`);
    if (value === null || typeof value === 'object') return problems.push(`${fileKey}: expected a string, number or boolean (in ${path})`);
    out[name] = String(value);
  };
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'providers' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [provider, settings] of Object.entries(value)) {
        if (!settings || typeof settings !== 'object' || Array.isArray(settings)) {
          problems.push(`providers.${provider}: expected a mapping (in ${path})`);
          continue;
        }
        for (const [k, v] of Object.entries(settings)) put(`providers.${provider}.${k}`, `${toEnvName(provider)}_${toEnvName(k)}`, v);
      }
    } else {
      put(key, key === 'mode' ? 'USERGRAPH_MODE' : toEnvName(key), value);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return out;
}
