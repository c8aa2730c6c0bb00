/**
 * Error masking: only the gateway's own codes and messages leave the server. A GatewayError keeps
 * its message and its public extensions (code, provider, reason, retryAfterSeconds); GraphQL's own
 * request errors (parse, validation, bad variables) keep theirs; anything else (a bug, an unexpected
 * exception whose message might hold an upstream URL or body) becomes a generic
 * INTERNAL_SERVER_ERROR and is logged once, in full, on the server.
 *
 * Apollo Server passes a resolver's Error.message to the client even with NODE_ENV=production; only
 * the stack is removed. Hence this allowlist.
 *
 * A client's mistake (a request error, or a gateway error about one field) is never logged at error
 * level: the operation's own log line records its code. Lines go through the request's logger, so
 * they carry its request id.
 */
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context.js';
import { isGatewayError, type GatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import { tokenLimitMessage } from './operation-limits.js';

/** Apollo's request-level codes: their messages describe the client's own document, never upstream data. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  // Trusted documents, refused at the front door (src/persisted/trusted-documents.ts).
  'PERSISTED_DOCUMENT_REQUIRED',
  'PERSISTED_DOCUMENT_NOT_FOUND',
]);

const PUBLIC_EXTENSIONS = ['code', 'provider', 'reason', 'retryAfterSeconds'] as const;

/** Apollo's own refusal tells a developer to pass an option to ApolloServer; an operator sets a variable. */
const INTROSPECTION_DISABLED_MESSAGE = 'Introspection is disabled on this gateway. Set INTROSPECTION=true in its environment to enable it.';

// Errors are read by shape, not instanceof: Apollo may load another copy of graphql than this module.
interface ErrorShape {
  path?: unknown;
  extensions?: { code?: unknown; validationErrorCode?: unknown; http?: { status?: unknown } };
}

/** A request error's message, in the gateway's words where the library's would mislead. */
function requestErrorMessage(code: string, formatted: GraphQLFormattedError, error: unknown): string {
  if (code === 'GRAPHQL_PARSE_FAILED') return tokenLimitMessage(formatted.message) ?? formatted.message;
  if ((error as ErrorShape).extensions?.validationErrorCode === 'INTROSPECTION_DISABLED') return INTROSPECTION_DISABLED_MESSAGE;
  return formatted.message;
}

/**
 * Apollo refuses some requests with an HTTP 4xx status and no code (a persisted query whose hash does
 * not match its text, an unsupported persisted query version): the client's mistake, a BAD_REQUEST.
 */
function isUncodedRequestRefusal(error: unknown): boolean {
  const { path, extensions } = error as ErrorShape;
  const status = extensions?.http?.status;
  return path === undefined && extensions?.code === undefined && typeof status === 'number' && status >= 400 && status < 500;
}

/** Whether formatError shows this error to the client as one of the request's own errors. */
function isRequestError(error: unknown, original: unknown): boolean {
  return (REQUEST_ERROR_CODES.has(String((error as ErrorShape).extensions?.code)) && original === error) || isUncodedRequestRefusal(error);
}

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
  if (isRequestError(error, original)) {
    const code = isUncodedRequestRefusal(error) ? 'BAD_REQUEST' : String(formatted.extensions?.code);
    return { message: requestErrorMessage(code, formatted, error), ...location, extensions: { code } };
  }
  return { message: 'Internal server error.', ...location, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** Logs every error that was masked, with its original (server-side only) detail; field errors at debug. */
export function createErrorMaskingPlugin(logger: Logger): ApolloServerPlugin<GatewayContext> {
  // One listener for every request: what it needs is on the request's context.
  const listener: GraphQLRequestListener<GatewayContext> = {
    async didEncounterErrors({ errors, contextValue }) {
      const log = contextValue?.log ?? logger;
      for (const error of errors) {
        const original = findGatewayError(error) ?? unwrapResolverError(error);
        if (isGatewayError(original)) {
          // A refusal before execution (no path) is already in the operation's log line.
          if (error.path) log.debug({ code: original.code, provider: original.provider, detail: original.detail, path: error.path }, 'field error');
        } else if (!isRequestError(error, original)) {
          // Exactly the errors formatError masks: a resolver's error merely carrying a request code is a bug too.
          log.error({ err: original, path: error.path }, 'unexpected error (masked for the client)');
        }
      }
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}
