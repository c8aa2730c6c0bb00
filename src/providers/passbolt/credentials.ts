/**
 * Passbolt credentials: read from the gateway request's headers, checked, and turned into the one
 * upstream header Passbolt wants.
 *
 * - `X-Passbolt-Token`: a JWT access token obtained by the caller from Passbolt's
 *   `POST /auth/jwt/login.json`, sent upstream as `Authorization: Bearer <token>` (Passbolt API,
 *   JWT authentication). The header carries the bare JWT: the gateway adds the `Bearer` scheme.
 *
 * A configured default token may stand in for a missing caller token on `user` lookups only; `me`
 * resolves `/users/me.json` against whoever the token belongs to, so it always needs the caller's
 * own token. Credential values never appear in errors or logs.
 */
import { credentialOrDefault, readCredentialHeader, requireCredential, type CredentialValue } from '../credentials.js';
import type { RequestHeaders } from '../request-headers.js';

export type { CredentialValue } from '../credentials.js';

export interface PassboltCredentials {
  /** The caller's own access token (`x-passbolt-token`). */
  readonly token: CredentialValue;
  /** The configured default token, used by `user` lookups when the caller sent no token. */
  readonly defaultToken: string | undefined;
}

export const TOKEN_HEADER = 'X-Passbolt-Token';

/** A scheme word in front of the token: the client copied a whole `Authorization` value. */
const SCHEME_PREFIX = /^bearer\s/i;

/**
 * A JWT in compact form is base64url parts joined by dots (RFC 7519 §3), so it never holds a space or
 * a comma; the shared token rules refuse both.
 */
export function readPassboltCredentials(headers: RequestHeaders, defaultToken: string | undefined): PassboltCredentials {
  const token = readCredentialHeader(headers, TOKEN_HEADER, {
    hint: (value) => (SCHEME_PREFIX.test(value) ? 'send the bare JWT, without "Bearer" (the gateway adds it).' : undefined),
  });
  return { token, defaultToken: defaultToken || undefined };
}


/** The token for a `user` lookup: the caller's, else the configured default. Throws UNAUTHENTICATED. */
export function tokenForUserLookup(creds: PassboltCredentials): string {
  return credentialOrDefault(creds.token, creds.defaultToken, 'PASSBOLT', TOKEN_HEADER);
}

/** The caller's own token for `me` (no default applies: `me` is whoever the token belongs to). */
export function tokenForMe(creds: PassboltCredentials): string {
  return requireCredential(creds.token, 'PASSBOLT', TOKEN_HEADER);
}

/** The upstream auth header (Passbolt JWT authentication: `Authorization: Bearer <access_token>`). */
export function authHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
