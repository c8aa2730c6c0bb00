import { describe, expect, it } from 'vitest';
import { toGatewayError } from '../../src/providers/belladati/errors.js';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

interface Case {
  name: string;
  status: number;
  body: string;
  headers?: Record<string, string>;
  code: string;
  reason?: string;
  retryAfterSeconds?: number;
}

const CASES: Case[] = [
  // OAuth Problem Reporting bodies, with the statuses of belladati-sdk-java's ExceptionTest.
  { name: '400 invalid_token (form)', status: 400, body: form({ oauth_problem: 'invalid_token' }), code: 'UNAUTHENTICATED', reason: 'INVALID_TOKEN' },
  { name: '400 token_expired (form)', status: 400, body: form({ oauth_problem: 'token_expired' }), code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' },
  { name: '400 missing_token (form)', status: 400, body: form({ oauth_problem: 'missing_token' }), code: 'UNAUTHENTICATED', reason: 'MISSING_TOKEN' },
  { name: '400 unauthorized_token (form)', status: 400, body: form({ oauth_problem: 'unauthorized_token' }), code: 'UNAUTHENTICATED', reason: 'UNAUTHORIZED_TOKEN' },
  {
    name: '400 timestamp_refused with the acceptable range',
    status: 400,
    body: form({ oauth_problem: 'timestamp_refused', oauth_acceptable_timestamps: '1700000000-1700000600' }),
    code: 'UNAUTHENTICATED',
    reason: 'TIMESTAMP_REFUSED',
  },
  { name: '401 nonce_used (form)', status: 401, body: form({ oauth_problem: 'nonce_used' }), code: 'UNAUTHENTICATED', reason: 'NONCE_USED' },
  { name: '401 invalid_token (form)', status: 401, body: 'oauth_problem=invalid_token', code: 'UNAUTHENTICATED', reason: 'INVALID_TOKEN' },
  { name: '403 invalid_token: a token problem wins over the status', status: 403, body: 'oauth_problem=invalid_token', code: 'UNAUTHENTICATED', reason: 'INVALID_TOKEN' },
  { name: '401 with an empty body', status: 401, body: '', code: 'UNAUTHENTICATED' },
  { name: '400 invalid_consumer: the gateway is misconfigured', status: 400, body: 'oauth_problem=invalid_consumer', code: 'PROVIDER_UNAVAILABLE', reason: 'MISCONFIGURED' },
  { name: '403 invalid_consumer', status: 403, body: 'oauth_problem=invalid_consumer', code: 'PROVIDER_UNAVAILABLE', reason: 'MISCONFIGURED' },
  { name: '400 missing_consumer', status: 400, body: 'oauth_problem=missing_consumer', code: 'PROVIDER_UNAVAILABLE', reason: 'MISCONFIGURED' },
  { name: '400 invalid_signature', status: 400, body: 'oauth_problem=invalid_signature', code: 'PROVIDER_UNAVAILABLE', reason: 'MISCONFIGURED' },
  { name: '403 signature_invalid', status: 403, body: 'oauth_problem=signature_invalid', code: 'PROVIDER_UNAVAILABLE', reason: 'MISCONFIGURED' },
  { name: '403 user_not_active', status: 403, body: 'oauth_problem=user_not_active', code: 'FORBIDDEN', reason: 'USER_NOT_ACTIVE' },
  { name: '403 domain_restricted', status: 403, body: 'oauth_problem=domain_restricted', code: 'FORBIDDEN', reason: 'DOMAIN_RESTRICTED' },
  { name: '403 domain_expired', status: 403, body: 'oauth_problem=domain_expired', code: 'FORBIDDEN', reason: 'DOMAIN_EXPIRED' },
  // JSON and empty bodies ("additional info … in JSON", REST API Error Handling).
  { name: '401 with a JSON oauth_problem', status: 401, body: '{"oauth_problem":"token_expired"}', code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' },
  { name: '403 with a JSON body and no problem', status: 403, body: '{"error":"not allowed"}', code: 'FORBIDDEN' },
  { name: '403 with an empty body', status: 403, body: '', code: 'FORBIDDEN' },
  { name: '400 with a JSON body', status: 400, body: '{"message":"Invalid parameter exclude"}', code: 'BAD_USER_INPUT' },
  { name: '400 with an unknown oauth_problem', status: 400, body: 'oauth_problem=parameter_rejected', code: 'BAD_USER_INPUT' },
  { name: '400 with plain text', status: 400, body: 'Bad Request', code: 'BAD_USER_INPUT' },
  { name: '404 with an empty body', status: 404, body: '', code: 'NOT_FOUND' },
  { name: '404 with an HTML page', status: 404, body: '<html><body>Page not found</body></html>', code: 'NOT_FOUND' },
  // Throttling is 503 (REST API Error Handling), not an outage.
  { name: '503 without Retry-After', status: 503, body: '', code: 'RATE_LIMITED' },
  { name: '503 with Retry-After seconds', status: 503, body: 'Too many requests', headers: { 'retry-after': '7' }, code: 'RATE_LIMITED', retryAfterSeconds: 7 },
  { name: '429 with Retry-After', status: 429, body: '', headers: { 'retry-after': '3' }, code: 'RATE_LIMITED', retryAfterSeconds: 3 },
  { name: '500', status: 500, body: 'java.lang.NullPointerException at com.belladati.Secret', code: 'PROVIDER_UNAVAILABLE' },
  { name: '502', status: 502, body: '<html>Bad Gateway</html>', code: 'PROVIDER_UNAVAILABLE' },
  { name: '504', status: 504, body: '', code: 'PROVIDER_UNAVAILABLE' },
  { name: '302 redirect to a login page', status: 302, body: 'Found', code: 'PROVIDER_BAD_RESPONSE', reason: 'REDIRECT' },
  { name: '405 unexpected method', status: 405, body: '', code: 'PROVIDER_BAD_RESPONSE' },
  { name: '418 undocumented status', status: 418, body: 'teapot', code: 'PROVIDER_BAD_RESPONSE' },
];

describe('BellaDati adapter: toGatewayError', () => {
  it.each(CASES)('maps $name to $code', ({ status, body, headers, code, reason, retryAfterSeconds }) => {
    const error = toGatewayError(status, body, { headers });
    expect(error.code).toBe(code);
    expect(error.provider).toBe('BELLADATI');
    expect(error.extensions.provider).toBe('BELLADATI');
    expect(error.extensions.reason).toBe(reason);
    expect(error.extensions.retryAfterSeconds).toBe(retryAfterSeconds);
  });

  it.each(CASES.filter((c) => c.body !== ''))('never copies the upstream body into the message ($name)', ({ status, body, headers }) => {
    const error = toGatewayError(status, body, { headers });
    expect(JSON.stringify({ message: error.message, extensions: error.extensions })).not.toContain(body);
  });

  const MARKER = 'Zx9LeakMarker';
  const MARKED_BODIES = [
    form({ oauth_problem: 'invalid_token', oauth_problem_advice: MARKER }),
    form({ oauth_problem: MARKER }),
    JSON.stringify({ oauth_problem: 'user_not_active', message: MARKER }),
    JSON.stringify({ error: MARKER }),
    `${MARKER} at /api/users/123?oauth_token=nd7an9eba41c`,
  ];
  it.each([302, 400, 401, 403, 404, 405, 429, 500, 503])('never copies any part of a %i body into the message or extensions', (status) => {
    for (const body of MARKED_BODIES) {
      const error = toGatewayError(status, body, { headers: { 'retry-after': '1' } });
      const serialized = JSON.stringify({ message: error.message, extensions: error.extensions });
      expect(serialized).not.toContain(MARKER);
      expect(serialized).not.toContain('nd7an9eba41c');
      expect(serialized).not.toContain('/api/users');
    }
  });

  it('never echoes an oauth_problem code it does not know as the reason', () => {
    const error = toGatewayError(401, form({ oauth_problem: 'secret_value_nd7an9eba41c' }));
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.extensions.reason).toBeUndefined();
    expect(JSON.stringify(error.extensions)).not.toContain('secret');
  });

  it('ignores an oauth_problem on statuses that do not carry one', () => {
    expect(toGatewayError(404, 'oauth_problem=invalid_consumer').code).toBe('NOT_FOUND');
    expect(toGatewayError(500, 'oauth_problem=invalid_token').code).toBe('PROVIDER_UNAVAILABLE');
  });

  it('reads Retry-After given as an HTTP-date', () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    const seconds = toGatewayError(503, '', { headers: { 'retry-after': at } }).extensions.retryAfterSeconds as number;
    expect(seconds).toBeGreaterThanOrEqual(28);
    expect(seconds).toBeLessThanOrEqual(31);
  });

  it('ignores an unreadable Retry-After', () => {
    expect(toGatewayError(503, '', { headers: { 'retry-after': 'soon' } }).extensions.retryAfterSeconds).toBeUndefined();
  });

  it('keeps only the status in the log-only detail, which is never serialised', () => {
    const error = toGatewayError(500, 'stack trace');
    expect(error.detail).toEqual({ status: 500 });
    expect(JSON.stringify(error)).not.toContain('stack trace');
    expect(Object.keys(error.extensions)).not.toContain('detail');
  });
});
