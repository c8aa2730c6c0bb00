/**
 * Droplit status/body → gateway error. Droplit's error bodies come in three kinds (Droplit docs, Standard Responses):
 * the JSON "standard error structure" for 400s, plain text (404s, `Token type not permitted!`),
 * and empty (401). The body is read to pick a code or reason, never copied into the error.
 */
import { ErrorCode, type GatewayError } from '../../errors.js';
import { applyErrorTable, type ErrorContextBase, type ErrorOutcome, type ErrorTable } from '../error-table.js';
import { parseJsonBody } from '../wire.js';

export type DroplitErrorContext = ErrorContextBase;

/** Status → code and client-safe message, for the statuses Droplit documents plus HTTP's generic ones. */
const BY_STATUS = {
  400: { code: ErrorCode.BAD_USER_INPUT, message: 'droplit: the request was rejected.' },
  401: { code: ErrorCode.UNAUTHENTICATED, message: 'droplit: the token is missing or was refused.' },
  403: { code: ErrorCode.FORBIDDEN, message: 'droplit: the token may not read this user.' },
  404: { code: ErrorCode.NOT_FOUND, message: 'droplit: no such user.' },
  429: { code: ErrorCode.RATE_LIMITED, message: 'droplit: rate limited; retry later.' },
} satisfies Record<number, ErrorOutcome>;

/**
 * "Token type not permitted!" is the plain-text answer when a token of the wrong kind calls an
 * endpoint (droplit.io-edge `projects/test/src/test.ts`); its status is undocumented (401 or 403),
 * and either way the caller is known but not allowed.
 */
const TOKEN_TYPE_NOT_PERMITTED = /token type not permitted/i;
/** "Ecosystem Not Found ... the ecosystem ID once existed, but no longer does" (Get a user, 404). */
const ECOSYSTEM_NOT_FOUND = /^\s*ecosystem with id .* does not exist/i;

const TABLE: ErrorTable<DroplitErrorContext> = {
  provider: 'DROPLIT',
  byStatus: BY_STATUS,
  first: [
    ({ status, body }) =>
      (status === 401 || status === 403) && TOKEN_TYPE_NOT_PERMITTED.test(String(body))
        ? { code: ErrorCode.FORBIDDEN, message: 'droplit: this kind of token may not read this user.', reason: 'TOKEN_TYPE_NOT_PERMITTED' }
        : undefined,
  ],
  special: [
    // The "standard error structure" `{"errorType": "InvalidParams", "errors": [{in, message, path}]}`.
    ({ status, body }) => (status === 400 && isStandardError(parseJsonBody(String(body))) ? { ...BY_STATUS[400], reason: 'INVALID_PARAMS' } : undefined),
    ({ status, body }) => (status === 404 && ECOSYSTEM_NOT_FOUND.test(String(body)) ? { ...BY_STATUS[404], reason: 'ECOSYSTEM_NOT_FOUND' } : undefined),
  ],
  redirectMessage: 'droplit: unexpected redirect.',
  unexpectedMessage: 'droplit: unexpected response status.',
};

export function toGatewayError(status: number, body: string, context: DroplitErrorContext = {}): GatewayError {
  return applyErrorTable(TABLE, status, body, context);
}

function isStandardError(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { errorType?: unknown }).errorType === 'InvalidParams';
}
