/**
 * Syncano status/body → gateway error (Syncano v1.1 API, errors). Bodies are DRF JSON, mostly `{"detail": "…"}`;
 * `detail` is read to tell situations apart (403 means both "bad key" and "not allowed"; 404 means
 * both "no such user" and "no such instance"), never copied into the error.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode, GatewayError } from '../../errors.js';
import { parseRetryAfter } from '../http.js';
import { parseJsonBody } from '../wire.js';

export interface SyncanoErrorContext {
  /** The upstream response headers (for `Retry-After`). */
  headers?: IncomingHttpHeaders;
  /** Which read failed: `GET …/user/` (`me`) refuses in its own way (see below). Default `user`. */
  endpoint?: 'user' | 'me';
}

/** Status → code and client-safe message for the statuses Syncano documents. */
const BY_STATUS: Record<number, { code: ErrorCode; message: string }> = {
  400: { code: ErrorCode.BAD_USER_INPUT, message: 'syncano: the request was rejected as invalid.' },
  // Only the login endpoint answers 401; kept for a proxy in front of Syncano.
  401: { code: ErrorCode.UNAUTHENTICATED, message: 'syncano: the credentials were refused.' },
  403: { code: ErrorCode.FORBIDDEN, message: 'syncano: the caller may not read this user.' },
  404: { code: ErrorCode.NOT_FOUND, message: 'syncano: no such user, or not visible to the caller.' },
  // "Request timeout." / "Requested query took too long." (Syncano platform, apps/core/exceptions.py).
  408: { code: ErrorCode.PROVIDER_TIMEOUT, message: 'syncano: the request took too long.' },
  429: { code: ErrorCode.RATE_LIMITED, message: 'syncano: rate limited; retry later.' },
};

/** 404 "Instance was not found.": the configured instance is wrong, for every user alike. */
const INSTANCE_NOT_FOUND = /instance was not found/i;
/** 403 "No such API Key.": DRF answers 403, not 401, when authentication fails. */
const NO_SUCH_API_KEY = /no such api key/i;

export function toGatewayError(status: number, body: unknown, context: SyncanoErrorContext = {}): GatewayError {
  const error = (code: ErrorCode, message: string, reason?: string) =>
    new GatewayError(code, message, {
      provider: 'SYNCANO',
      reason,
      retryAfterSeconds: code === ErrorCode.RATE_LIMITED ? parseRetryAfter(context.headers?.['retry-after']) : undefined,
      detail: { status },
    });

  if (status >= 300 && status < 400) return error(ErrorCode.PROVIDER_BAD_RESPONSE, 'syncano: unexpected redirect.', 'REDIRECT');
  if (status >= 500) return error(ErrorCode.PROVIDER_UNAVAILABLE, 'The provider is unavailable.');
  const detail = readDetail(body);
  if (status === 404 && INSTANCE_NOT_FOUND.test(detail)) {
    return error(ErrorCode.PROVIDER_UNAVAILABLE, 'syncano: the configured instance does not exist.', 'MISCONFIGURED');
  }
  if (status === 403 && NO_SUCH_API_KEY.test(detail)) return error(ErrorCode.UNAUTHENTICATED, 'syncano: the API key was refused.');
  if (status === 403 && context.endpoint === 'me') {
    // "This endpoint will work only in combination of Instance API Key and User Key. Trying to use
    // Account Key will give 403" (seed "User - details"); an unknown user key is silently ignored and
    // ends in the same 403. Either way the credentials do not name a user.
    return error(ErrorCode.UNAUTHENTICATED, 'syncano: me needs an instance API key and a valid user key.');
  }
  const known = BY_STATUS[status];
  return known ? error(known.code, known.message) : error(ErrorCode.PROVIDER_BAD_RESPONSE, 'syncano: unexpected response status.');
}

/** `detail` of a DRF error body, from a raw body or an already-parsed batch item's content. */
export function readDetail(body: unknown): string {
  const parsed = typeof body === 'string' ? (parseJsonBody(body) ?? body) : body;
  if (typeof parsed === 'string') return parsed;
  if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { detail?: unknown }).detail === 'string') {
    return (parsed as { detail: string }).detail;
  }
  return '';
}
