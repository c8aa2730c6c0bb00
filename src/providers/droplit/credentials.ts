/**
 * Droplit credentials: read from the gateway request's headers, checked, and turned into the one
 * upstream header Droplit wants.
 *
 * - `x-droplit-token`: a Droplit token (account, server or user token), sent upstream as
 *   `Authorization: <token>`, the raw token with no scheme word (Droplit "Get a user": example
 *   `authorization: TOKEN`; contract §5).
 * - `x-droplit-user`: the caller's own composite id `<ecosystemId>;<uniqueId>`. Droplit has no
 *   "me" endpoint (contract §5), so `me` reads this id and fetches it with the caller's own token,
 *   leaving the decision to Droplit's authorization.
 *
 * A configured default token may stand in for a missing caller token on `user` lookups only; `me`
 * always needs both headers from the caller. Credential values never appear in errors or logs.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode, GatewayError } from '../../errors.js';

/** One credential header as read: absent, present, or unusable (control characters, too long, repeated). */
export type CredentialValue = { state: 'absent' } | { state: 'malformed' } | { state: 'present'; value: string };

export interface DroplitCredentials {
  /** The caller's own token (`x-droplit-token`). */
  readonly token: CredentialValue;
  /** The caller's own id (`x-droplit-user`), used by `me` only. */
  readonly user: CredentialValue;
  /** The configured default token, used by `user` lookups when the caller sent no token. */
  readonly defaultToken: string | undefined;
}

export const TOKEN_HEADER = 'x-droplit-token';
export const USER_HEADER = 'x-droplit-user';

const MAX_CREDENTIAL_LENGTH = 4096;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export function readDroplitCredentials(headers: IncomingHttpHeaders, defaultToken: string | undefined): DroplitCredentials {
  return {
    token: readHeader(headers[TOKEN_HEADER]),
    user: readHeader(headers[USER_HEADER]),
    defaultToken: defaultToken || undefined,
  };
}

function readHeader(raw: string | string[] | undefined): CredentialValue {
  if (raw === undefined || raw === '') return { state: 'absent' };
  // node:http gives an array only for headers it never joins; a repeated credential is ambiguous.
  if (typeof raw !== 'string') return { state: 'malformed' };
  if (raw.length > MAX_CREDENTIAL_LENGTH || CONTROL_CHARS.test(raw)) return { state: 'malformed' };
  return { state: 'present', value: raw };
}

/** The token for a `user` lookup: the caller's, else the configured default. Throws UNAUTHENTICATED. */
export function tokenForUserLookup(creds: DroplitCredentials): string {
  if (creds.token.state === 'present') return creds.token.value;
  if (creds.token.state === 'malformed') throw malformed(TOKEN_HEADER);
  if (creds.defaultToken !== undefined) return creds.defaultToken;
  throw missing(TOKEN_HEADER);
}

/** The caller's own token and raw id for `me` (no default applies). Throws UNAUTHENTICATED. */
export function credentialsForMe(creds: DroplitCredentials): { token: string; userId: string } {
  if (creds.token.state === 'malformed') throw malformed(TOKEN_HEADER);
  if (creds.user.state === 'malformed') throw malformed(USER_HEADER);
  if (creds.token.state === 'absent') throw missing(TOKEN_HEADER);
  if (creds.user.state === 'absent') throw missing(USER_HEADER);
  return { token: creds.token.value, userId: creds.user.value };
}

/** The upstream auth header: the raw token, no `Bearer` (a scheme word makes Droplit answer 401). */
export function authHeaders(token: string): Record<string, string> {
  return { authorization: token };
}

function missing(header: string): GatewayError {
  return new GatewayError(ErrorCode.UNAUTHENTICATED, `droplit: the ${header} header is required.`, {
    provider: 'DROPLIT',
    reason: 'MISSING_CREDENTIALS',
  });
}

function malformed(header: string): GatewayError {
  return new GatewayError(ErrorCode.UNAUTHENTICATED, `droplit: the ${header} header is malformed.`, {
    provider: 'DROPLIT',
    reason: 'MALFORMED_CREDENTIALS',
  });
}
