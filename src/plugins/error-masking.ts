/**
 * Error masking: only the gateway's own codes and messages leave the server. A GatewayError keeps
 * its message and its public extensions (code, provider, reason, retryAfterSeconds); GraphQL's own
 * request errors (parse, validation, bad variables) keep theirs; anything else (a bug, an unexpected
 * exception whose message might hold an upstream URL or body) becomes a generic
 * INTERNAL_SERVER_ERROR and is logged once, in full, on the server.
 *
 * Apollo Server passes a resolver's Error.message to the client even with NODE_ENV=production; only
 * the stack is removed. Hence this allowlist.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { isGatewayError, type GatewayError } from '../errors.js';
import type { Logger } from '../logger.js';

/** Apollo's request-level codes: their messages describe the client's own document, never upstream data. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

const PUBLIC_EXTENSIONS = ['code', 'provider', 'reason', 'retryAfterSeconds'] as const;

/**
 * The gateway's own error behind `error`, if any. Apollo wraps a resolver's error (unwrapResolverError)
 * and re-wraps an error a plugin throws before execution in another GraphQLError (its `originalError`).
 */
export function findGatewayError(error: unknown): GatewayError | undefined {
  let current: unknown = unwrapResolverError(error);
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (isGatewayError(current)) return current;
    current = (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = findGatewayError(error) ?? unwrapResolverError(error);
  const location = { ...(formatted.locations && { locations: formatted.locations }), ...(formatted.path && { path: formatted.path }) };
  if (isGatewayError(original)) {
    const extensions: Record<string, unknown> = {};
    for (const key of PUBLIC_EXTENSIONS) if (original.extensions[key] !== undefined) extensions[key] = original.extensions[key];
    return { message: original.message, ...location, extensions };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code) && original === error) {
    return { message: formatted.message, ...location, extensions: { code } };
  }
  return { message: 'Internal server error.', ...location, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** Logs every error that was masked, with its original (server-side only) detail. */
export function createErrorMaskingPlugin(logger: Logger): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            const original = findGatewayError(error) ?? unwrapResolverError(error);
            if (isGatewayError(original)) {
              logger.debug({ code: original.code, provider: original.provider, detail: original.detail, path: error.path }, 'field error');
            } else if (!REQUEST_ERROR_CODES.has(String(error.extensions?.code))) {
              logger.error({ err: original, path: error.path }, 'unexpected error (masked for the client)');
            }
          }
        },
      };
    },
  };
}
