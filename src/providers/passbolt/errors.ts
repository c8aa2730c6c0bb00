/**
 * Passbolt status/body → gateway error (Passbolt API, error responses). Every JSON error Passbolt sends is the
 * `{header, body}` envelope with `header.status` "error" and `body` "" unless the exception carries
 * details; the envelope is read to pick a code or reason, never copied into the error.
 */
import { ErrorCode, type GatewayError } from '../../errors.js';
import { applyErrorTable, type ErrorContextBase, type ErrorOutcome, type ErrorTable } from '../error-table.js';
import { parseJsonBody } from '../wire.js';

export type PassboltErrorContext = ErrorContextBase;

/** Status → code and client-safe message for the statuses Passbolt documents, plus a proxy's 429. */
const BY_STATUS = {
  400: { code: ErrorCode.BAD_USER_INPUT, message: 'passbolt: the request was rejected as invalid.' },
  401: { code: ErrorCode.UNAUTHENTICATED, message: 'passbolt: the access token is missing, invalid or expired.' },
  403: { code: ErrorCode.FORBIDDEN, message: 'passbolt: the caller may not read this user.' },
  404: { code: ErrorCode.NOT_FOUND, message: 'passbolt: no such user.' },
  // Passbolt has no API rate limit of its own; an operator's reverse proxy may add one.
  429: { code: ErrorCode.RATE_LIMITED, message: 'passbolt: rate limited; retry later.' },
} satisfies Record<number, ErrorOutcome>;

/**
 * 2019 servers answered an unauthenticated call with 403 "Authentication is required to continue"
 * ("View a users record", help.passbolt.com/api/users/read: "403 Authentication Failure"); v3+ answer 401 with the same message.
 */
const AUTHENTICATION_REQUIRED = /authentication is required/i;

interface PassboltErrorEnvelope {
  message: string | undefined;
  body: unknown;
}

const TABLE: ErrorTable<PassboltErrorContext> = {
  provider: 'PASSBOLT',
  byStatus: BY_STATUS,
  special: [
    // "When MFA is required and not yet satisfied, authenticated calls answer 403 with …
    // body: {"mfa_providers": [...]}" (Passbolt API docs, authentication with MFA).
    ({ status, body }) =>
      status === 403 && hasMfaProviders(readEnvelope(String(body)))
        ? { code: ErrorCode.UNAUTHENTICATED, message: 'passbolt: multi-factor authentication is required.', reason: 'MFA_REQUIRED' }
        : undefined,
    ({ status, body }) =>
      status === 403 && AUTHENTICATION_REQUIRED.test(readEnvelope(String(body))?.message ?? '') ? { code: ErrorCode.UNAUTHENTICATED, message: BY_STATUS[401].message } : undefined,
    // Passbolt answers every `.json` request with its envelope, a missing user included. A bare 404
    // comes from something else at the base URL: every user would look missing, so it is reported
    // as the misconfiguration it is.
    ({ status, body }) =>
      status === 404 && !readEnvelope(String(body))
        ? { code: ErrorCode.PROVIDER_UNAVAILABLE, message: 'passbolt: the base URL does not serve the Passbolt API.', reason: 'MISCONFIGURED' }
        : undefined,
  ],
  redirectMessage: 'passbolt: unexpected redirect.',
  unexpectedMessage: 'passbolt: unexpected response status.',
};

export function toGatewayError(status: number, body: string, context: PassboltErrorContext = {}): GatewayError {
  return applyErrorTable(TABLE, status, body, context);
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
