/**
 * BellaDati status/body → gateway error (BellaDati REST API, Error Handling and Access Control).
 *
 * The documented table: 400 bad input, 401 bad or expired token, 403 bad OAuth request, 404 not
 * found, 405 unexpected method, 503 rate limited, other 5xx server error (BellaDati "REST API",
 * Error Handling). On 400/401/403 the body may be OAuth Problem Reporting, form-encoded
 * `oauth_problem=<code>` (belladati-sdk-java `BellaDatiClient.buildException`), JSON, or empty.
 * The problem code refines the status; it is echoed as `reason` only when it is one of the codes
 * listed below, and no other body text is ever copied.
 */
import { ErrorCode, type GatewayError } from '../../errors.js';
import { applyErrorTable, type ErrorContextBase, type ErrorOutcome, type ErrorTable } from '../error-table.js';
import { parseJsonBody } from '../wire.js';

export type BellaDatiErrorContext = ErrorContextBase;

/** The caller's token was refused: re-authenticate (the SDK's `ExceptionTest` codes, plus OAuth Problem Reporting's token/nonce codes). */
const TOKEN_PROBLEMS = new Set([
  'missing_token',
  'invalid_token',
  'token_expired',
  'token_rejected',
  'token_revoked',
  'unauthorized_token',
  'timestamp_refused',
  'nonce_used',
  'invalid_credentials',
  'account_locked',
]);

/**
 * The consumer key (and secret) are the gateway's server-side configuration, not the caller's: a
 * refusal means the gateway is misconfigured ("REST access must be enabled per domain by setting an
 * OAuth consumer key", BellaDati REST API, Access Control).
 */
const CONSUMER_PROBLEMS = new Set([
  'missing_consumer',
  'invalid_consumer',
  'consumer_key_unknown',
  'consumer_key_rejected',
  'consumer_key_refused',
  'invalid_signature',
  'signature_invalid',
  'signature_method_rejected',
]);

/** The caller is known but may not read (`user_not_active`, `domain_restricted`, `domain_expired`: SDK `ExceptionTest`, 403). */
const FORBIDDEN_PROBLEMS = new Set([
  'user_not_active',
  'domain_restricted',
  'domain_expired',
  'permission_denied',
  'x_auth_disabled',
  'piccolo_not_enabled',
]);

/** Status → code and client-safe message, for the statuses BellaDati documents. */
const BY_STATUS = {
  400: { code: ErrorCode.BAD_USER_INPUT, message: 'belladati: the request was rejected.' },
  401: { code: ErrorCode.UNAUTHENTICATED, message: 'belladati: the token is missing, invalid or expired.' },
  403: { code: ErrorCode.FORBIDDEN, message: 'belladati: the caller may not read this user.' },
  404: { code: ErrorCode.NOT_FOUND, message: 'belladati: no such user.' },
  429: { code: ErrorCode.RATE_LIMITED, message: 'belladati: rate limited; retry later.' },
  // "503 … too many requests … per-app or per-user basis" (REST API, Error Handling): throttling,
  // not an outage, so clients should back off and retry.
  503: { code: ErrorCode.RATE_LIMITED, message: 'belladati: rate limited; retry later.' },
} satisfies Record<number, ErrorOutcome>;

/** An `oauth_problem` on 400/401/403 refines the status: the problem decides, whatever the status. */
function fromOAuthProblem(status: number, body: string): ErrorOutcome | undefined {
  const problem = status === 400 || status === 401 || status === 403 ? oauthProblem(body) : undefined;
  if (problem === undefined) return undefined;
  const reason = problem.toUpperCase();
  if (CONSUMER_PROBLEMS.has(problem)) {
    return {
      code: ErrorCode.PROVIDER_UNAVAILABLE,
      message: 'belladati: the gateway is not configured correctly for this provider.',
      reason: 'MISCONFIGURED',
      detail: { problem: reason },
    };
  }
  if (TOKEN_PROBLEMS.has(problem)) return { ...BY_STATUS[401], reason };
  if (FORBIDDEN_PROBLEMS.has(problem)) return { ...BY_STATUS[403], reason };
  return undefined;
}

const TABLE: ErrorTable<BellaDatiErrorContext> = {
  provider: 'BELLADATI',
  byStatus: BY_STATUS,
  first: [({ status, body }) => fromOAuthProblem(status, String(body))],
  // 503 is throttling here, so the table is read before the generic 5xx rule.
  serverErrorsFirst: false,
  redirectMessage: 'belladati: unexpected redirect.',
  // 405 "unexpected method" and anything undocumented: the gateway only sends documented GETs.
  unexpectedMessage: 'belladati: unexpected response status.',
};

export function toGatewayError(status: number, body: string, context: BellaDatiErrorContext = {}): GatewayError {
  return applyErrorTable(TABLE, status, body, context);
}

/**
 * The `oauth_problem` code of an error body, lower-cased: form-encoded (`oauth_problem=token_expired`,
 * what the SDK parses) or a JSON object with that member. Undefined for anything else.
 */
function oauthProblem(body: string): string | undefined {
  const json = parseJsonBody(body);
  const raw = json === undefined ? new URLSearchParams(body.trim()).get('oauth_problem') : jsonMember(json, 'oauth_problem');
  return typeof raw === 'string' && /^[a-z_]{1,64}$/i.test(raw) ? raw.toLowerCase() : undefined;
}

function jsonMember(json: unknown, name: string): unknown {
  return typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[name] : undefined;
}
