/**
 * One JSON log line per GraphQL operation (operation name, duration, providers called, upstream call
 * count, error codes) and the request metrics. Never the query text, variables or headers: they may
 * hold ids or credentials.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics.js';

export function createOperationLogPlugin(logger: Logger, metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ response, contextValue, operationName, operation }) {
          const durationMs = performance.now() - started;
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const errorCodes = errors.map((e) => ({
            code: String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'),
            provider: typeof e.extensions?.provider === 'string' ? e.extensions.provider : undefined,
          }));
          metrics.onRequest({ durationMs, errorCodes });
          const tally = contextValue?.upstream;
          logger.info(
            {
              operation: operationName ?? null,
              type: operation?.operation ?? null,
              durationMs: Math.round(durationMs * 1000) / 1000,
              providers: tally ? [...tally.providers] : [],
              upstreamCalls: tally?.calls ?? 0,
              errors: errorCodes.map((e) => (e.provider ? `${e.provider}:${e.code}` : e.code)),
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
