/**
 * SCIM credentials: read from the gateway request's headers, checked, and turned into the one
 * upstream header a SCIM server wants (docs/providers/scim.md §2).
 *
 * - `X-Scim-Token`: a bearer token the SCIM server issued (an OAuth 2.0 access token or a static
 *   API token), sent upstream as `Authorization: Bearer <token>` (RFC 7644 §2 leaves authentication
 *   to HTTP; RFC 6750 §2.1). The header carries the bare token: the gateway adds the scheme.
 *
 * A configured default token (`SCIM_TOKEN`) may stand in for a missing caller token on `user`
 * lookups only; `me` is `/Me`, whoever the token belongs to, so it always needs the caller's own
 * token. Credential values never appear in errors or logs.
 */
import { credentialOrDefault, readCredentialHeader, requireCredential, type CredentialValue } from '../credentials.js';
import type { RequestHeaders } from '../request-headers.js';

export interface ScimCredentials {
  /** The caller's own token (`x-scim-token`). */
  readonly token: CredentialValue;
  /** The configured default token, used by `user` lookups when the caller sent no token. */
  readonly defaultToken: string | undefined;
}

export const TOKEN_HEADER = 'X-Scim-Token';

/** A scheme word in front of the token: the client copied a whole `Authorization` value. */
const SCHEME_PREFIX = /^bearer\s/i;

/** The shared token rules (visible ASCII, no comma) cover RFC 6750's `b64token` and every opaque key. */
export function readScimCredentials(headers: RequestHeaders, defaultToken: string | undefined): ScimCredentials {
  const token = readCredentialHeader(headers, TOKEN_HEADER, {
    hint: (value) => (SCHEME_PREFIX.test(value) ? 'send the bare token, without "Bearer" (the gateway adds it).' : undefined),
  });
  return { token, defaultToken: defaultToken || undefined };
}

/** The token for a `user` lookup: the caller's, else the configured default. Throws UNAUTHENTICATED. */
export function tokenForUserLookup(creds: ScimCredentials): string {
  return credentialOrDefault(creds.token, creds.defaultToken, 'SCIM', TOKEN_HEADER);
}

/** The caller's own token for `me` (no default applies: `/Me` is whoever the token belongs to). */
export function tokenForMe(creds: ScimCredentials): string {
  return requireCredential(creds.token, 'SCIM', TOKEN_HEADER);
}

/** The upstream auth header (RFC 6750 §2.1). */
export function authHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
