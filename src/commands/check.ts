/**
 * `usergraph check`: validates the configuration (every problem listed) and reaches each configured
 * provider's base URL, naming the ones that fail. Any HTTP answer counts as reachable: no
 * credentials are sent, so the answer is usually 401/403/404, and that is fine here.
 */
import { request } from 'undici';
import { loadConfig, type GatewayConfig } from '../config.js';
import { PROVIDERS, type ProviderName } from '../model.js';

export interface CheckResult {
  provider: ProviderName;
  status: 'reachable' | 'unreachable' | 'not configured' | 'simulated';
  detail?: string;
}

export async function checkProviders(config: Readonly<GatewayConfig>, timeoutMs = 5_000): Promise<CheckResult[]> {
  return Promise.all(
    PROVIDERS.map(async (provider): Promise<CheckResult> => {
      const settings = config.providers[provider];
      if (!settings) return { provider, status: 'not configured' };
      if (config.mode === 'demo') return { provider, status: 'simulated', detail: 'demo mode starts a simulator' };
      try {
        const res = await request(settings.baseUrl, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), maxRedirections: 0 } as never);
        await res.body.dump();
        return { provider, status: 'reachable', detail: `HTTP ${res.statusCode}` };
      } catch (error) {
        return { provider, status: 'unreachable', detail: (error as { code?: string }).code ?? (error as Error).name };
      }
    }),
  );
}

/** Runs the check and prints one line per provider; resolves to the exit code. */
export async function check(env: Record<string, string | undefined>, out: (line: string) => void): Promise<number> {
  const config = loadConfig(env);
  out(`configuration: valid (${config.mode} mode)`);
  const results = await checkProviders(config);
  for (const r of results) out(`${r.provider.padEnd(10)} ${r.status}${r.detail ? ` (${r.detail})` : ''}`);
  return results.some((r) => r.status === 'unreachable') ? 1 : 0;
}
