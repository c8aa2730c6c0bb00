import { describe, expect, it } from 'vitest';
import { toGatewayError } from '../../src/providers/droplit/errors.js';

const STANDARD_400 = JSON.stringify({
  errorType: 'InvalidParams',
  errors: [{ in: 'query', message: 'contains fields that are not allowed: [ query ]', path: 'additional parameters' }],
});

describe('Droplit error mapping', () => {
  it.each([
    // [status, body, code, reason]
    [400, STANDARD_400, 'BAD_USER_INPUT', 'INVALID_PARAMS'],
    [400, JSON.stringify({ errorType: 'InvalidParams', errors: [{ in: 'path', message: 'invalid id', path: 'ecosystemId' }] }), 'BAD_USER_INPUT', 'INVALID_PARAMS'],
    [400, JSON.stringify({ errorType: 'Internal Server Error' }), 'BAD_USER_INPUT', undefined],
    [401, '', 'UNAUTHENTICATED', undefined],
    [401, 'Token type not permitted!', 'FORBIDDEN', 'TOKEN_TYPE_NOT_PERMITTED'],
    [403, 'Token type not permitted!', 'FORBIDDEN', 'TOKEN_TYPE_NOT_PERMITTED'],
    [403, '', 'FORBIDDEN', undefined],
    [404, 'Ecosystem with id C573b86c47fdf8178dfefc3fb does not exist.', 'NOT_FOUND', 'ECOSYSTEM_NOT_FOUND'],
    [404, 'User with id C573b86eeee43dd7ba0244f8a;ghost does not exist.', 'NOT_FOUND', undefined],
    [404, '', 'NOT_FOUND', undefined],
    [429, '', 'RATE_LIMITED', undefined],
    [500, 'Internal Server Error at /srv/droplit/users.js:42', 'PROVIDER_UNAVAILABLE', undefined],
    [502, '<html>Bad Gateway</html>', 'PROVIDER_UNAVAILABLE', undefined],
    [503, '', 'PROVIDER_UNAVAILABLE', undefined],
    [301, 'Moved to https://elsewhere.example/api', 'PROVIDER_BAD_RESPONSE', 'REDIRECT'],
    [302, '', 'PROVIDER_BAD_RESPONSE', 'REDIRECT'],
    [405, 'Method Not Allowed', 'PROVIDER_BAD_RESPONSE', undefined],
    [204, '', 'PROVIDER_BAD_RESPONSE', undefined],
  ])('maps %i %j to %s (%s)', (status, body, code, reason) => {
    const error = toGatewayError(status, body);
    expect(error.extensions.code).toBe(code);
    expect(error.extensions.provider).toBe('DROPLIT');
    expect(error.extensions.reason).toBe(reason);
    expect(error.detail).toEqual({ status });
    for (const word of body.split(/[^A-Za-z0-9]+/).filter((w) => w.length >= 4)) {
      expect(error.message).not.toContain(word);
    }
  });

  it('sets retryAfterSeconds from a delay-seconds Retry-After', () => {
    const error = toGatewayError(429, '', { headers: { 'retry-after': '7' } });
    expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 7 });
  });

  it('sets retryAfterSeconds from an HTTP-date Retry-After', () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    const seconds = toGatewayError(429, '', { headers: { 'retry-after': at } }).extensions.retryAfterSeconds as number;
    expect(seconds).toBeGreaterThanOrEqual(28);
    expect(seconds).toBeLessThanOrEqual(31);
  });

  it('leaves retryAfterSeconds out when Retry-After is absent or unreadable', () => {
    expect(toGatewayError(429, '').extensions).not.toHaveProperty('retryAfterSeconds');
    expect(toGatewayError(429, '', { headers: { 'retry-after': 'soon' } }).extensions).not.toHaveProperty('retryAfterSeconds');
  });

  it('never puts the upstream body into the message or the serialised error', () => {
    const body = 'Ecosystem with id C573b86c47fdf8178dfefc3fb does not exist.';
    const error = toGatewayError(404, body);
    expect(error.message).not.toContain('C573b86c47fdf8178dfefc3fb');
    expect(JSON.stringify(error.toJSON())).not.toContain('C573b86c47fdf8178dfefc3fb');
  });
});
