/**
 * Syncano status/body → gateway error (Syncano v1.1 API, errors). Bodies are DRF JSON, mostly `{"detail": "…"}`;
 * `detail` is read to tell situations apart (403 means both "bad key" and "not allowed"; 404 means
 * both "no such user" and "no such instance"), never copied into the error.
 */
import { ErrorCode, type GatewayError } from '../../errors.js';
import { applyErrorTable, type ErrorContextBase, type ErrorTable } from '../error-table.js';
import { parseJsonBody } from '../wire.js';

export interface SyncanoErrorContext extends ErrorContextBase {
  /**
   * Which read failed: `GET …/user/` (`me`) refuses in its own way; the user list, a group and a
   * group's members (`…/groups/{id}/users/`) name what was refused (see below). Default `user`.
   */
  endpoint?: 'user' | 'me' | 'list' | 'group' | 'members';
}

/** 404 "Instance was not found.": the configured instance is wrong, for every user alike. */
const INSTANCE_NOT_FOUND = /instance was not found/i;
/** 403 "No such API Key.": DRF answers 403, not 401, when authentication fails. */
const NO_SUCH_API_KEY = /no such api key/i;

const TABLE: ErrorTable<SyncanoErrorContext> = {
  provider: 'SYNCANO',
  byStatus: {
    400: { code: ErrorCode.BAD_USER_INPUT, message: 'syncano: the request was rejected as invalid.' },
    // Only the login endpoint answers 401; kept for a proxy in front of Syncano.
    401: { code: ErrorCode.UNAUTHENTICATED, message: 'syncano: the credentials were refused.' },
    403: { code: ErrorCode.FORBIDDEN, message: 'syncano: the caller may not read this user.' },
    404: { code: ErrorCode.NOT_FOUND, message: 'syncano: no such user, or not visible to the caller.' },
    // "Request timeout." / "Requested query took too long." (Syncano platform, apps/core/exceptions.py).
    408: { code: ErrorCode.PROVIDER_TIMEOUT, message: 'syncano: the request took too long.' },
    429: { code: ErrorCode.RATE_LIMITED, message: 'syncano: rate limited; retry later.' },
  },
  special: [
    ({ status, body }) =>
      status === 404 && INSTANCE_NOT_FOUND.test(readDetail(body))
        ? { code: ErrorCode.PROVIDER_UNAVAILABLE, message: 'syncano: the configured instance does not exist.', reason: 'MISCONFIGURED' }
        : undefined,
    ({ status, body }) =>
      status === 403 && NO_SUCH_API_KEY.test(readDetail(body)) ? { code: ErrorCode.UNAUTHENTICATED, message: 'syncano: the API key was refused.' } : undefined,
    // "This endpoint will work only in combination of Instance API Key and User Key. Trying to use
    // Account Key will give 403" (Syncano v1.1 docs, "User - details"); an unknown user key is silently ignored and
    // ends in the same 403. Either way the credentials do not name a user.
    ({ status, context }) =>
      status === 403 && context.endpoint === 'me'
        ? { code: ErrorCode.UNAUTHENTICATED, message: 'syncano: me needs an instance API key and a valid user key.' }
        : undefined,
    ({ status, context }) =>
      status === 403 && (context.endpoint === 'list' || context.endpoint === 'members') ? { code: ErrorCode.FORBIDDEN, message: 'syncano: the caller may not list these users.' } : undefined,
    ({ status, context }) =>
      status === 404 && (context.endpoint === 'group' || context.endpoint === 'members') ? { code: ErrorCode.NOT_FOUND, message: 'syncano: no such group, or not visible to the caller.' } : undefined,
    ({ status, context }) =>
      status === 403 && context.endpoint === 'group' ? { code: ErrorCode.FORBIDDEN, message: 'syncano: the caller may not read this group.' } : undefined,
  ],
  redirectMessage: 'syncano: unexpected redirect.',
  unexpectedMessage: 'syncano: unexpected response status.',
};

/** `body` is a raw response body, or a batch item's already-parsed `content`. */
export function toGatewayError(status: number, body: unknown, context: SyncanoErrorContext = {}): GatewayError {
  return applyErrorTable(TABLE, status, body, context);
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
