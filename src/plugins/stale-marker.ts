/**
 * Says which fields were answered from a kept cache entry while their provider failed (RFC 5861
 * stale-if-error): `extensions.stale` lists each such field's path, provider and the entry's age in
 * seconds. A client that must not show old data reads it; one that can, shows the data instead of an
 * error. Nothing is added when every field is fresh.
 */
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { GatewayContext } from '../context.js';

/** The same listener for every request: what it needs is on the request's context. */
const listener: GraphQLRequestListener<GatewayContext> = {
  async willSendResponse({ response, contextValue }) {
    const stale = contextValue?.stale;
    if (!stale?.length || response.body.kind !== 'single') return;
    const result = response.body.singleResult;
    result.extensions = {
      ...result.extensions,
      stale: stale.map(({ path, provider, ageSeconds }) => ({ path: [...path], provider, ageSeconds })),
    };
  },
};

export function createStaleMarkerPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return listener;
    },
  };
}
