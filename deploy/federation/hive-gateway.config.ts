/**
 * Hive Gateway (https://the-guild.dev/graphql/hive/docs/gateway) as the federation router in front of
 * usergraph, with the supergraph composed beside this file (`supergraph.graphql`, regenerated with
 * `npx tsx scripts/compose-supergraph.ts > deploy/federation/supergraph.graphql`; README, "Joining a
 * supergraph"). Run it from this folder:
 *
 *   npx hive-gateway supergraph --config-path hive-gateway.config.ts      → http://localhost:4010/graphql
 *   docker run -p 4010:4010 -v "$PWD:/gateway" ghcr.io/graphql-hive/gateway supergraph --config-path hive-gateway.config.ts
 *
 * USERGRAPH_URL points the `usergraph` subgraph elsewhere than the URL composed into the supergraph.
 *
 * Header propagation (https://the-guild.dev/graphql/hive/docs/gateway/other-features/header-propagation):
 * a router forwards no client header unless told to. usergraph reads each provider's credentials from
 * the client's headers (README, "What the gateway sends upstream"), so the router must forward exactly those, and only to
 * usergraph: another subgraph of the supergraph has no business seeing a caller's Passbolt token.
 * `x-request-id` (usergraph's log correlation), `cache-control` (`no-cache` reads past usergraph's
 * cache) and the W3C trace context (`traceparent`, `tracestate`: usergraph's spans join the caller's
 * trace; a router with its own tracing sends its own instead) go to every subgraph. `router.yaml` is the same for Apollo Router; the federation tests check
 * both lists against every provider module's `credentialHeaders`, so a new provider cannot be missed.
 */
import type { GatewayConfigSupergraph, PropagateHeadersOpts } from '@graphql-hive/gateway-runtime';

/** usergraph's name in the supergraph (`join__Graph`), as composed by scripts/compose-supergraph.ts. */
export const USERGRAPH_SUBGRAPH = 'usergraph';

/** Every provider's credential headers (src/providers/<name>/module.ts `credentialHeaders`), for usergraph only. */
export const PROVIDER_CREDENTIAL_HEADERS = [
  'X-Syncano-Api-Key',
  'X-Syncano-User-Key',
  'X-Droplit-Token',
  'X-Droplit-User',
  'X-Passbolt-Token',
  'X-BellaDati-Token',
  'X-BellaDati-Username',
  'X-Scim-Token',
] as const;

/** Headers every subgraph receives. */
export const SHARED_HEADERS = ['x-request-id', 'cache-control', 'traceparent', 'tracestate'] as const;

/** The client headers forwarded to one subgraph, by name as the client sent them; absent ones are left out. */
export function forwardedHeaders(request: Request, subgraphName: string): Record<string, string> {
  const names: readonly string[] = subgraphName === USERGRAPH_SUBGRAPH ? [...PROVIDER_CREDENTIAL_HEADERS, ...SHARED_HEADERS] : SHARED_HEADERS;
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = request.headers.get(name);
    if (value !== null) headers[name.toLowerCase()] = value;
  }
  return headers;
}

export const propagateHeaders: PropagateHeadersOpts<Record<string, unknown>> = {
  fromClientToSubgraphs: ({ request, subgraphName }) => forwardedHeaders(request, subgraphName),
};

const usergraphUrl = process.env.USERGRAPH_URL;

export const gatewayConfig = {
  supergraph: './supergraph.graphql',
  propagateHeaders,
  ...(usergraphUrl ? { transportEntries: { [USERGRAPH_SUBGRAPH]: { location: usergraphUrl } } } : {}),
  port: 4010,
} satisfies GatewayConfigSupergraph & { port?: number };
