/**
 * Droplit credentials: read from the gateway request's headers, checked, and turned into the one
 * upstream header Droplit wants.
 *
 * - `X-Droplit-Token`: a Droplit token (account, server or user token), sent upstream as
 *   `Authorization: <token>`, the raw token with no scheme word (Droplit "Get a user": example
 *   `authorization: TOKEN`). A token is visible ASCII: no space, no comma.
 * - `X-Droplit-User`: the caller's own composite id `<ecosystemId>;<uniqueId>`, as UTF-8. Droplit
 *   has no "me" endpoint, so `me` reads this id and fetches it with the caller's own token, leaving
 *   the decision to Droplit's authorization. A comma is refused like a repeated header: it is what
 *   two ids joined by a client or proxy look like.
 *
 * A configured default token may stand in for a missing caller token on `user` lookups only; `me`
 * always needs both headers from the caller. Credential values never appear in errors or logs.
 */
import { credentialError, credentialOrDefault, readCredentialHeader, type CredentialValue } from '../credentials.js';
import type { RequestHeaders } from '../request-headers.js';

export type { CredentialValue } from '../credentials.js';

export interface DroplitCredentials {
  /** The caller's own token (`x-droplit-token`). */
  readonly token: CredentialValue;
  /** The caller's own id (`x-droplit-user`), used by `me` only. */
  readonly user: CredentialValue;
  /** The configured default token, used by `user` lookups when the caller sent no token. */
  readonly defaultToken: string | undefined;
}

export const TOKEN_HEADER = 'X-Droplit-Token';
export const USER_HEADER = 'X-Droplit-User';

export function readDroplitCredentials(headers: RequestHeaders, defaultToken: string | undefined): DroplitCredentials {
  return {
    token: readCredentialHeader(headers, TOKEN_HEADER),
    user: readCredentialHeader(headers, USER_HEADER, { kind: 'text' }),
    defaultToken: defaultToken || undefined,
  };
}

/** The token for a `user` lookup: the caller's, else the configured default. Throws UNAUTHENTICATED. */
export function tokenForUserLookup(creds: DroplitCredentials): string {
  return credentialOrDefault(creds.token, creds.defaultToken, 'DROPLIT', TOKEN_HEADER);
}

/** The caller's own token and raw id for `me` (no default applies). Throws UNAUTHENTICATED. */
export function credentialsForMe(creds: DroplitCredentials): { token: string; userId: string } {
  if (creds.token.state === 'malformed') throw credentialError('DROPLIT', TOKEN_HEADER, creds.token);
  if (creds.user.state === 'malformed') throw credentialError('DROPLIT', USER_HEADER, creds.user);
  if (creds.token.state === 'absent') throw credentialError('DROPLIT', TOKEN_HEADER, creds.token);
  if (creds.user.state === 'absent') throw credentialError('DROPLIT', USER_HEADER, creds.user);
  return { token: creds.token.value, userId: creds.user.value };
}

/** The upstream auth header: the raw token, no `Bearer` (a scheme word makes Droplit answer 401). */
export function authHeaders(token: string): Record<string, string> {
  return { authorization: token };
}
