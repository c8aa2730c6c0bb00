/**
 * compose.yaml and deploy/nginx.conf, checked without Docker: the services README "Running more than
 * one" describes (two gateway replicas, Redis, a load balancer), every setting a replica gets is one
 * the gateway accepts, the replicas share Redis and the cache secret, and nginx balances over both.
 * Then the two replicas, configured exactly as compose configures them (only the host names pointed
 * at local processes), run against a real Redis: a user read through one is a hit on the other. And
 * the simulators' healthcheck command runs against running simulators.
 *
 * Compose's variable interpolation (https://docs.docker.com/reference/compose-file/interpolation/)
 * is applied with every variable unset, as on a fresh checkout: `${VAR:-default}` is the default.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadConfig, type GatewayConfig } from '../../src/config.js';
import { createSilentLogger } from '../../src/logger.js';
import { PROVIDERS } from '../../src/providers/registry.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startSimulators, type Simulators } from '../../src/simulators/index.js';
import { SIMULATOR_MODULES } from '../../src/simulators/registry.js';
import { createTracing } from '../../src/tracing.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: unknown };
  ports?: string[];
  volumes?: string[];
}

/** Compose interpolation with no variable set: `$$` is `$`, `${VAR:-default}` / `${VAR-default}` the default; anything else has no local value. */
function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-)([^}]*)\}|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, (match, name: string | undefined, _op, fallback: string | undefined) => {
    if (match === '$$') return '$';
    if (name !== undefined) return fallback ?? '';
    throw new Error(`compose.yaml: ${match} has no default, so a fresh checkout would run with it empty`);
  });
}

/** A service's environment as strings, interpolated (compose accepts a mapping or a list of `NAME=value`). */
function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  const entries = Array.isArray(env) ? env.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const) : Object.entries(env);
  return Object.fromEntries(entries.map(([name, value]) => [name, interpolate(value === null ? '' : String(value))]));
}

function dependsOn(service: Service): Record<string, string> {
  const deps = service.depends_on ?? [];
  return Array.isArray(deps) ? Object.fromEntries(deps.map((d) => [d, 'service_started'])) : Object.fromEntries(Object.entries(deps).map(([d, v]) => [d, v.condition ?? 'service_started']));
}

/** `upstream <name> { server <host>:<port> …; }` blocks of an nginx config, comments removed. */
function nginxUpstreams(text: string): Map<string, string[]> {
  const code = text.replace(/#[^\n]*/g, '');
  const out = new Map<string, string[]>();
  for (const [, name, body] of code.matchAll(/\bupstream\s+(\S+)\s*\{([^}]*)\}/g)) {
    out.set(name!, [...body!.matchAll(/^\s*server\s+([^\s;]+)/gm)].map((m) => m[1]!));
  }
  return out;
}

