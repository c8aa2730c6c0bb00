import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('defaults to demo mode with introspection on and every provider configured', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('demo');
    expect(config.port).toBe(4000);
    expect(config.introspection).toBe(true);
    expect(config.providers.SYNCANO?.timeoutMs).toBe(2000);
    expect(config.simulatorPorts).toEqual({ SYNCANO: 4101, DROPLIT: 4102, PASSBOLT: 4103, BELLADATI: 4104 });
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
