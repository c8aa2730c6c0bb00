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
import { ErrorCode, GatewayError } from '../../errors.js';

export type CredentialValue = { state: 'absent' } | { state: 'malformed' } | { state: 'present'; value: string };

export interface SyncanoCredentials {
  readonly apiKey: CredentialValue;
  readonly userKey: CredentialValue;
}

export const API_KEY_HEADER = 'x-syncano-api-key';
export const USER_KEY_HEADER = 'x-syncano-user-key';

const MAX_CREDENTIAL_LENGTH = 4096;
/**
 * Keys are 40 lower-case hex characters (contract §3), but a non-hex API key is a signed instance
 * token (`<pk>:<epoch>:<hmac>`), so only what can never be a header value is refused: control
 * characters, spaces and commas (node:http joins a repeated header with ", ").
 */
// eslint-disable-next-line no-control-regex
const NEVER_IN_A_KEY = /[\u0000-\u0020\u007f,]/;

export function readSyncanoCredentials(headers: IncomingHttpHeaders, defaultApiKey: string | undefined): SyncanoCredentials {
  const apiKey = readHeader(headers[API_KEY_HEADER]);
  return {
    apiKey: apiKey.state === 'absent' && defaultApiKey ? { state: 'present', value: defaultApiKey } : apiKey,
    userKey: readHeader(headers[USER_KEY_HEADER]),
  };
}

function readHeader(raw: string | string[] | undefined): CredentialValue {
  if (raw === undefined || raw === '') return { state: 'absent' };
  if (typeof raw !== 'string' || raw.length > MAX_CREDENTIAL_LENGTH || NEVER_IN_A_KEY.test(raw)) return { state: 'malformed' };
  return { state: 'present', value: raw };
}

/** Headers for a `user` lookup: the API key, plus the user key when the caller sent one. Throws UNAUTHENTICATED. */
export function headersForUserLookup(creds: SyncanoCredentials): Record<string, string> {
  const apiKey = require(creds.apiKey, API_KEY_HEADER);
  if (creds.userKey.state === 'malformed') throw malformed(USER_KEY_HEADER);
  return authHeaders(apiKey, creds.userKey.state === 'present' ? creds.userKey.value : undefined);
}

/** Headers for `me`: API key and user key, both required (contract §2: "instance API key + user key only"). */
export function headersForMe(creds: SyncanoCredentials): Record<string, string> {
  const apiKey = require(creds.apiKey, API_KEY_HEADER);
  return authHeaders(apiKey, require(creds.userKey, USER_KEY_HEADER));
}

function authHeaders(apiKey: string, userKey: string | undefined): Record<string, string> {
  return userKey === undefined ? { 'x-api-key': apiKey } : { 'x-api-key': apiKey, 'x-user-key': userKey };
}

function require(value: CredentialValue, header: string): string {
  if (value.state === 'present') return value.value;
  if (value.state === 'malformed') throw malformed(header);
  throw new GatewayError(ErrorCode.UNAUTHENTICATED, `syncano: the ${header} header is required.`, {
    provider: 'SYNCANO',
    reason: 'MISSING_CREDENTIALS',
  });
}

function malformed(header: string): GatewayError {
  return new GatewayError(ErrorCode.UNAUTHENTICATED, `syncano: the ${header} header is malformed.`, {
    provider: 'SYNCANO',
    reason: 'MALFORMED_CREDENTIALS',
  });
}
