import { describe, it, expect } from 'vitest';
import { toGatewayError } from '../../src/providers/passbolt/errors.js';

/** A Passbolt error envelope (ErrorController; OpenAPI `components/examples.yml`). */
function envelope(code: number, message: string, body: unknown = ''): string {
  return JSON.stringify({
    header: {
      id: 'f7be85c0-afb1-4d8e-a9e1-e05abb0bb71a',
      status: 'error',
      servertime: 1721727753,
      action: 'e2aa01a9-84ec-55f8-aaed-24ee23259339',
      message,
      url: '/users/secret-path-f848277c.json',
      code,
    },
    body,
  });
}

interface Case {
  name: string;
  status: number;
  body: string;
  code: string;
  reason?: string;
  headers?: Record<string, string>;
  retryAfterSeconds?: number;
}

const cases: Case[] = [
  { name: '401 "Authentication is required to continue." (v3+)', status: 401, body: envelope(401, 'Authentication is required to continue.'), code: 'UNAUTHENTICATED' },
  { name: '403 "Authentication is required to continue" (2019 servers and docs)', status: 403, body: envelope(403, 'Authentication is required to continue'), code: 'UNAUTHENTICATED' },
  {
    name: '403 "MFA authentication is required." with body.mfa_providers',
    status: 403,
    body: envelope(403, 'MFA authentication is required.', { mfa_providers: ['totp', 'yubikey'] }),
    code: 'UNAUTHENTICATED',
    reason: 'MFA_REQUIRED',
  },
  { name: '403 "Access restricted to administrators."', status: 403, body: envelope(403, 'Access restricted to administrators.'), code: 'FORBIDDEN' },
  { name: '403 with a body that is not JSON', status: 403, body: '<h1>Forbidden</h1>', code: 'FORBIDDEN' },
  { name: '400 "The user identifier should be a valid UUID or "me"."', status: 400, body: envelope(400, 'The user identifier should be a valid UUID or "me".'), code: 'BAD_USER_INPUT' },
  { name: '400 "API v1 support is deprecated in this version."', status: 400, body: envelope(400, 'API v1 support is deprecated in this version.'), code: 'BAD_USER_INPUT' },
  { name: '404 "The user does not exist."', status: 404, body: envelope(404, 'The user does not exist.'), code: 'NOT_FOUND' },
  { name: '404 without the envelope (the base URL is not a Passbolt API)', status: 404, body: '<html>Not Found at internal-host-7</html>', code: 'PROVIDER_UNAVAILABLE', reason: 'MISCONFIGURED' },
  { name: '404 with an empty body', status: 404, body: '', code: 'PROVIDER_UNAVAILABLE', reason: 'MISCONFIGURED' },
  { name: '500 "An Internal Error Has Occurred."', status: 500, body: envelope(500, 'An Internal Error Has Occurred.'), code: 'PROVIDER_UNAVAILABLE' },
  { name: '502 from a reverse proxy', status: 502, body: 'Bad Gateway upstream 10.0.0.7', code: 'PROVIDER_UNAVAILABLE' },
  { name: '503', status: 503, body: '', code: 'PROVIDER_UNAVAILABLE' },
  { name: '429 from a reverse proxy, Retry-After in seconds', status: 429, body: 'slow down', code: 'RATE_LIMITED', headers: { 'retry-after': '30' }, retryAfterSeconds: 30 },
  { name: '429 without Retry-After', status: 429, body: '', code: 'RATE_LIMITED' },
  { name: '302 redirect to the login page', status: 302, body: '', code: 'PROVIDER_BAD_RESPONSE', reason: 'REDIRECT' },
  { name: '405, a status Passbolt does not document for reads', status: 405, body: envelope(405, 'Method Not Allowed'), code: 'PROVIDER_BAD_RESPONSE' },
];

describe('Passbolt adapter: toGatewayError', () => {
  it.each(cases)('maps $name to $code', ({ status, body, code, reason, headers, retryAfterSeconds }) => {
    const error = toGatewayError(status, body, { headers });
    expect(error.code).toBe(code);
    expect(error.provider).toBe('PASSBOLT');
    expect(error.extensions.provider).toBe('PASSBOLT');
    expect(error.extensions.reason).toBe(reason);
    expect(error.extensions.retryAfterSeconds).toBe(retryAfterSeconds);
  });

  it.each(cases)('copies nothing of the upstream body into the message for $name', ({ status, body, headers }) => {
    const error = toGatewayError(status, body, { headers });
    for (const leak of ['secret-path', 'internal-host', '10.0.0.7', 'Authentication is required to continue', 'Access restricted', 'totp', 'slow down', 'An Internal Error']) {
      expect(error.message).not.toContain(leak);
      expect(JSON.stringify(error.extensions)).not.toContain(leak);
    }
  });

  it('keeps only the upstream status as the log-only detail', () => {
    const error = toGatewayError(500, envelope(500, 'An Internal Error Has Occurred.'));
    expect(error.detail).toEqual({ status: 500 });
    expect(Object.keys(error)).not.toContain('detail');
  });

  it('reads an HTTP-date Retry-After as seconds from now', () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    const seconds = toGatewayError(429, '', { headers: { 'retry-after': at } }).extensions.retryAfterSeconds as number;
    expect(seconds).toBeGreaterThanOrEqual(118);
    expect(seconds).toBeLessThanOrEqual(121);
  });
});
