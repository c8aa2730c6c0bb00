import { describe, expect, it } from 'vitest';
import { toGatewayError } from '../../src/providers/syncano/errors.js';

/** Status and body → code (and reason) per the contract's error table (syncano.md §6). */
const CASES: Array<[string, number, unknown, string, string | undefined]> = [
  ['unknown instance', 404, { detail: 'Instance was not found.' }, 'PROVIDER_UNAVAILABLE', 'MISCONFIGURED'],
  ['unknown user', 404, { detail: 'Not found.' }, 'NOT_FOUND', undefined],
  ['unknown user, legacy wording', 404, { detail: 'Not found' }, 'NOT_FOUND', undefined],
  ['unknown API key', 403, { detail: 'No such API Key.' }, 'UNAUTHENTICATED', undefined],
  ['not allowed', 403, { detail: 'You do not have permission to perform this action.' }, 'FORBIDDEN', undefined],
  ['bad page parameters', 400, { detail: 'Incorrect page parameter provided.' }, 'BAD_USER_INPUT', undefined],
  ['request timeout', 408, { detail: 'Request timeout.' }, 'PROVIDER_TIMEOUT', undefined],
  ['throttled', 429, { detail: 'Request was throttled. Expected available in 1 second.' }, 'RATE_LIMITED', undefined],
  ['server error with an HTML page', 500, '<html><body>Server Error ZX-UPSTREAM-BODY</body></html>', 'PROVIDER_UNAVAILABLE', undefined],
  ['bad gateway', 502, '', 'PROVIDER_UNAVAILABLE', undefined],
  ['redirect', 302, '', 'PROVIDER_BAD_RESPONSE', 'REDIRECT'],
  ['teapot', 418, { detail: 'ZX-UPSTREAM-BODY' }, 'PROVIDER_BAD_RESPONSE', undefined],
];

describe('Syncano error table', () => {
  it.each(CASES)('maps %s (%i) to its code', (_name, status, body, code, reason) => {
    const error = toGatewayError(status, typeof body === 'string' ? body : JSON.stringify(body));
    expect(error.code).toBe(code);
    expect(error.provider).toBe('SYNCANO');
    expect(error.extensions.reason).toBe(reason);
  });

  it.each(CASES)('copies nothing of the upstream body into the message for %s', (_name, status, body) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const error = toGatewayError(status, raw);
    expect(error.message).not.toContain('ZX-UPSTREAM-BODY');
    expect(error.message).not.toMatch(/Instance was not found|No such API Key|permission to perform|<html/);
    expect(JSON.stringify(error.extensions)).not.toContain('ZX-UPSTREAM-BODY');
  });

  it('reads an already-parsed batch item content the same way', () => {
    expect(toGatewayError(404, { detail: 'Not found.' }).code).toBe('NOT_FOUND');
    expect(toGatewayError(404, 'Invalid endpoint specified.').code).toBe('NOT_FOUND');
    expect(toGatewayError(403, { detail: 'No such API Key.' }).code).toBe('UNAUTHENTICATED');
  });

  it('carries Retry-After on RATE_LIMITED', () => {
    expect(toGatewayError(429, '{}', { headers: { 'retry-after': '3' } }).extensions.retryAfterSeconds).toBe(3);
    expect(toGatewayError(429, '{}', {}).extensions.retryAfterSeconds).toBeUndefined();
  });
});