const compose = parseYaml(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const gatewayNames = Object.keys(services).filter((name) => services[name]!.command?.[0] === 'start');
const redisName = Object.keys(services).find((name) => /^redis:/.test(services[name]!.image ?? ''))!;
const lbName = Object.keys(services).find((name) => /^nginx:/.test(services[name]!.image ?? ''))!;
const simulatorsName = Object.keys(services).find((name) => services[name]!.command?.[0] === 'simulators')!;
const gatewayEnv = (name: string) => environmentOf(services[name]!);

describe('compose.yaml', () => {
  it('runs two gateway replicas, Redis, a load balancer and the simulators', () => {
    expect(gatewayNames).toHaveLength(2);
    expect(redisName).toBeDefined();
    expect(lbName).toBeDefined();
    expect(simulatorsName).toBeDefined();
    // Services behind a profile (`federation`: a router in front) start only when asked for.
    const always = Object.keys(services).filter((name) => !(services[name] as { profiles?: unknown }).profiles);
    expect(always.sort()).toEqual([...gatewayNames, redisName, lbName, simulatorsName].sort());
    // Only the load balancer takes the public port; a replica is reachable from the host alone (for its /metrics).
    expect(services[lbName]!.ports).toEqual(['4000:4000']);
    // The federation profile's router reaches usergraph through the load balancer, its config and supergraph mounted.
    const federation = services.federation as { profiles?: string[]; environment?: Record<string, string>; volumes?: string[]; command?: string[] } | undefined;
    expect(federation?.profiles).toEqual(['federation']);
    expect(federation?.environment?.USERGRAPH_URL).toBe(`http://${lbName}:4000/graphql`);
    expect(federation?.volumes?.[0]).toMatch(/^\.\/deploy\/federation:/);
    expect(federation?.command).toContain('hive-gateway.config.ts');
    // The tracing profile's Jaeger takes OTLP/HTTP on 4318 from any container; its UI is the host's alone.
    const jaeger = services.jaeger as { profiles?: string[]; image?: string; command?: string[]; ports?: string[] } | undefined;
    expect(jaeger?.profiles).toEqual(['tracing']);
    expect(jaeger?.image).toMatch(/^jaegertracing\/jaeger:2\./);
    expect(jaeger?.command).toContain('receivers.otlp.protocols.http.endpoint=0.0.0.0:4318');
    expect(jaeger?.ports).toEqual(['127.0.0.1:16686:16686']);
    for (const name of gatewayNames) for (const p of services[name]!.ports ?? []) expect(p).toMatch(/^127\.0\.0\.1:/);
  });

  it.each(gatewayNames)('gives %s only settings the gateway accepts, in production mode with every provider and the cache on', (name) => {
    const env = gatewayEnv(name);
    const config = loadConfig(env);
    expect(config.mode).toBe('production');
    // loadConfig ignores variables it does not know (a process environment is full of others), but a
    // config file's unknown key is an error: the same settings as a file must load, so a misspelt name fails here.
    const dir = mkdtempSync(join(tmpdir(), 'usergraph-compose-'));
    try {
      const file = join(dir, 'settings.yaml');
      // OTEL_* are the SDK's own variables, read from the environment alone (never from a config file).
      writeFileSync(file, stringifyYaml(Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('OTEL_')))));
      expect(() => loadConfig({ USERGRAPH_CONFIG: file })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const provider of PROVIDERS) {
      expect(config.providers[provider], `${provider} configured`).toBeTruthy();
      expect(config.cache.providers[provider].ttlS, `${provider} cached`).toBeGreaterThan(0);
      expect(config.cache.providers[provider].staleIfErrorS).toBeGreaterThan(0);
    }
    expect(new URL(config.cache.redis!.url).hostname).toBe(redisName);
  });

  it('leaves tracing off unless OTEL_EXPORTER_OTLP_ENDPOINT is set, and then both replicas export to it', () => {
    for (const name of gatewayNames) {
      const value = (services[name]!.environment as Record<string, string>).OTEL_EXPORTER_OTLP_ENDPOINT;
      expect(value).toBe('${OTEL_EXPORTER_OTLP_ENDPOINT:-}');
      expect(createTracing({ env: gatewayEnv(name) }).enabled).toBe(false);
      const traced = createTracing({ env: { ...gatewayEnv(name), OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' } });
      expect(traced.enabled).toBe(true);
      void traced.shutdown();
    }
  });

  it('points each provider at its simulator: the simulators service, on the port its module listens on', () => {
    const env = gatewayEnv(gatewayNames[0]!);
    for (const sim of SIMULATOR_MODULES) {
      const url = new URL(env[`${sim.name}_URL`]!);
      expect(url.hostname, sim.name).toBe(simulatorsName);
      expect(Number(url.port), sim.name).toBe(sim.defaultPort);
    }
  });

  it('gives both replicas the same REDIS_URL and CACHE_KEY_SECRET', () => {
    const [a, b] = gatewayNames.map(gatewayEnv) as [Record<string, string>, Record<string, string>];
    expect(a.REDIS_URL).toBeTruthy();
    expect(b.REDIS_URL).toBe(a.REDIS_URL);
    expect(a.CACHE_KEY_SECRET!.length).toBeGreaterThanOrEqual(32);
    expect(b.CACHE_KEY_SECRET).toBe(a.CACHE_KEY_SECRET);
    // The default is for local use only: the file takes the operator's own when one is set.
    expect(JSON.stringify(services[gatewayNames[0]!]!.environment)).toMatch(/\$\{CACHE_KEY_SECRET:-/);
  });

  it('starts each service after what it needs is healthy', () => {
    for (const name of gatewayNames) {
      expect(dependsOn(services[name]!)).toMatchObject({ [redisName]: 'service_healthy', [simulatorsName]: 'service_healthy' });
    }
    expect(dependsOn(services[lbName]!)).toEqual(Object.fromEntries(gatewayNames.map((g) => [g, 'service_healthy'])));
    // The gateways' health is the image's HEALTHCHECK; the others declare their own.
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/^HEALTHCHECK .*\/healthz/m);
    for (const name of [redisName, simulatorsName, lbName]) expect(services[name]!.healthcheck?.test, name).toBeTruthy();
  });
});

describe('the load balancer', () => {
  const lb = services[lbName]!;
  const mount = (lb.volumes ?? []).map((v) => v.split(':')).find(([, target]) => target === '/etc/nginx/nginx.conf');
  const text = readFileSync(join(ROOT, mount?.[0] ?? 'deploy/nginx.conf'), 'utf8');

  it('is the nginx config in the repository, mounted read-only', () => {
    expect(mount).toEqual(['./deploy/nginx.conf', '/etc/nginx/nginx.conf', 'ro']);
  });

  it('sends port 4000 round robin to both replicas, on the port they listen on', () => {
    const upstreams = nginxUpstreams(text);
    const proxied = [...text.replace(/#[^\n]*/g, '').matchAll(/proxy_pass\s+http:\/\/([^\s;/]+)/g)].map((m) => m[1]!);
    expect(proxied).toHaveLength(1);
    const servers = upstreams.get(proxied[0]!);
    const port = loadConfig(gatewayEnv(gatewayNames[0]!)).port;
    expect(servers?.sort()).toEqual(gatewayNames.map((g) => `${g}:${port}`).sort());
    // Round robin is nginx's default: no other balancing method (or stickiness) is configured.
    expect(text.replace(/#[^\n]*/g, '')).not.toMatch(/\b(ip_hash|hash|least_conn|random|sticky)\b/);
    expect(text).toMatch(/^\s*listen\s+4000;/m);
  });
});

describe('as compose runs them, on local processes: the replicas against a real Redis, the simulators and their healthcheck', () => {
  const ADA = 'f848277c-5398-58f8-a82a-72397af2d450';
  const query = JSON.stringify({ query: `{ user(provider: PASSBOLT, id: "${ADA}") { id username } }` });
  let redis: RedisServer;
  let sims: Simulators;
  const gateways: Gateway[] = [];

  /** The replica's environment, its host names pointed at the local simulators and Redis. */
  function localEnv(name: string, overrides: Record<string, string> = {}): Record<string, string> {
    const env = Object.entries(gatewayEnv(name)).map(([key, value]) => {
      for (const sim of SIMULATOR_MODULES) value = value.replace(`http://${simulatorsName}:${sim.defaultPort}`, sims[sim.key].url);
      return [key, key === 'REDIS_URL' ? redis.url : value] as const;
    });
    return { ...Object.fromEntries(env), ...overrides };
  }

  async function start(config: Readonly<GatewayConfig>): Promise<string> {
    const gateway = await createGateway(config, { logger: createSilentLogger() });
    gateways.push(gateway);
    const url = await gateway.listen(0, '127.0.0.1');
    // Redis connects in the background: wait until the replica says its store answers.
    const readyz = url.replace(/\/graphql$/, '/readyz');
    for (;;) {
      const body = (await (await fetch(readyz)).json()) as { cache?: { store: string; state: string } };
      if (body.cache?.store === 'redis' && body.cache.state === 'ok') return url;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  const ask = async (url: string) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...DEMO_CREDENTIALS.PASSBOLT }, body: query });
    return (await res.json()) as { data?: { user?: { id: string } }; errors?: unknown };
  };
  const hits = async (url: string) => {
    const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
    return Number(/^usergraph_cache_reads_total\{provider="PASSBOLT",result="hit"\} (\d+)/m.exec(text)?.[1] ?? 0);
  };

  beforeAll(async () => {
    redis = await startRedis();
    sims = await startSimulators({});
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await sims?.close();
    await redis?.stop();
  });

  it('share the cache: a user one replica read is a hit on the other, without a call upstream', async () => {
    const [one, two] = await Promise.all(gatewayNames.map((name) => start(loadConfig(localEnv(name)))));
    sims.passbolt.clearRequests();

    expect((await ask(one!)).data?.user?.id).toBe(ADA);
    expect(sims.passbolt.requests()).toHaveLength(1);
    expect((await ask(two!)).data?.user?.id).toBe(ADA);
    expect(sims.passbolt.requests()).toHaveLength(1);
    expect(await hits(two!)).toBe(1);
  });

  it("the simulators' healthcheck passes while every simulator answers and fails when one does not", async () => {
    const test = services[simulatorsName]!.healthcheck!.test as string[];
    expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    const run = (script: string) => new Promise<number>((resolve) => execFile(process.execPath, ['-e', script], (error) => resolve(error ? Number(error.code ?? 1) : 0)));
    const portOf = new Map(SIMULATOR_MODULES.map((sim) => [sim.defaultPort, sims[sim.key].port]));
    // It asks every simulator; each default port is replaced in one pass (a local port may contain another's digits).
    for (const port of portOf.keys()) expect(test[3]).toMatch(new RegExp(`\\b${port}\\b`));
    const local = (ports: (defaultPort: number) => number) => test[3]!.replace(/\b\d+\b/g, (n) => (portOf.has(Number(n)) ? String(ports(Number(n))) : n));
    expect(await run(local((p) => portOf.get(p)!))).toBe(0);
    // A port nothing listens on, in place of the last simulator's.
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const last = SIMULATOR_MODULES[SIMULATOR_MODULES.length - 1]!.defaultPort;
    expect(await run(local((p) => (p === last ? closed : portOf.get(p)!)))).toBe(1);
  });

  it('a replica with another CACHE_KEY_SECRET reads none of it: a cold cache, the record fetched again', async () => {
    const other = await start(loadConfig(localEnv(gatewayNames[0]!, { CACHE_KEY_SECRET: 'another-secret-of-at-least-thirty-two-characters' })));
    sims.passbolt.clearRequests();
    expect((await ask(other)).data?.user?.id).toBe(ADA);
    expect(sims.passbolt.requests()).toHaveLength(1);
    expect(await hits(other)).toBe(0);
  });
});
