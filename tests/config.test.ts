import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('defaults to demo mode with introspection on and every provider configured', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('demo');
    expect(config.port).toBe(4000);
    expect(config.introspection).toBe(true);
    expect(config.providers.SYNCANO?.timeoutMs).toBe(2000);
    expect(config.simulatorPorts).toMatchObject({ SYNCANO: 4101, DROPLIT: 4102, PASSBOLT: 4103, BELLADATI: 4104 });
    expect(Object.isFrozen(config.providers)).toBe(true);
  });

  it('in production configures only the providers whose URL is set, with introspection off', () => {
    const config = loadConfig({
      USERGRAPH_MODE: 'production',
      PASSBOLT_URL: 'https://passbolt.example.com',
      SYNCANO_URL: 'https://api.syncano.io',
      SYNCANO_INSTANCE: 'rivia',
    });
    expect(config.introspection).toBe(false);
    expect(config.providers.PASSBOLT?.baseUrl).toBe('https://passbolt.example.com');
    expect(config.providers.SYNCANO?.instance).toBe('rivia');
    expect(config.providers.DROPLIT).toBeNull();
    expect(config.providers.BELLADATI).toBeNull();
  });

  it('lists every bad value in one error, naming each variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', UPSTREAM_TIMEOUT_MS: '-5', PASSBOLT_URL: 'ftp://x', USERGRAPH_MODE: 'staging' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'UPSTREAM_TIMEOUT_MS', 'PASSBOLT_URL', 'USERGRAPH_MODE']) expect(problems).toContain(name);
  });

  it('requires the Syncano instance and BellaDati consumer key with their URLs in production', () => {
    expect(() => loadConfig({ USERGRAPH_MODE: 'production', SYNCANO_URL: 'https://api.syncano.io', BELLADATI_URL: 'https://service.belladati.com/api' })).toThrow(
      /SYNCANO_INSTANCE[\s\S]*BELLADATI_CONSUMER_KEY/,
    );
  });
});

describe('the config file (USERGRAPH_CONFIG)', () => {
  const write = (name: string, text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'usergraph-config-'));
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads YAML with per-provider settings in one place, the environment overriding it', () => {
    const path = write(
      'usergraph.yaml',
      `mode: production
port: 8080
requestDeadlineMs: 3000
upstreamRetries: 1
providers:
  passbolt:
    url: https://passbolt.example.com
    upstreamTimeoutMs: 1500
    upstreamRetries: 0
  syncano:
    url: https://api.syncano.io
    instance: rivia
`,
    );
    const config = loadConfig({ USERGRAPH_CONFIG: path, PORT: '9090' });
    expect(config.mode).toBe('production');
    expect(config.port).toBe(9090);
    expect(config.requestDeadlineMs).toBe(3000);
    expect(config.providers.PASSBOLT).toMatchObject({ baseUrl: 'https://passbolt.example.com', timeoutMs: 1500, resilience: { maxRetries: 0 } });
    expect(config.providers.SYNCANO).toMatchObject({ instance: 'rivia', timeoutMs: 2000, resilience: { maxRetries: 1 } });
    expect(config.providers.DROPLIT).toBeNull();
  });

  it('reads JSON too', () => {
    const path = write('usergraph.json', JSON.stringify({ mode: 'production', providers: { droplit: { url: 'https://ioe.droplit.io' } } }));
    expect(loadConfig({ USERGRAPH_CONFIG: path }).providers.DROPLIT?.baseUrl).toBe('https://ioe.droplit.io');
  });

  it('names every unknown or bad key of the file in one error', () => {
    const path = write('bad.yaml', `prot: 80\nproviders:\n  passbolt:\n    tokn: x\n    upstreamTimeoutMs: soon\n`);
    let error: unknown;
    try {
      loadConfig({ USERGRAPH_CONFIG: path });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toContain('prot: unknown setting');
    expect(text).toContain('providers.passbolt.tokn: unknown setting');
  });

  it('reports a file that cannot be read or parsed', () => {
    expect(() => loadConfig({ USERGRAPH_CONFIG: '/nonexistent/usergraph.yaml' })).toThrow(/USERGRAPH_CONFIG: cannot read/);
    expect(() => loadConfig({ USERGRAPH_CONFIG: write('broken.yaml', 'a: [1, 2') })).toThrow(ConfigError);
  });

  it('checks the values a file gives like environment values, naming the variable', () => {
    const path = write('values.yaml', `providers:\n  passbolt:\n    upstreamTimeoutMs: soon\n`);
    expect(() => loadConfig({ USERGRAPH_CONFIG: path })).toThrow(/PASSBOLT_UPSTREAM_TIMEOUT_MS/);
  });
});
