/**
 * Syncano status/body → gateway error (contract §6). Bodies are DRF JSON, mostly `{"detail": "…"}`;
 * `detail` is read to tell situations apart (403 means both "bad key" and "not allowed"; 404 means
 * both "no such user" and "no such instance"), never copied into the error.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode, GatewayError } from '../../errors.js';
import { parseRetryAfter } from '../http.js';
import { parseJsonBody } from '../wire.js';

export interface SyncanoErrorContext {
  headers?: IncomingHttpHeaders;
}

/** "Instance was not found." (contract §6): the configured instance is wrong, for every user alike. */
const INSTANCE_NOT_FOUND = /instance was not found/i;
/** "No such API Key." (contract §6). */
const NO_SUCH_API_KEY = /no such api key/i;

export function toGatewayError(status: number, body: unknown, context: SyncanoErrorContext = {}): GatewayError {
  const detail = readDetail(body);
  const info = { status };
  const error = (code: ErrorCode, message: string, extra: { reason?: string; retryAfterSeconds?: number } = {}) =>
    new GatewayError(code, message, { provider: 'SYNCANO', detail: info, ...extra });

  if (status >= 300 && status < 400) return error(ErrorCode.PROVIDER_BAD_RESPONSE, 'syncano: unexpected redirect.', { reason: 'REDIRECT' });
  if (status >= 500) return error(ErrorCode.PROVIDER_UNAVAILABLE, 'The provider is unavailable.');
  switch (status) {
    case 400:
      return error(ErrorCode.BAD_USER_INPUT, 'syncano: the request was rejected as invalid.');
    case 401:
      return error(ErrorCode.UNAUTHENTICATED, 'syncano: the credentials were refused.');
    case 403:
      // DRF answers 403, not 401, when authentication fails (contract §6).
      return NO_SUCH_API_KEY.test(detail)
        ? error(ErrorCode.UNAUTHENTICATED, 'syncano: the API key was refused.')
        : error(ErrorCode.FORBIDDEN, 'syncano: the caller may not read this user.');
    case 404:
      return INSTANCE_NOT_FOUND.test(detail)
        ? error(ErrorCode.PROVIDER_UNAVAILABLE, 'syncano: the configured instance does not exist.', { reason: 'MISCONFIGURED' })
        : error(ErrorCode.NOT_FOUND, 'syncano: no such user, or not visible to the caller.');
    case 408:
      // "Request timeout." for long queries (contract §6).
      return new GatewayError(ErrorCode.PROVIDER_TIMEOUT, undefined, { provider: 'SYNCANO', detail: info });
    case 429:
      return error(ErrorCode.RATE_LIMITED, 'syncano: rate limited; retry later.', {
        retryAfterSeconds: parseRetryAfter(context.headers?.['retry-after']),
      });
    default:
      return error(ErrorCode.PROVIDER_BAD_RESPONSE, 'syncano: unexpected response status.');
  }
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
