/**
 * One JSON log line per GraphQL operation (operation name, duration, providers called, upstream call
 * count, cache reads by result, error codes, the limit that refused it if any) and the request metrics. Never the query
 * text, variables or headers: they may hold ids or credentials. The line goes through the request's
 * logger, so it carries the request id; a refused operation is a client's mistake, logged at info.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { Logger } from '../logger.js';
import { exemplarOf, type GatewayMetrics } from '../metrics.js';
import { refusedLimit, type LimitName } from './operation-limits.js';

export function createOperationLogPlugin(logger: Logger, metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      let refused: LimitName[] | undefined;
      return {
        // The raw errors: the limit behind a refusal is not part of what the client sees.
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            const limit = refusedLimit(error);
            if (limit) (refused ??= []).push(limit);
          }
        },
        async willSendResponse({ response, contextValue, operation, document, request }) {
          const durationMs = performance.now() - started;
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const errorCodes = errors.map((e) => ({
            code: String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'),
            provider: typeof e.extensions?.provider === 'string' ? e.extensions.provider : undefined,
          }));
          // The request's span, when sampled, is the duration's exemplar (a trace behind a latency bucket).
          metrics.onRequest({ durationMs, errorCodes, exemplar: exemplarOf(contextValue?.span?.span) });
          if (refused) for (const limit of refused) metrics.onRefused(limit);
          const log = contextValue?.log ?? logger;
          // The line is built only when it is written (LOG_LEVEL=warn and above: never).
          if (!log.isLevelEnabled('info')) return;
          const tally = contextValue?.upstream;
          // Apollo resolves the operation only once the document is valid; a refused one is named from the document.
          const named = operation ?? (document && getOperationAST(document, request.operationName)) ?? undefined;
          log.info(
            {
              operation: named?.name?.value ?? null,
              type: named?.operation ?? null,
              durationMs: Math.round(durationMs * 1000) / 1000,
              providers: tally ? [...tally.providers] : [],
              upstreamCalls: tally?.calls ?? 0,
              // User records by cache result (only when the operation read any).
              ...(contextValue?.cache && Object.values(contextValue.cache).some((n) => n > 0) && { cache: { ...contextValue.cache } }),
              errors: errorCodes.map((e) => (e.provider ? `${e.provider}:${e.code}` : e.code)),
              ...(refused && { refused }),
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
