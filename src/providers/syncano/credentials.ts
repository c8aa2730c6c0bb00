/**
 * Syncano credentials: read from the gateway request's headers and turned into Syncano's own
 * headers (Syncano v1.1 docs, Authentication: the API or account key in `X-API-KEY`, the user key in
 * `X-USER-KEY`).
 *
 * - `x-syncano-api-key`: the instance API key (or an account key); a configured default may stand in
 *   for it.
 * - `x-syncano-user-key`: the caller's user key. Sent upstream whenever the caller gave one: Syncano
 *   then restricts `/users/{id}/` to the caller's own record, and that is the provider deciding.
 *   `me` (`GET …/user/`) needs it: it is who "me" is, so no default ever stands in for it.
 *
 * Values never appear in errors or logs.
 */
import { credentialError, readCredentialHeader, requireCredential, type CredentialValue } from '../credentials.js';
import type { RequestHeaders } from '../request-headers.js';

export type { CredentialValue } from '../credentials.js';

export interface SyncanoCredentials {
  readonly apiKey: CredentialValue;
  readonly userKey: CredentialValue;
}

export const API_KEY_HEADER = 'X-Syncano-Api-Key';
export const USER_KEY_HEADER = 'X-Syncano-User-Key';

/**
 * Keys are 40 lower-case hex characters, but a non-hex API key is a signed instance token
 * (`<pk>:<epoch>:<hmac>`), so a key is read as any token (visible ASCII, no comma, sent once) and not
 * held to the hex form.
 */
export function readSyncanoCredentials(headers: RequestHeaders, defaultApiKey: string | undefined): SyncanoCredentials {
  const apiKey = readCredentialHeader(headers, API_KEY_HEADER);
  return {
    apiKey: apiKey.state === 'absent' && defaultApiKey ? { state: 'present', value: defaultApiKey } : apiKey,
    userKey: readCredentialHeader(headers, USER_KEY_HEADER),
  };
}

/** Headers for a `user` lookup: the API key, plus the user key when the caller sent one. Throws UNAUTHENTICATED. */
export function headersForUserLookup(creds: SyncanoCredentials): Record<string, string> {
  const apiKey = requireCredential(creds.apiKey, 'SYNCANO', API_KEY_HEADER);
  if (creds.userKey.state === 'malformed') throw credentialError('SYNCANO', USER_KEY_HEADER, creds.userKey);
  return authHeaders(apiKey, creds.userKey.state === 'present' ? creds.userKey.value : undefined);
}

/** Headers for `me`: API key and user key, both required (`GET …/user/` works only with an instance API key and a user key). */
export function headersForMe(creds: SyncanoCredentials): Record<string, string> {
  const apiKey = requireCredential(creds.apiKey, 'SYNCANO', API_KEY_HEADER);
  return authHeaders(apiKey, requireCredential(creds.userKey, 'SYNCANO', USER_KEY_HEADER));
}

function authHeaders(apiKey: string, userKey: string | undefined): Record<string, string> {
  return userKey === undefined ? { 'x-api-key': apiKey } : { 'x-api-key': apiKey, 'x-user-key': userKey };
}
