/**
 * Passbolt status/body → gateway error (Passbolt API, error responses). Every JSON error Passbolt sends is the
 * `{header, body}` envelope with `header.status` "error" and `body` "" unless the exception carries
 * details; the envelope is read to pick a code or reason, never copied into the error.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode, GatewayError } from '../../errors.js';
import { parseRetryAfter } from '../http.js';
import { parseJsonBody } from '../wire.js';

export interface PassboltErrorContext {
  /** The upstream response headers (for `Retry-After`). */
  headers?: IncomingHttpHeaders;
}

/** Status → code and client-safe message for the statuses Passbolt documents, plus a proxy's 429. */
const BY_STATUS: Record<number, { code: ErrorCode; message: string }> = {
  400: { code: ErrorCode.BAD_USER_INPUT, message: 'passbolt: the request was rejected as invalid.' },
  401: { code: ErrorCode.UNAUTHENTICATED, message: 'passbolt: the access token is missing, invalid or expired.' },
  403: { code: ErrorCode.FORBIDDEN, message: 'passbolt: the caller may not read this user.' },
  404: { code: ErrorCode.NOT_FOUND, message: 'passbolt: no such user.' },
  // Passbolt has no API rate limit of its own; an operator's reverse proxy may add one.
  429: { code: ErrorCode.RATE_LIMITED, message: 'passbolt: rate limited; retry later.' },
};

/**
 * 2019 servers answered an unauthenticated call with 403 "Authentication is required to continue"
 * (seed "View a users record": "403 Authentication Failure"); v3+ answer 401 with the same message.
 */
const AUTHENTICATION_REQUIRED = /authentication is required/i;

interface PassboltErrorEnvelope {
  message: string | undefined;
  body: unknown;
}

export function toGatewayError(status: number, body: string, context: PassboltErrorContext = {}): GatewayError {
  const detail = { status };
  const envelope = readEnvelope(body);
  if (status >= 300 && status < 400) {
    return new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'passbolt: unexpected redirect.', { provider: 'PASSBOLT', reason: 'REDIRECT', detail });
  }
  if (status >= 500) {
    return new GatewayError(ErrorCode.PROVIDER_UNAVAILABLE, undefined, { provider: 'PASSBOLT', detail });
  }
  if (status === 403 && hasMfaProviders(envelope)) {
    // "When MFA is required and not yet satisfied, authenticated calls answer 403 with …
    // body: {"mfa_providers": [...]}" (Passbolt API docs, authentication with MFA).
    return new GatewayError(ErrorCode.UNAUTHENTICATED, 'passbolt: multi-factor authentication is required.', {
      provider: 'PASSBOLT',
      reason: 'MFA_REQUIRED',
      detail,
    });
  }
  if (status === 403 && AUTHENTICATION_REQUIRED.test(envelope?.message ?? '')) {
    return new GatewayError(ErrorCode.UNAUTHENTICATED, BY_STATUS[401]!.message, { provider: 'PASSBOLT', detail });
  }
  if (status === 404 && !envelope) {
    // Passbolt answers every `.json` request with its envelope, a missing user included. A bare 404
    // comes from something else at the base URL: every user would look missing, so it is reported
    // as the misconfiguration it is.
    return new GatewayError(ErrorCode.PROVIDER_UNAVAILABLE, 'passbolt: the base URL does not serve the Passbolt API.', {
      provider: 'PASSBOLT',
      reason: 'MISCONFIGURED',
      detail,
    });
  }
  const known = BY_STATUS[status];
  if (!known) {
    return new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'passbolt: unexpected response status.', { provider: 'PASSBOLT', detail });
  }
  return new GatewayError(known.code, known.message, {
    provider: 'PASSBOLT',
    retryAfterSeconds: status === 429 ? parseRetryAfter(context.headers?.['retry-after']) : undefined,
    detail,
  });
}

/** The envelope's `header.message` and `body`, or undefined when the body is not a Passbolt envelope. */
function readEnvelope(raw: string): PassboltErrorEnvelope | undefined {
  const parsed = parseJsonBody(raw);
  if (typeof parsed !== 'object' || parsed === null || !('header' in parsed)) return undefined;
  const header = (parsed as { header: unknown }).header;
  if (typeof header !== 'object' || header === null) return undefined;
  const message = (header as { message?: unknown }).message;
  return { message: typeof message === 'string' ? message : undefined, body: (parsed as { body?: unknown }).body };
}

function hasMfaProviders(envelope: PassboltErrorEnvelope | undefined): boolean {
  const body = envelope?.body;
  return typeof body === 'object' && body !== null && Array.isArray((body as { mfa_providers?: unknown }).mfa_providers);
}
