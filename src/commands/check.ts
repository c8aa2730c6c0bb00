/**
 * `usergraph check`: validates the configuration (every problem listed, exit 2, as `start` does),
 * then probes each configured provider with a request whose answer tells its API at the right base
 * URL, path and instance from any other server (see check-probes.ts), and checks the server-side
 * credentials that are set. Prints one line per provider saying what was verified or what to fix;
 * exits 1 on any misconfiguration, unreachable provider, or (in production) no provider at all.
 * Credentials are never printed.
 */
import { loadConfig, readConfigFile, type GatewayConfig } from '../config.js';
import { PROVIDERS, type ProviderName } from '../model.js';
import { createProbeGet, displayUrl, probeBellaDati, probeDroplit, probePassbolt, probeSyncano, type ProbeGet, type ProbeOutcome } from './check-probes.js';

export interface CheckResult {
  provider: ProviderName;
  status: 'ok' | 'misconfigured' | 'unreachable' | 'not configured' | 'simulated';
  /** What was verified, or what is wrong and which setting to fix. Never a credential. */
  detail?: string;
}

/** Per provider: its URL variable and the settings that mean nothing without it. */
const SETTINGS: Record<ProviderName, { url: string; needs: string[]; example: string }> = {
  SYNCANO: { url: 'SYNCANO_URL', needs: ['SYNCANO_INSTANCE', 'SYNCANO_API_KEY'], example: 'https://api.syncano.io' },
  DROPLIT: { url: 'DROPLIT_URL', needs: ['DROPLIT_TOKEN'], example: 'https://ioe.droplit.io' },
  PASSBOLT: { url: 'PASSBOLT_URL', needs: ['PASSBOLT_TOKEN'], example: 'https://passbolt.example.com' },
  BELLADATI: { url: 'BELLADATI_URL', needs: ['BELLADATI_CONSUMER_KEY', 'BELLADATI_REALM', 'BELLADATI_TOKEN'], example: 'https://service.belladati.com/api' },
};

const NO_PROVIDER =
  'no provider is configured: set at least one of SYNCANO_URL (with SYNCANO_INSTANCE), DROPLIT_URL, PASSBOLT_URL, ' +
  'BELLADATI_URL (with BELLADATI_CONSUMER_KEY)';

async function probe(provider: ProviderName, config: Readonly<GatewayConfig>, get: ProbeGet): Promise<ProbeOutcome> {
  const p = config.providers;
  switch (provider) {
    case 'SYNCANO':
      return probeSyncano(p.SYNCANO!, get);
    case 'DROPLIT':
      return probeDroplit(p.DROPLIT!, get);
    case 'PASSBOLT':
      return probePassbolt(p.PASSBOLT!, get);
    case 'BELLADATI':
      return probeBellaDati(p.BELLADATI!, get);
  }
}

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
      const settings = config.providers[provider];
      const { url, needs } = SETTINGS[provider];
      if (!settings) {
        // A provider's settings without its URL: most likely a missing or misspelled *_URL.
        const orphans = config.mode === 'production' ? needs.filter((name) => env[name]) : [];
        if (orphans.length === 0) return { provider, status: 'not configured' };
        return {
          provider,
          status: 'misconfigured',
          detail: `${orphans.join(', ')} ${orphans.length > 1 ? 'are' : 'is'} set but ${url} is not: set ${url} (e.g. ${SETTINGS[provider].example}) or remove ${orphans.join(', ')}`,
        };
      }
      if (config.mode === 'demo') return { provider, status: 'simulated', detail: 'demo mode starts a simulator' };
      try {
        const outcome = await probe(provider, config, createProbeGet(settings.baseUrl, timeoutMs));
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
  out(`configuration: valid (${config.mode} mode)`);
  const results = await checkProviders(config, 5_000, effectiveEnv(env));
  for (const r of results) out(`${r.provider.padEnd(10)} ${r.status.padEnd(14)}${r.detail ? ` ${r.detail}` : ''}`.trimEnd());

  const failed = results.filter((r) => r.status === 'misconfigured' || r.status === 'unreachable').length;
  const noProvider = config.mode === 'production' && PROVIDERS.every((p) => !config.providers[p]);
  if (noProvider) out(NO_PROVIDER);
  if (failed > 0) out(`check failed: ${failed} provider${failed > 1 ? 's' : ''} to fix (see above)`);
  return failed > 0 || noProvider ? 1 : 0;
}
