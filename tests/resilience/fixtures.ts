/**
 * What the resilience tests know of each provider: a demo user, the credentials that may read it, a
 * credential the provider refuses, and error bodies shaped the way that provider sends them (so the
 * gateway's error tables classify an injected status the way they would the real one), one file per
 * provider in `providers/`; plus the helpers the resilience tests share.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, withSimulatorUrls } from '../../src/config.js';
import { createSilentLogger } from '../../src/logger.js';
import type { ProviderName } from '../../src/providers/provider-name.js';
import { PROVIDER_MODULES, PROVIDERS } from '../../src/providers/registry.js';
import type { ProviderConfigBase } from '../../src/providers/types.js';
import type { ResilienceClock, UpstreamGuard } from '../../src/providers/resilience.js';
import { createGateway, type Gateway } from '../../src/server.js';
import type { RunningSimulator } from '../../src/simulators/http-simulator.js';
import { SIMULATOR_MODULES, type SimulatorKey } from '../../src/simulators/registry.js';
import type { GraphQLResult, Stack } from '../helpers/stack.js';
import type { ProviderFixture } from './provider-fixture.js';

export type { ProviderFixture } from './provider-fixture.js';

/**
 * One fixture per registered provider, from `providers/<provider in lower case>.ts`: a provider
 * without one fails here, by name, rather than going untested.
 */
export const FIXTURES: readonly ProviderFixture[] = await Promise.all(
  PROVIDERS.map(async (provider) => {
    const loaded = (await import(`./providers/${provider.toLowerCase()}.ts`)) as { default?: ProviderFixture };
    if (loaded.default?.provider !== provider) throw new Error(`tests/resilience/providers/${provider.toLowerCase()}.ts has no default export for ${provider}`);
    return loaded.default;
  }),
);

export const fixture = (provider: ProviderName): ProviderFixture => FIXTURES.find((f) => f.provider === provider)!;

/** Every demo credential at once, for operations that touch several providers. */
export const ALL_HEADERS: Record<string, string> = Object.assign({}, ...FIXTURES.map((f) => f.headers));

/** `user(provider: P, id: $id) { id username }`. */
export const userQuery = (provider: ProviderName) => `query($id: ID!) { user(provider: ${provider}, id: $id) { id username } }`;

export const simOf = (stack: Stack, f: ProviderFixture): RunningSimulator => stack.sims[f.sim];

export const allSims = (stack: Stack): RunningSimulator[] => FIXTURES.map((f) => simOf(stack, f));

/**
 * Short timeouts and backoff so failures resolve fast; breaker and budget out of the way unless a test
 * sets them. The attempt timeout still leaves a healthy loopback answer ample room on a busy machine.
 */
export const FAST_ENV = {
  UPSTREAM_TIMEOUT_MS: '500',
  REQUEST_DEADLINE_MS: '1250',
  UPSTREAM_BACKOFF_BASE_MS: '5',
  UPSTREAM_BACKOFF_MAX_MS: '20',
  BREAKER_CONSECUTIVE_FAILURES: '100000',
  BREAKER_MINIMUM_CALLS: '100000',
  UPSTREAM_RETRY_BUDGET_MIN_PER_SECOND: '1000',
} as const;

/** Clears every simulator's faults, records and peak counters, once nothing is in flight any more. */
export async function resetSims(stack: Stack): Promise<void> {
  for (const sim of allSims(stack)) sim.clearFaults();
  await waitFor(() => allSims(stack).every((s) => s.stats().inFlight === 0), 3_000);
  for (const sim of allSims(stack)) {
    sim.clearRequests();
    sim.resetStats();
  }
}

/**
 * Polls `condition` every 5 ms; true once it holds, false when `timeoutMs` passed first. The timeout
 * only stops a broken gateway from hanging the test: pick it far above what a correct one needs.
 */
export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > until) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** Runs `send` and measures it on the client's clock (for printed figures; tests assert no durations). */
export async function timed<T>(send: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await send();
  return { result, ms: performance.now() - started };
}

/** A clock for the guards that moves only when told: the breaker's open period and the retry budget's window pass in one call. */
export interface ManualClock extends ResilienceClock {
  /** Moves the clock forward. */
  advance(ms: number): void;
  /** Sets the clock. */
  set(ms: number): void;
  /** Every wait a guard asked for, in order (each moves the clock by its length and resolves at once). */
  readonly sleeps: number[];
}

export function createManualClock(start = 0): ManualClock {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    async sleep(ms) {
      sleeps.push(ms);
      now += Math.max(0, ms);
    },
    advance(ms) {
      now += ms;
    },
    set(ms) {
      now = ms;
    },
    sleeps,
  };
}

