/**
 * Reading a credential from the gateway request's headers, the same way for every provider: absent,
 * present, or malformed. Malformed values are refused before any upstream call, so a
 * header-injection attempt never reaches a provider. The errors name the header, never its value.
 *
 * A value is malformed when it is:
 * - sent more than once (two headers; `RequestHeaders` keeps them apart) or holds a comma: a client
 *   or proxy joins a repeated header with ", ", and no credential the gateway accepts holds a comma
 *   (tokens and keys are comma-free ASCII, Droplit user ids are `<ecosystemId>;<uniqueId>` and
 *   BellaDati usernames are login names or emails, which the gateway does not accept with a comma);
 * - too long, or holds control characters;
 * - for a token (`kind: 'token'`): anything but visible ASCII, so no space and no byte above 0x7e;
 *   each provider may forbid more;
 * - for text (`kind: 'text'`, a user id or username): not valid UTF-8. node:http reads header bytes
 *   as Latin-1, so the value is decoded back into the UTF-8 text the client sent.
 */
import { ErrorCode, GatewayError } from '../errors.js';
import type { ProviderName } from '../model.js';
import { decodeUtf8Header, readSingleHeader, type RequestHeaders } from './request-headers.js';

export type CredentialValue = { state: 'absent' } | { state: 'malformed'; hint?: string } | { state: 'present'; value: string };

export interface CredentialHeaderOptions {
  /** `token` (default): visible ASCII only. `text`: UTF-8 text, such as an id or a username. */
  kind?: 'token' | 'text';
  /** Characters this provider's credential can never hold, on top of the shared rules. */
  forbidden?: RegExp;
  /** Recognises a common mistake and says how to fix it (the message never quotes the value). */
  hint?: (value: string) => string | undefined;
}

const MAX_CREDENTIAL_LENGTH = 4096;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
/** Visible ASCII except the comma. */
const TOKEN = /^[\u0021-\u002b\u002d-\u007e]+$/;

/** Reads the credential header `name` (any case, e.g. `X-Droplit-Token`) from the request's distinct headers. */
export function readCredentialHeader(headers: RequestHeaders, name: string, options: CredentialHeaderOptions = {}): CredentialValue {
  const header = readSingleHeader(headers, name.toLowerCase());
  if (header.state === 'absent') return header;
  if (header.state === 'repeated') return { state: 'malformed' };
  const raw = header.value;
  if (raw.length > MAX_CREDENTIAL_LENGTH) return { state: 'malformed' };
  const hint = options.hint?.(raw);
  if (hint !== undefined) return { state: 'malformed', hint };
  const value = options.kind === 'text' ? decodeUtf8Header(raw) : TOKEN.test(raw) ? raw : undefined;
  if (value === undefined || value.includes(',') || CONTROL_CHARS.test(value) || options.forbidden?.test(value)) return { state: 'malformed' };
  return { state: 'present', value };
}

/** The value, or UNAUTHENTICATED (MISSING_CREDENTIALS / MALFORMED_CREDENTIALS) naming the header. */
export function requireCredential(value: CredentialValue, provider: ProviderName, header: string): string {
  if (value.state === 'present') return value.value;
  throw credentialError(provider, header, value);
}

/** A present value, a configured default when absent, else UNAUTHENTICATED. */
export function credentialOrDefault(value: CredentialValue, fallback: string | undefined, provider: ProviderName, header: string): string {
  if (value.state === 'absent' && fallback !== undefined) return fallback;
  return requireCredential(value, provider, header);
}

/** UNAUTHENTICATED for an absent or malformed credential header, naming it as clients spell it (`X-Droplit-Token`). */
export function credentialError(provider: ProviderName, header: string, value: Exclude<CredentialValue, { state: 'present' }>): GatewayError {
  const name = provider.toLowerCase();
  if (value.state === 'absent') {
    return new GatewayError(ErrorCode.UNAUTHENTICATED, `${name}: the ${header} header is required.`, { provider, reason: 'MISSING_CREDENTIALS' });
  }
  const message = value.hint ? `${name}: the ${header} header is malformed: ${value.hint}` : `${name}: the ${header} header is malformed.`;
  return new GatewayError(ErrorCode.UNAUTHENTICATED, message, { provider, reason: 'MALFORMED_CREDENTIALS' });
}

/**
 * An adapter's `cacheScope`: what `credentials` returns (a token, or the values sent upstream together),
 * as one string; undefined when it throws (absent or malformed credentials are never cached).
 */
export function credentialScope(credentials: () => string | Readonly<Record<string, string>>): string | undefined {
  try {
    const value = credentials();
    return typeof value === 'string' ? value : JSON.stringify(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
  } catch {
    return undefined;
  }
}
