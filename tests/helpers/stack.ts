/**
 * Starts the whole stack the way a user runs it: every provider's simulator on loopback (port 0) and
 * the gateway pointed at them, and talks to it over real HTTP.
 */
import { loadConfig, withSimulatorUrls, type GatewayConfig } from '../../src/config.js';
import { createSilentLogger, type Logger } from '../../src/logger.js';
import { createGateway, type Gateway } from '../../src/server.js';
import type { GatewayTracing } from '../../src/tracing.js';
import { startSimulators, type SimulatorData, type Simulators } from '../../src/simulators/index.js';
import { SIMULATOR_MODULES } from '../../src/simulators/registry.js';

export interface GraphQLResult {
  status: number;
  headers: Headers;
  // Response JSON is untyped by nature; tests assert its shape.
  body: { data?: any; errors?: any; extensions?: any };
  /** The raw response text, for "never contains" assertions. */
  text: string;
}

export interface Stack {
  /** The gateway's `/graphql` URL. */
  url: string;
  gateway: Gateway;
  sims: Simulators;
  config: Readonly<GatewayConfig>;
  /** POSTs a GraphQL operation as JSON. */
  gql(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResult>;
  /** Clears every simulator's request record. */
  clearRequests(): void;
  close(): Promise<void>;
}

export interface StartStackOptions {
  /** Sections replacing the demo data's. */
  data?: Partial<SimulatorData>;
  /**
   * Extra environment for loadConfig (e.g. UPSTREAM_TIMEOUT_MS). The cache of user records is off
   * (`CACHE_TTL_S=0`) unless set here: most tests count upstream calls request by request; the cache
   * tests turn it on.
   */
  env?: Record<string, string>;
  logger?: Logger;
  /** The cache's clock (milliseconds since the epoch), for tests that move time. */
  now?: () => number;
  /** OpenTelemetry traces (src/tracing.ts `createTracing`); off when absent. */
  tracing?: GatewayTracing;
}

export async function startStack(options: StartStackOptions = {}): Promise<Stack> {
  const sims = await startSimulators({ data: options.data });
  const config = withSimulatorUrls(loadConfig({ USERGRAPH_MODE: 'demo', CACHE_TTL_S: '0', ...options.env }), sims);
  const gateway = await createGateway(config, { logger: options.logger ?? createSilentLogger(), now: options.now, tracing: options.tracing });
  const url = await gateway.listen(0, '127.0.0.1');

  return {
    url,
    gateway,
    sims,
    config,
    async gql(query, variables, headers = {}) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const text = await res.text();
      let body: GraphQLResult['body'];
      try {
        body = JSON.parse(text) as GraphQLResult['body'];
      } catch {
        body = {};
      }
      return { status: res.status, headers: res.headers, body, text };
    },
    clearRequests() {
      for (const { key } of SIMULATOR_MODULES) sims[key].clearRequests();
    },
    async close() {
      await gateway.stop();
      await sims.close();
    },
  };
}

/** Reads a fetch response's JSON body for assertions. */
export async function readJson(res: Response): Promise<any> {
  return res.json();
}