/** The guard shared by every request to `provider` in `gateway`. */
export function guardOf(gateway: Gateway, provider: ProviderName): UpstreamGuard {
  const guard = gateway.registry.guard(provider);
  if (!guard) throw new Error(`${provider} is not configured`);
  return guard;
}

/** Lets every pending promise callback and I/O callback run once (a turn of the event loop). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The one error of a single-field response, after checking there is exactly one and the field is null. */
export function onlyError(res: GraphQLResult, field = 'user'): { message: string; path: string[]; extensions: Record<string, unknown> } {
  if (res.status !== 200 || res.body.data?.[field] !== null || res.body.errors?.length !== 1) {
    throw new Error(`expected one error and a null ${field}, got ${res.status} ${res.text.slice(0, 300)}`);
  }
  return res.body.errors[0];
}

/** `usergraph_upstream_requests_total` from the gateway's /metrics, summed per provider and status. */
export async function upstreamAttempts(stack: Stack, provider: ProviderName): Promise<Record<string, number>> {
  const text = await (await fetch(stack.url.replace(/\/graphql$/, '/metrics'))).text();
  const out: Record<string, number> = {};
  const line = /^usergraph_upstream_requests_total\{([^}]*)\} (\d+(?:\.\d+)?)$/gm;
  for (const m of text.matchAll(line)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (labels.provider === provider) out[labels.status!] = (out[labels.status!] ?? 0) + Number(m[2]);
  }
  return out;
}


/** Every upstream attempt as the gateway's observer reports it, with when it started and ended (performance.now clock). */
export interface ObservedAttempt {
  provider: ProviderName;
  outcome: number | string;
  attempt: number;
  startedAt: number;
  endedAt: number;
}

/** Starts recording the upstream attempts of `gateway` (through its metrics observer); returns the live list. */
export function observeAttempts(gateway: Gateway): ObservedAttempt[] {
  const seen: ObservedAttempt[] = [];
  const metrics = gateway.metrics;
  const original = metrics.onAttempt.bind(metrics);
  metrics.onAttempt = (a) => {
    const endedAt = performance.now();
    seen.push({ provider: a.provider, outcome: a.outcome, attempt: a.attempt, startedAt: endedAt - a.durationMs, endedAt });
    original(a);
  };
  return seen;
}

/** A second gateway over the stack's simulators, with some providers pointed elsewhere (a dead port, a misbehaving server). */
export interface SideGateway {
  url: string;
  gateway: Gateway;
  gql: Stack['gql'];
  close(): Promise<void>;
}

export async function startSideGateway(
  stack: Stack,
  env: Record<string, string>,
  urls: Partial<Record<SimulatorKey, string>>,
  /** A clock every provider's guard keeps its time on (instead of the system's). */
  clock?: ResilienceClock,
): Promise<SideGateway> {
  const sims = stack.sims;
  const info = {
    ...(Object.fromEntries(SIMULATOR_MODULES.map(({ key }) => [key, { url: urls[key] ?? sims[key].url }])) as Record<SimulatorKey, { url: string }>),
    data: sims.data,
  };
  const simulated = withSimulatorUrls(loadConfig({ USERGRAPH_MODE: 'demo', CACHE_TTL_S: '0', ...env }), info);
  const withClock = <T extends { resilience?: object } | null | undefined>(p: T): T => (p && clock ? { ...p, resilience: { ...p.resilience, clock } } : p);
  const config = clock
    ? {
        ...simulated,
        providers: Object.fromEntries(
          PROVIDER_MODULES.map(({ name }) => [name, withClock((simulated.providers as Record<ProviderName, ProviderConfigBase | null>)[name])]),
        ) as typeof simulated.providers,
      }
    : simulated;
  const gateway = await createGateway(config, { logger: createSilentLogger() });
  const url = await gateway.listen(0, '127.0.0.1');
  return {
    url,
    gateway,
    async gql(query, variables, headers = {}) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
      const text = await res.text();
      let body: GraphQLResult['body'] = {};
      try {
        body = JSON.parse(text) as GraphQLResult['body'];
      } catch {
        // left empty: the assertions look at `text`
      }
      return { status: res.status, headers: res.headers, body, text };
    },
    close: () => gateway.stop(),
  };
}

/** A loopback HTTP server answering every request with `handler`; counts the requests it saw. */
export async function startRawServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; hits(): number; close(): Promise<void> }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (bound once, then released). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
