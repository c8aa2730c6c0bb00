/**
 * Federated traces (`ftv1`) for a router that asks for them with `apollo-federation-include-trace:
 * ftv1`, and no work at all for a request that does not.
 *
 * Apollo Server installs its inline-trace plugin by itself on a subgraph schema, and that plugin builds
 * a trace tree (a protobuf message) for every request before it looks at the header. This plugin takes
 * its place (same internal id, so Apollo adds no other) and hands only the requests that carry the
 * header to it. What such a request gets is unchanged: the same plugin writes its `extensions.ftv1`.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';

const FTV1_HEADER = 'apollo-federation-include-trace';

export function createInlineTracePlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  const inner = ApolloServerPluginInlineTrace() as ApolloServerPlugin<TContext>;
  return {
    ...inner,
    async requestDidStart(requestContext) {
      if (requestContext.request.http?.headers.get(FTV1_HEADER) !== 'ftv1') return undefined;
      return inner.requestDidStart?.(requestContext);
    },
  };
}
