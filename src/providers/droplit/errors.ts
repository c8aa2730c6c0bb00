/**
 * Droplit status/body → gateway error. Droplit's error bodies come in three kinds (Droplit docs, Standard Responses):
 * the JSON "standard error structure" for 400s, plain text (404s, `Token type not permitted!`),
 * and empty (401). The body is read to pick a code or reason, never copied into the error.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode, GatewayError } from '../../errors.js';
import { parseRetryAfter } from '../http.js';
import { parseJsonBody } from '../wire.js';

export interface DroplitErrorContext {
  /** The upstream response headers (for `Retry-After`). */
  headers?: IncomingHttpHeaders;
}

/** Status → code and client-safe message, for the statuses Droplit documents plus HTTP's generic ones. */
const BY_STATUS: Record<number, { code: ErrorCode; message: string }> = {
  400: { code: ErrorCode.BAD_USER_INPUT, message: 'droplit: the request was rejected.' },
  401: { code: ErrorCode.UNAUTHENTICATED, message: 'droplit: the token is missing or was refused.' },
  403: { code: ErrorCode.FORBIDDEN, message: 'droplit: the token may not read this user.' },
  404: { code: ErrorCode.NOT_FOUND, message: 'droplit: no such user.' },
  429: { code: ErrorCode.RATE_LIMITED, message: 'droplit: rate limited; retry later.' },
};

/**
 * "Token type not permitted!" is the plain-text answer when a token of the wrong kind calls an
 * endpoint (droplit.io-edge `projects/test/src/test.ts`); its status is undocumented (401 or 403),
 * and either way the caller is known but not allowed.
 */
const TOKEN_TYPE_NOT_PERMITTED = /token type not permitted/i;
/** "Ecosystem Not Found ... the ecosystem ID once existed, but no longer does" (Get a user, 404). */
const ECOSYSTEM_NOT_FOUND = /^\s*ecosystem with id .* does not exist/i;

export function toGatewayError(status: number, body: string, context: DroplitErrorContext = {}): GatewayError {
  const detail = { status };
  if ((status === 401 || status === 403) && TOKEN_TYPE_NOT_PERMITTED.test(body)) {
    return new GatewayError(ErrorCode.FORBIDDEN, 'droplit: this kind of token may not read this user.', {
      provider: 'DROPLIT',
      reason: 'TOKEN_TYPE_NOT_PERMITTED',
      detail,
    });
  }
  if (status >= 300 && status < 400) {
    return new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'droplit: unexpected redirect.', { provider: 'DROPLIT', reason: 'REDIRECT', detail });
  }
  if (status >= 500) {
    return new GatewayError(ErrorCode.PROVIDER_UNAVAILABLE, undefined, { provider: 'DROPLIT', detail });
  }
  const known = BY_STATUS[status];
  if (!known) {
    return new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'droplit: unexpected response status.', { provider: 'DROPLIT', detail });
  }
  return new GatewayError(known.code, known.message, {
    provider: 'DROPLIT',
    reason: reasonFor(status, body),
    retryAfterSeconds: status === 429 ? parseRetryAfter(context.headers?.['retry-after']) : undefined,
    detail,
  });
}

function reasonFor(status: number, body: string): string | undefined {
  if (status === 400 && isStandardError(parseJsonBody(body))) return 'INVALID_PARAMS';
  if (status === 404 && ECOSYSTEM_NOT_FOUND.test(body)) return 'ECOSYSTEM_NOT_FOUND';
  return undefined;
}

/** `{"errorType": "InvalidParams", "errors": [{in, message, path}]}` (Droplit "Standard Responses"). */
function isStandardError(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { errorType?: unknown }).errorType === 'InvalidParams';
}
