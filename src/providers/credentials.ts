/**
 * Reading a credential from the gateway request's headers, the same way for every provider: absent,
 * present, or malformed (too long, control characters, or repeated: node:http gives an array only
 * for headers it never joins, and a repeated credential is ambiguous). Malformed values are refused
 * before any upstream call, so a header-injection attempt never reaches a provider. The errors name
 * the header, never its value.
 */
import { ErrorCode, GatewayError } from '../errors.js';
import type { ProviderName } from '../model.js';

export type CredentialValue = { state: 'absent' } | { state: 'malformed' } | { state: 'present'; value: string };

const MAX_CREDENTIAL_LENGTH = 4096;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Reads one header; `alsoForbidden` adds characters the provider's credential can never hold. */
export function readCredentialHeader(raw: string | string[] | undefined, alsoForbidden?: RegExp): CredentialValue {
  if (raw === undefined || raw === '') return { state: 'absent' };
  if (typeof raw !== 'string') return { state: 'malformed' };
  if (raw.length > MAX_CREDENTIAL_LENGTH || CONTROL_CHARS.test(raw) || alsoForbidden?.test(raw)) return { state: 'malformed' };
  return { state: 'present', value: raw };
}

/** The value, or UNAUTHENTICATED (MISSING_CREDENTIALS / MALFORMED_CREDENTIALS) naming the header. */
export function requireCredential(value: CredentialValue, provider: ProviderName, header: string): string {
  if (value.state === 'present') return value.value;
  throw credentialError(provider, header, value.state);
}

/** A present value, a configured default when absent, else UNAUTHENTICATED. */
export function credentialOrDefault(value: CredentialValue, fallback: string | undefined, provider: ProviderName, header: string): string {
  if (value.state === 'absent' && fallback !== undefined) return fallback;
  return requireCredential(value, provider, header);
}

export function credentialError(provider: ProviderName, header: string, state: 'absent' | 'malformed'): GatewayError {
  const name = provider.toLowerCase();
  return state === 'absent'
    ? new GatewayError(ErrorCode.UNAUTHENTICATED, `${name}: the ${header} header is required.`, { provider, reason: 'MISSING_CREDENTIALS' })
    : new GatewayError(ErrorCode.UNAUTHENTICATED, `${name}: the ${header} header is malformed.`, { provider, reason: 'MALFORMED_CREDENTIALS' });
}
