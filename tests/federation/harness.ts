/**
 * A federated graph on loopback, for the federation tests: the whole usergraph stack
 * (tests/helpers/stack.ts), the tickets and vault subgraphs (fixtures.ts), and Hive Gateway's runtime
 * (https://the-guild.dev/graphql/hive/docs/gateway) serving their composed supergraph over node:http,
 * with the header propagation of deploy/federation/hive-gateway.config.ts. Each subgraph sits behind a
 * recording proxy, so a test sees every request the router sent it (headers and body) and every
 * answer, exactly as they crossed the wire.
 *
 * `FED_DEBUG=1 npx vitest run tests/federation` shows the router's debug log (its query plan's
 * subgraph requests) and its unmasked errors.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime, type GatewayConfigSupergraph, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { propagateHeaders, USERGRAPH_SUBGRAPH } from '../../deploy/federation/hive-gateway.config.js';
import { printSubgraphSdl } from '../../src/commands/print-schema.js';
import { startStack, type GraphQLResult, type Stack, type StartStackOptions } from '../helpers/stack.js';
import { TICKETS_SUBGRAPH, ticketsTypeDefs, VAULT_SUBGRAPH, vaultTypeDefs, type TicketsSubgraph, type VaultSubgraph } from './fixtures.js';

/** One request a subgraph received from the router, and its answer. */
export interface ProxiedExchange {
  headers: IncomingHttpHeaders;
  /** The request body (the router's GraphQL request as JSON). */
  body: string;
  status: number;
  responseBody: string;
}

export interface RecordingProxy {
  url: string;
  exchanges(): ProxiedExchange[];
  clear(): void;
  close(): Promise<void>;
}

/** Hop-by-hop and framing headers: node:http and fetch set their own. */
const NOT_FORWARDED = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

/** An HTTP proxy on loopback that forwards every request to `target` and records the exchange. */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const recorded: ProxiedExchange[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (NOT_FORWARDED.has(name) || value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
      }
      fetch(target, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body })
        .then(async (upstream) => {
          const responseBody = await upstream.text();
          recorded.push({ headers: req.headers, body, status: upstream.status, responseBody });
          res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
          res.end(responseBody);
        })
        .catch((error: unknown) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(String(error));
        });
    });
  });
  const url = await listen(server);
  return {
    url,
    exchanges: () => [...recorded],
    clear: () => {
      recorded.length = 0;
    },
    close: () => closeServer(server),
  };
}

/** The supergraph of usergraph, tickets and vault at the given URLs; composition errors throw. */
export function composeFederation(urls: { usergraph: string; tickets: string; vault: string }): string {
  const result = composeServices([
    { name: USERGRAPH_SUBGRAPH, typeDefs: parse(printSubgraphSdl()), url: urls.usergraph },
    { name: TICKETS_SUBGRAPH, typeDefs: parse(ticketsTypeDefs()), url: urls.tickets },
    { name: VAULT_SUBGRAPH, typeDefs: parse(vaultTypeDefs()), url: urls.vault },
  ]);
  if (compositionHasErrors(result)) throw new Error(`the supergraph does not compose:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  return result.supergraphSdl;
}

export interface Federation {
  /** The router's GraphQL URL. */
  url: string;
  /** usergraph itself (its simulators' request records, direct queries). */
  stack: Stack;
  /** What usergraph received from the router. */
  usergraph: RecordingProxy;
  /** What the tickets subgraph received from the router. */
  tickets: RecordingProxy;
  /** What the vault subgraph received from the router. */
  vault: RecordingProxy;
  /** POSTs an operation to the router. */
  gql(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResult>;
  /** Clears the simulators' and both proxies' records. */
  clearRequests(): void;
  close(): Promise<void>;
}

/** How the router itself is set up, beyond the supergraph and the header propagation every federation has. */
export interface RouterOptions {
  /**
   * More Hive Gateway plugins (https://the-guild.dev/graphql/hive/docs/gateway/other-features/custom-plugins),
   * e.g. its OpenTelemetry plugin; called with the gateway's context, as the `plugins` setting of a gateway config is.
   */
  plugins?: GatewayConfigSupergraph['plugins'];
}

/**
 * usergraph (its own stack, `options`) and the running tickets and vault subgraphs, federated by Hive
 * Gateway (with `router`'s extra plugins, if any).
 */
export async function startFederation(
  subgraphs: { tickets: TicketsSubgraph; vault: VaultSubgraph },
  options: StartStackOptions = {},
  router: RouterOptions = {},
): Promise<Federation> {
  const stack = await startStack(options);
  const usergraph = await startRecordingProxy(stack.url);
  const ticketsProxy = await startRecordingProxy(subgraphs.tickets.url);
  const vaultProxy = await startRecordingProxy(subgraphs.vault.url);
  const supergraph = composeFederation({ usergraph: usergraph.url, tickets: ticketsProxy.url, vault: vaultProxy.url });
  const debug = Boolean(process.env.FED_DEBUG);
  const gateway: GatewayRuntime = createGatewayRuntime({
    supergraph,
    propagateHeaders,
    logging: debug ? 'debug' : false,
    maskedErrors: !debug,
    ...(router.plugins && { plugins: router.plugins }),
  });
  const server = createServer(gateway);
  const url = `${await listen(server)}graphql`;
  return {
    url,
    stack,
    usergraph,
    tickets: ticketsProxy,
    vault: vaultProxy,
    async gql(query, variables, headers = {}) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
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
      stack.clearRequests();
      usergraph.clear();
      ticketsProxy.clear();
      vaultProxy.clear();
    },
    async close() {
      await closeServer(server);
      await gateway.dispose();
      await Promise.all([usergraph.close(), ticketsProxy.close(), vaultProxy.close()]);
      await stack.close();
    },
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
