import { Writable } from 'node:stream';
import type { GraphQLEnumType, GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadConfig, withSimulatorUrls } from '../../src/config.js';
import { CSRF_PREFLIGHT_HEADERS, PROVIDER_CREDENTIAL_HEADERS } from '../../src/cors.js';
import { createLogger } from '../../src/logger.js';
import { playgroundTabs } from '../../src/playground-examples.js';
import type { AnyProviderModule } from '../../src/providers/module.js';
import { PROVIDER_MODULES, PROVIDERS } from '../../src/providers/registry.js';
import type { ProviderConfigBase } from '../../src/providers/types.js';
import { createSchema } from '../../src/schema.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { SIMULATOR_MODULES } from '../../src/simulators/registry.js';

const modules: readonly AnyProviderModule[] = PROVIDER_MODULES;

describe('the provider registries', () => {
  it('register every value of the schema enum Provider, each with its User type, once', () => {
    const schema = createSchema();
    // Read by shape: graphql-tools may build the schema with another copy of graphql's classes.
    const providerEnum = schema.getType('Provider') as GraphQLEnumType;
    expect([...PROVIDERS].sort()).toEqual(providerEnum.getValues().map((v) => v.name).sort());
    expect(new Set(PROVIDERS).size).toBe(PROVIDERS.length);
    for (const m of modules) {
      const type = schema.getType(m.typeName) as GraphQLObjectType | undefined;
      expect(type?.getInterfaces().map((i) => i.name), `${m.typeName} implements User`).toContain('User');
    }
  });

  it('have one simulator per provider, in the same order, keyed by the name in lower case, on distinct ports', () => {
    expect(SIMULATOR_MODULES.map((s) => s.name)).toEqual([...PROVIDERS]);
    for (const s of SIMULATOR_MODULES) expect(s.key).toBe(s.name.toLowerCase());
    const ports = SIMULATOR_MODULES.map((s) => s.defaultPort);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('give every provider a demo credential for each of its credential headers that the simulator data yields', () => {
    for (const m of modules) {
      const demo = (DEMO_CREDENTIALS as Record<string, Record<string, string>>)[m.name];
      expect(demo, m.name).toBeDefined();
      for (const header of Object.keys(demo!)) expect(m.credentialHeaders, `${m.name} reads ${header}`).toContain(header);
    }
  });
});

describe('what the gateway derives from the provider modules', () => {
  it('allows every credential header in CORS and counts it as a CSRF preflight header', () => {
    for (const header of modules.flatMap((m) => m.credentialHeaders)) {
      expect(PROVIDER_CREDENTIAL_HEADERS).toContain(header.toLowerCase());
      expect(CSRF_PREFLIGHT_HEADERS).toContain(header.toLowerCase());
    }
  });

  it('redacts every credential header and upstream secret header in log lines', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger({ level: 'info' }, sink);
    const headers = Object.fromEntries(
      modules.flatMap((m) => [...m.credentialHeaders, ...m.upstreamSecretHeaders]).map((h, i) => [h.toLowerCase(), `secret-canary-${i}`]),
    );
    logger.info({ headers, req: { headers } }, 'a request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/secret-canary-/);
    expect(lines[0]).toContain('[redacted]');
  });

  it('reads every provider setting from <NAME>_<SUFFIX>, naming the variable when it is invalid', () => {
    for (const m of modules) {
      expect(() => loadConfig({ USERGRAPH_MODE: 'production', [`${m.name}_URL`]: 'ftp://example.com' })).toThrow(`${m.name}_URL`);
      expect(() => loadConfig({ [`${m.name}_UPSTREAM_RETRIES`]: '-1' })).toThrow(`${m.name}_UPSTREAM_RETRIES`);
      expect(() => loadConfig({ [`${m.name}_SIMULATOR_PORT`]: 'eighty' })).toThrow(`${m.name}_SIMULATOR_PORT`);
    }
  });

  it('points every provider at its simulator in demo mode, with the common settings it was given', () => {
    const config = loadConfig({ USERGRAPH_MODE: 'demo', UPSTREAM_TIMEOUT_MS: '1234' });
    const urls = Object.fromEntries(SIMULATOR_MODULES.map((s, i) => [s.key, { url: `http://127.0.0.1:${5000 + i}` }]));
    const pointed = withSimulatorUrls(config, { ...urls, data: {} } as unknown as Parameters<typeof withSimulatorUrls>[1]);
    SIMULATOR_MODULES.forEach((s, i) => {
      const p = (pointed.providers as Record<string, ProviderConfigBase | null>)[s.name];
      expect(p?.baseUrl.startsWith(`http://127.0.0.1:${5000 + i}`), s.name).toBe(true);
      expect(p?.timeoutMs).toBe(1234);
    });
  });

  it('opens the playground with a tab over every provider, one per provider, and a paged list', () => {
    const tabs = playgroundTabs(true);
    expect(tabs).toHaveLength(modules.length + 2);
    expect(tabs.at(-1)!.query).toContain('users(');
    for (const m of modules) expect(tabs[0]!.query).toContain(`me(provider: ${m.name})`);
    modules.forEach((m, i) => expect(tabs[i + 1]!.query).toContain(m.name));
  });
});
