import { describe, expect, it } from 'vitest';
import { toGatewayError, type SyncanoErrorContext } from '../../src/providers/syncano/errors.js';

const SECRET_TEXT = 'ZX-UPSTREAM-BODY';

interface Case {
  name: string;
  status: number;
  /** A raw body (string) or a JSON value, sent as Syncano would (batch items carry parsed JSON). */
  body: unknown;
  endpoint?: SyncanoErrorContext['endpoint'];
  code: string;
  reason?: string;
}

/** Status and body → code (and reason) per docs/providers/syncano.md §10. */
const CASES: Case[] = [
  { name: 'an unknown instance', status: 404, body: { detail: 'Instance was not found.' }, code: 'PROVIDER_UNAVAILABLE', reason: 'MISCONFIGURED' },
  { name: 'an unknown instance on me', status: 404, body: { detail: 'Instance was not found.' }, endpoint: 'me', code: 'PROVIDER_UNAVAILABLE', reason: 'MISCONFIGURED' },
  { name: 'an unknown user', status: 404, body: { detail: 'Not found.' }, code: 'NOT_FOUND' },
  { name: 'an unknown user, legacy wording', status: 404, body: { detail: 'Not found' }, code: 'NOT_FOUND' },
  { name: 'an unroutable batch sub-request', status: 404, body: 'Invalid endpoint specified.', code: 'NOT_FOUND' },
  { name: 'an unknown API key', status: 403, body: { detail: 'No such API Key.' }, code: 'UNAUTHENTICATED' },
  { name: 'an unknown API key on me', status: 403, body: { detail: 'No such API Key.' }, endpoint: 'me', code: 'UNAUTHENTICATED' },
  { name: 'a key not allowed to read users', status: 403, body: { detail: 'You do not have permission to perform this action.' }, code: 'FORBIDDEN' },
  { name: 'me without a valid user key', status: 403, body: { detail: 'You do not have permission to perform this action.' }, endpoint: 'me', code: 'UNAUTHENTICATED' },
  { name: 'a 403 without a body', status: 403, body: '', code: 'FORBIDDEN' },
  { name: 'bad page parameters', status: 400, body: { detail: 'Incorrect page parameter provided.' }, code: 'BAD_USER_INPUT' },
  { name: 'a field error', status: 400, body: { requests: [`${SECRET_TEXT} is required.`] }, code: 'BAD_USER_INPUT' },
  { name: 'a refused login', status: 401, body: { detail: 'Invalid password.' }, code: 'UNAUTHENTICATED' },
  { name: 'a request timeout', status: 408, body: { detail: 'Request timeout.' }, code: 'PROVIDER_TIMEOUT' },
  { name: 'throttling', status: 429, body: { detail: 'Request was throttled. Expected available in 1 second.' }, code: 'RATE_LIMITED' },
  { name: 'a server error with an HTML page', status: 500, body: `<html><body>Server Error ${SECRET_TEXT}</body></html>`, code: 'PROVIDER_UNAVAILABLE' },
  { name: 'a bad gateway', status: 502, body: '', code: 'PROVIDER_UNAVAILABLE' },
  { name: 'a 503 with a JSON detail', status: 503, body: { detail: SECRET_TEXT }, code: 'PROVIDER_UNAVAILABLE' },
  { name: 'a redirect', status: 302, body: '', code: 'PROVIDER_BAD_RESPONSE', reason: 'REDIRECT' },
  { name: 'an undocumented status', status: 418, body: { detail: SECRET_TEXT }, code: 'PROVIDER_BAD_RESPONSE' },
  { name: 'a 404 whose body is not JSON', status: 404, body: `<h1>${SECRET_TEXT}</h1>`, code: 'NOT_FOUND' },
];

const raw = (body: unknown) => (typeof body === 'string' ? body : JSON.stringify(body));

describe('Syncano error table', () => {
  it.each(CASES)('maps $name ($status) to $code', ({ status, body, endpoint, code, reason }) => {
    const error = toGatewayError(status, raw(body), { endpoint });
    expect(error.code).toBe(code);
    expect(error.extensions.code).toBe(code);
    expect(error.provider).toBe('SYNCANO');
    expect(error.extensions.provider).toBe('SYNCANO');
    expect(error.extensions.reason).toBe(reason);
  });

  it.each(CASES)('copies nothing of the upstream body into the error for $name', ({ status, body, endpoint }) => {
    const error = toGatewayError(status, raw(body), { endpoint });
    const visible = JSON.stringify({ message: error.message, extensions: error.extensions });
    expect(visible).not.toContain(SECRET_TEXT);
    expect(visible).not.toMatch(/Instance was not found|No such API Key|permission to perform|Not found|throttled|<html|<h1/);
  });

  it('keeps only the status as internal detail, for logs', () => {
    const error = toGatewayError(500, `<html>${SECRET_TEXT}</html>`);
    expect(error.detail).toEqual({ status: 500 });
    expect(Object.keys(error)).not.toContain('detail');
  });

  it('reads an already-parsed batch item content the same way as a raw body', () => {
    for (const { status, body, endpoint, code } of CASES) expect(toGatewayError(status, body, { endpoint }).code).toBe(code);
  });

  it('carries Retry-After on RATE_LIMITED, in seconds or as an HTTP date', () => {
    expect(toGatewayError(429, '{}', { headers: { 'retry-after': '3' } }).extensions.retryAfterSeconds).toBe(3);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(toGatewayError(429, '{}', { headers: { 'retry-after': inTenSeconds } }).extensions.retryAfterSeconds).toBeGreaterThanOrEqual(8);
    expect(toGatewayError(429, '{}', {}).extensions.retryAfterSeconds).toBeUndefined();
    expect(toGatewayError(500, '{}', { headers: { 'retry-after': '3' } }).extensions.retryAfterSeconds).toBeUndefined();
  });
});
