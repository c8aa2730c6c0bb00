/**
 * Passbolt credentials: read from the gateway request's headers, checked, and turned into the one
 * upstream header Passbolt wants.
 *
 * - `x-passbolt-token`: a JWT access token obtained by the caller from Passbolt's
 *   `POST /auth/jwt/login.json`, sent upstream as `Authorization: Bearer <token>` (contract §5 A,
 *   "Calls send Authorization: Bearer <access_token>").
 *
 * A configured default token may stand in for a missing caller token on `user` lookups only; `me`
 * resolves `/users/me.json` against whoever the token belongs to, so it always needs the caller's
 * own token. Credential values never appear in errors or logs.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode, GatewayError } from '../../errors.js';

/** One credential header as read: absent, present, or unusable (control characters, too long, repeated). */
export type CredentialValue = { state: 'absent' } | { state: 'malformed' } | { state: 'present'; value: string };

export interface PassboltCredentials {
  /** The caller's own access token (`x-passbolt-token`). */
  readonly token: CredentialValue;
  /** The configured default token, used by `user` lookups when the caller sent no token. */
  readonly defaultToken: string | undefined;
}

export const TOKEN_HEADER = 'x-passbolt-token';

const MAX_CREDENTIAL_LENGTH = 4096;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
/**
 * A JWT in compact form is base64url parts joined by dots (RFC 7519 §3), so it never holds a space or
 * a comma; node:http joins a repeated header with ", ", which this also catches.
 */
const NOT_IN_A_JWT = /[\s,]/;

export function readPassboltCredentials(headers: IncomingHttpHeaders, defaultToken: string | undefined): PassboltCredentials {
  return { token: readHeader(headers[TOKEN_HEADER]), defaultToken: defaultToken || undefined };
}

function readHeader(raw: string | string[] | undefined): CredentialValue {
  if (raw === undefined || raw === '') return { state: 'absent' };
  // A repeated credential is ambiguous, so it is refused rather than guessed at.
  if (typeof raw !== 'string') return { state: 'malformed' };
  if (raw.length > MAX_CREDENTIAL_LENGTH || CONTROL_CHARS.test(raw) || NOT_IN_A_JWT.test(raw)) return { state: 'malformed' };
  return { state: 'present', value: raw };
}

/** The token for a `user` lookup: the caller's, else the configured default. Throws UNAUTHENTICATED. */
export function tokenForUserLookup(creds: PassboltCredentials): string {
  if (creds.token.state === 'present') return creds.token.value;
  if (creds.token.state === 'malformed') throw malformed();
  if (creds.defaultToken !== undefined) return creds.defaultToken;
  throw missing();
}

/** The caller's own token for `me` (no default applies: `me` is whoever the token belongs to). */
export function tokenForMe(creds: PassboltCredentials): string {
  if (creds.token.state === 'present') return creds.token.value;
  throw creds.token.state === 'malformed' ? malformed() : missing();
}

/** The upstream auth header (Passbolt JWT authentication, contract §5 A step 4). */
export function authHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

function missing(): GatewayError {
  return new GatewayError(ErrorCode.UNAUTHENTICATED, `passbolt: the ${TOKEN_HEADER} header is required.`, {
    provider: 'PASSBOLT',
    reason: 'MISSING_CREDENTIALS',
  });
}

function malformed(): GatewayError {
  return new GatewayError(ErrorCode.UNAUTHENTICATED, `passbolt: the ${TOKEN_HEADER} header is malformed.`, {
    provider: 'PASSBOLT',
    reason: 'MALFORMED_CREDENTIALS',
  });
}
