/**
 * Syncano credentials: read from the gateway request's headers and turned into Syncano's own
 * headers (contract §3: "API/account key: header X-API-KEY … User key: header X-USER-KEY").
 *
 * - `x-syncano-api-key`: the instance API key (or an account key); a configured default may stand in
 *   for it.
 * - `x-syncano-user-key`: the caller's user key. Sent upstream whenever the caller gave one: Syncano
 *   then restricts `/users/{id}/` to the caller's own record, and that is the provider deciding.
 *   `me` (`GET …/user/`) needs it: it is who "me" is, so no default ever stands in for it.
 *
 * Values never appear in errors or logs.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { credentialError, readCredentialHeader, requireCredential, type CredentialValue } from '../credentials.js';

export type { CredentialValue } from '../credentials.js';

export interface SyncanoCredentials {
  readonly apiKey: CredentialValue;
  readonly userKey: CredentialValue;
}

export const API_KEY_HEADER = 'x-syncano-api-key';
export const USER_KEY_HEADER = 'x-syncano-user-key';

/**
 * Keys are 40 lower-case hex characters (contract §3), but a non-hex API key is a signed instance
 * token (`<pk>:<epoch>:<hmac>`), so only what no key holds is refused besides control characters:
 * spaces and commas (node:http joins a repeated header with ", ").
 */
const NEVER_IN_A_KEY = /[\s,]/;

export function readSyncanoCredentials(headers: IncomingHttpHeaders, defaultApiKey: string | undefined): SyncanoCredentials {
  const apiKey = readCredentialHeader(headers[API_KEY_HEADER], NEVER_IN_A_KEY);
  return {
    apiKey: apiKey.state === 'absent' && defaultApiKey ? { state: 'present', value: defaultApiKey } : apiKey,
    userKey: readCredentialHeader(headers[USER_KEY_HEADER], NEVER_IN_A_KEY),
  };
}

/** Headers for a `user` lookup: the API key, plus the user key when the caller sent one. Throws UNAUTHENTICATED. */
export function headersForUserLookup(creds: SyncanoCredentials): Record<string, string> {
  const apiKey = requireCredential(creds.apiKey, 'SYNCANO', API_KEY_HEADER);
  if (creds.userKey.state === 'malformed') throw credentialError('SYNCANO', USER_KEY_HEADER, 'malformed');
  return authHeaders(apiKey, creds.userKey.state === 'present' ? creds.userKey.value : undefined);
}

/** Headers for `me`: API key and user key, both required (contract §2: "instance API key + user key only"). */
export function headersForMe(creds: SyncanoCredentials): Record<string, string> {
  const apiKey = requireCredential(creds.apiKey, 'SYNCANO', API_KEY_HEADER);
  return authHeaders(apiKey, requireCredential(creds.userKey, 'SYNCANO', USER_KEY_HEADER));
}

function authHeaders(apiKey: string, userKey: string | undefined): Record<string, string> {
  return userKey === undefined ? { 'x-api-key': apiKey } : { 'x-api-key': apiKey, 'x-user-key': userKey };
}
