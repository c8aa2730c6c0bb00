/**
 * `usergraph check`: validates the configuration (every problem listed, exit 2, as `start` does),
 * then probes each configured provider with a request whose answer tells its API at the right base
 * URL, path and instance from any other server (each provider module's `probe`, in
 * `src/providers/<name>/probe.ts`), and checks the server-side
 * credentials that are set. Prints one line per provider saying what was verified or what to fix;
 * exits 1 on any misconfiguration, unreachable provider, or (in production) no provider at all.
 * Credentials are never printed.
 */
import { loadConfig, readConfigFile, type GatewayConfig } from '../config.js';
import { tracesProtocol } from '../tracing-exporter.js';
import type { AnyProviderModule, ProviderConfigCommon } from '../providers/module.js';
import type { ProviderName } from '../providers/provider-name.js';
import { createProbeGet, displayUrl } from '../providers/probe.js';
import { PROVIDER_MODULES, PROVIDERS } from '../providers/registry.js';
import type { ProviderConfigBase } from '../providers/types.js';

export interface CheckResult {
  provider: ProviderName;
  status: 'ok' | 'misconfigured' | 'unreachable' | 'not configured' | 'simulated';
  /** What was verified, or what is wrong and which setting to fix. Never a credential. */
  detail?: string;
}

const MODULES: readonly AnyProviderModule[] = PROVIDER_MODULES;

/** A module's settings other than its URL: they mean nothing without it. */
const settingsBesideUrl = (m: AnyProviderModule) => Object.keys(m.settings as object).filter((s) => s !== 'URL').map((s) => `${m.name}_${s}`);

/**
 * The settings a module requires with its URL (`SYNCANO_INSTANCE`), as its `configure` reports them
 * for a URL alone.
 */
function requiredWithUrl(m: AnyProviderModule): string[] {
  const problems: string[] = [];
  const common: ProviderConfigCommon = { timeoutMs: 1, connections: 1, maxBodyBytes: 1, keepAliveTimeoutMs: 1 };
  m.configure({ URL: m.probe?.exampleUrl ?? 'https://example.com' }, common, problems);
  return problems.map((p) => p.split(':')[0]!);
}

const NO_PROVIDER = `no provider is configured: set at least one of ${MODULES.map((m) => {
  const required = requiredWithUrl(m);
  return `${m.name}_URL${required.length ? ` (with ${required.join(', ')})` : ''}`;
}).join(', ')}`;

/** A network failure in words: why the provider could not be reached. */
function networkReason(error: unknown, timeoutMs: number): string {
  const e = error as { code?: string; name?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    default:
      return code && /^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code) ? `TLS error (${code})` : (code ?? e.name ?? 'network error');
  }
}

export async function checkProviders(
  config: Readonly<GatewayConfig>,
  timeoutMs = 5_000,
  env: Record<string, string | undefined> = {},
): Promise<CheckResult[]> {
  return Promise.all(
    PROVIDERS.map(async (provider): Promise<CheckResult> => {
      const module = MODULES.find((m) => m.name === provider)!;
      const settings = (config.providers as Readonly<Record<ProviderName, ProviderConfigBase | null>>)[provider];
      const url = `${provider}_URL`;
      if (!settings) {
        // A provider's settings without its URL: most likely a missing or misspelled *_URL.
        const orphans = config.mode === 'production' ? settingsBesideUrl(module).filter((name) => env[name]) : [];
        if (orphans.length === 0) return { provider, status: 'not configured' };
        return {
          provider,
          status: 'misconfigured',
          detail: `${orphans.join(', ')} ${orphans.length > 1 ? 'are' : 'is'} set but ${url} is not: set ${url} (e.g. ${module.probe?.exampleUrl ?? 'https://…'}) or remove ${orphans.join(', ')}`,
        };
      }
      if (config.mode === 'demo') return { provider, status: 'simulated', detail: 'demo mode starts a simulator' };
      if (!module.probe) return { provider, status: 'ok', detail: `configured at ${displayUrl(settings.baseUrl)} (no probe for this provider)` };
      try {
        const outcome = await module.probe.run(settings, createProbeGet(settings.baseUrl, timeoutMs));
        return { provider, status: outcome.ok ? 'ok' : 'misconfigured', detail: outcome.detail };
      } catch (error) {
        return {
          provider,
          status: 'unreachable',
          detail: `cannot reach ${url} ${displayUrl(settings.baseUrl)}: ${networkReason(error, timeoutMs)}`,
        };
      }
    }),
  );
}

/** The environment with the config file's values under it, as loadConfig reads them. */
function effectiveEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  if (!env.USERGRAPH_CONFIG) return env;
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  return { ...readConfigFile(env.USERGRAPH_CONFIG), ...defined };
}

/** Runs the check and prints one line per provider; resolves to the exit code. */
export async function check(env: Record<string, string | undefined>, out: (line: string) => void): Promise<number> {
  const config = loadConfig(env);
  // The OTLP settings `start` would refuse (an unknown protocol), told here too; like `start`, read
  // from the environment alone (a config file holds no OTEL_* variable).
  const effective = effectiveEnv(env);
  let tracingProblem: string | undefined;
  try {
    const tracingOn = (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT) && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true';
    if (tracingOn) tracesProtocol(env);
  } catch (error) {
    tracingProblem = (error as Error).message;
  }
  out(`configuration: ${tracingProblem ? `invalid: ${tracingProblem}` : 'valid'} (${config.mode} mode)`);
  if (tracingProblem) return 1;
  const results = await checkProviders(config, 5_000, effective);
  for (const r of results) out(`${r.provider.padEnd(10)} ${r.status.padEnd(14)}${r.detail ? ` ${r.detail}` : ''}`.trimEnd());

  const failed = results.filter((r) => r.status === 'misconfigured' || r.status === 'unreachable').length;
  const noProvider = config.mode === 'production' && PROVIDERS.every((p) => !(config.providers as Readonly<Record<ProviderName, unknown>>)[p]);
  if (noProvider) out(NO_PROVIDER);
  if (failed > 0) out(`check failed: ${failed} provider${failed > 1 ? 's' : ''} to fix (see above)`);
  return failed > 0 || noProvider ? 1 : 0;
}
