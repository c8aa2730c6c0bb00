/**
 * BellaDati credentials: read from the gateway request's headers, checked, and turned into the
 * OAuth `Authorization` header BellaDati's REST API wants.
 *
 * - `X-BellaDati-Token`: the caller's OAuth access token (obtained by the client through 3-legged
 *   OAuth, xAuth or an admin-minted token; BellaDati REST API, Access Control). A token is visible
 *   ASCII: no space, no comma.
 * - `X-BellaDati-Username`: the caller's own username, as UTF-8 (usually an email). BellaDati has no
 *   "me" endpoint, so `me` reads `/api/users/username/{username}` with the caller's own token and
 *   lets BellaDati's authorization decide. A comma is refused like a repeated header: it is what two
 *   usernames joined by a client or proxy look like, and the gateway does not accept it in a username.
 *
 * A configured default token may stand in for a missing caller token on `user` lookups only; `me`
 * always needs both headers from the caller. Credential values never appear in errors or logs.
 */
import { randomBytes } from 'node:crypto';
import { credentialError, credentialOrDefault, readCredentialHeader, type CredentialValue } from '../credentials.js';
import type { RequestHeaders } from '../request-headers.js';
import { ErrorCode, GatewayError, isGatewayError } from '../../errors.js';
import { checkBellaDatiUsername } from './wire.js';

export type { CredentialValue } from '../credentials.js';

export interface BellaDatiCredentials {
  /** The caller's access token (`x-belladati-token`). */
  readonly token: CredentialValue;
  /** The caller's own username (`x-belladati-username`), used by `me` only. */
  readonly username: CredentialValue;
  /** The configured default token, used by `user` lookups when the caller sent no token. */
  readonly defaultToken: string | undefined;
}

/** The server-side OAuth settings of the BellaDati domain (its REST API consumer). */
export interface BellaDatiConsumer {
  consumerKey: string;
  realm?: string | undefined;
}

export const TOKEN_HEADER = 'X-BellaDati-Token';
export const USERNAME_HEADER = 'X-BellaDati-Username';

export function readBellaDatiCredentials(headers: RequestHeaders, defaultToken: string | undefined): BellaDatiCredentials {
  return {
    token: readCredentialHeader(headers, TOKEN_HEADER),
    username: readCredentialHeader(headers, USERNAME_HEADER, { kind: 'text' }),
    defaultToken: defaultToken || undefined,
  };
}

/** The token for a `user` lookup: the caller's, else the configured default. Throws UNAUTHENTICATED. */
export function tokenForUserLookup(creds: BellaDatiCredentials): string {
  return credentialOrDefault(creds.token, creds.defaultToken, 'BELLADATI', TOKEN_HEADER);
}

/** The caller's own token and username for `me` (no default applies). Throws UNAUTHENTICATED. */
export function credentialsForMe(creds: BellaDatiCredentials): { token: string; username: string } {
  if (creds.token.state === 'malformed') throw credentialError('BELLADATI', TOKEN_HEADER, creds.token);
  if (creds.username.state === 'malformed') throw credentialError('BELLADATI', USERNAME_HEADER, creds.username);
  if (creds.token.state === 'absent') throw credentialError('BELLADATI', TOKEN_HEADER, creds.token);
  if (creds.username.state === 'absent') throw credentialError('BELLADATI', USERNAME_HEADER, creds.username);
  return { token: creds.token.value, username: creds.username.value };
}

/** `checkBellaDatiUsername` for the username in `X-BellaDati-Username`: the message names the header. */
export function ownUsername(username: string): string {
  try {
    return checkBellaDatiUsername(username);
  } catch (error) {
    if (!isGatewayError(error) || error.code !== ErrorCode.BAD_USER_INPUT) throw error;
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, `belladati: the ${USERNAME_HEADER} header must be 1 to 256 characters, not "." or "..".`, {
      provider: 'BELLADATI',
      reason: error.extensions.reason as string | undefined,
    });
  }
}

/**
 * The documented per-request header (BellaDati "Authorization"):
 * `OAuth realm="…", oauth_consumer_key="…", oauth_token="…", oauth_timestamp="…", oauth_nonce="…"`.
 * No signature: the documented header carries none and the Access Control page makes it optional
 * (the iOS SDK sends exactly these four parameters). A fresh nonce and the current
 * time on every request, since BellaDati refuses reused nonces and skewed timestamps.
 */
export function authHeaders(consumer: BellaDatiConsumer, token: string): Record<string, string> {
  return {
    authorization: oauthAuthorization(consumer, token, Math.floor(Date.now() / 1000), randomBytes(16).toString('hex')),
  };
}

/**
 * Builds the header value for the given timestamp and nonce. Parameter values are percent-encoded per
 * RFC 5849 §3.6 (unreserved characters only stay as they are). `realm` is not an OAuth parameter:
 * RFC 5849 §3.5.1 has it "interpreted per RFC 2617" as a quoted-string, which is how BellaDati's
 * sample sends it (`realm="https://service.belladati.com/"`); it is left out when not configured,
 * as both SDKs do.
 */
export function oauthAuthorization(consumer: BellaDatiConsumer, token: string, timestamp: number, nonce: string): string {
  const params: Array<[string, string]> = [
    ['oauth_consumer_key', consumer.consumerKey],
    ['oauth_token', token],
    ['oauth_timestamp', String(timestamp)],
    ['oauth_nonce', nonce],
  ];
  const parts = params.map(([name, value]) => `${name}="${percentEncode(value)}"`);
  if (consumer.realm) parts.unshift(`realm="${consumer.realm.replace(/["\\]/g, '\\$&')}"`);
  return `OAuth ${parts.join(', ')}`;
}

/** RFC 5849 §3.6: UTF-8, then every byte outside ALPHA / DIGIT / `-._~` as `%XX` (upper-case hex). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
