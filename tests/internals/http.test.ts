import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSafePath, createHttpClient } from '../../src/providers/http.js';
import { startSimulator, json, text, type RunningSimulator } from '../../src/simulators/http-simulator.js';
import { GatewayError } from '../../src/errors.js';
import { callOptions, createRequestScope, createUpstreamTally } from '../../src/providers/request-scope.js';

describe('assertSafePath', () => {
  it.each(['/users/..', '/users/%2e%2e/x', '/users/%2E/x', '//evil.example/x', '/users/a b', '/users/a\r\nb', '/users/a#b', 'users/1'])(
    'refuses %j',
    (path) => {
      expect(() => assertSafePath(path)).toThrow();
    },
  );

  it.each(['/users/1/', '/api/users/C573b86eeee43dd7ba0244f8a;demo%7Cx', '/users/%252e%252e.json', '/users/a..b'])('accepts %j', (path) => {
    expect(() => assertSafePath(path)).not.toThrow();
  });
});

describe('createHttpClient', () => {
  let sim: RunningSimulator;
  let hang: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator('test', (req) => {
      if (req.pathname === '/base/redirect') return { status: 302, headers: { location: 'http://127.0.0.1:1/steal' } };
      if (req.pathname === '/base/big') return json(200, 'x'.repeat(5000));
      if (req.pathname === '/base/html') return text(200, '<html>login</html>');
      if (req.pathname === '/base/html-404') return text(404, 'Not Found');
      return json(200, { path: req.path });
    });
    hang = await startSimulator('hang', () => new Promise(() => {}));
  });
  afterAll(async () => {
    await sim.close();
    await hang.close();
  });

  const base = { connections: 2, maxBodyBytes: 1024, keepAliveTimeoutMs: 500, timeoutMs: 300 };

  it('sends requests below the base path of its own origin', async () => {
    const client = createHttpClient({ ...base, provider: 'SYNCANO', baseUrl: `${sim.url}/base/` });
    const res = await client.request({ method: 'GET', path: '/users/1/', headers: {} });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ path: '/base/users/1/' });
    await client.close();
  });

  it('never follows a redirect', async () => {
    const client = createHttpClient({ ...base, provider: 'SYNCANO', baseUrl: `${sim.url}/base` });
    const res = await client.request({ method: 'GET', path: '/redirect', headers: { 'x-api-key': 'secret' } });
    expect(res.status).toBe(302);
    await client.close();
  });

  it('caps the response body', async () => {
    const client = createHttpClient({ ...base, provider: 'DROPLIT', baseUrl: `${sim.url}/base` });
    const error = await client.request({ method: 'GET', path: '/big', headers: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', provider: 'DROPLIT', reason: 'RESPONSE_TOO_LARGE' });
    await client.close();
  });

  it('refuses a 2xx that is not JSON, without retrying, and still reads an error status whatever its type', async () => {
    const client = createHttpClient({ ...base, provider: 'PASSBOLT', baseUrl: `${sim.url}/base` });
    sim.clearRequests();
    const error = await client.request({ method: 'GET', path: '/html', headers: {} }).catch((e: unknown) => e);
    expect((error as GatewayError).extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', provider: 'PASSBOLT', reason: 'NOT_JSON' });
    expect(JSON.stringify(error)).not.toContain('login');
    expect(sim.requests()).toHaveLength(1);
    const notFound = await client.request({ method: 'GET', path: '/html-404', headers: {} });
    expect(notFound.status).toBe(404);
    await client.close();
  });

  it('cuts a hung upstream off at the deadline with PROVIDER_TIMEOUT', async () => {
    const client = createHttpClient({ ...base, provider: 'PASSBOLT', baseUrl: hang.url });
    // The upstream never answers: the request coming back at all, as PROVIDER_TIMEOUT, is the cut
    // (uncut, it would outlast the test's own timeout).
    const error = await client.request({ method: 'GET', path: '/x', headers: {} }).catch((e: unknown) => e);
    expect((error as GatewayError).extensions).toMatchObject({ code: 'PROVIDER_TIMEOUT', provider: 'PASSBOLT' });
    await client.close();
  });

  it('reports a refused connection as PROVIDER_UNAVAILABLE', async () => {
    const client = createHttpClient({ ...base, provider: 'BELLADATI', baseUrl: 'http://127.0.0.1:1' });
    const error = await client.request({ method: 'GET', path: '/x', headers: {} }).catch((e: unknown) => e);
    expect((error as GatewayError).extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'BELLADATI' });
    await client.close();
  });

  it('refuses a path that would leave the base path, without sending it', async () => {
    sim.clearRequests();
    const client = createHttpClient({ ...base, provider: 'SYNCANO', baseUrl: `${sim.url}/base` });
    await expect(client.request({ method: 'GET', path: '/users/%2e%2e/admin', headers: {} })).rejects.toThrow();
    expect(sim.requests()).toHaveLength(0);
    await client.close();
  });

  it("counts each attempt in the tally it is handed, and in no other request's", async () => {
    const client = createHttpClient({ ...base, provider: 'DROPLIT', baseUrl: `${sim.url}/base` });
    const first = createUpstreamTally();
    const second = createUpstreamTally();
    await client.request({ method: 'GET', path: '/users/1', headers: {}, tally: first });
    await client.request({ method: 'GET', path: '/users/2', headers: {}, tally: first });
    await client.request({ method: 'GET', path: '/users/3', headers: {}, tally: second });
    await client.request({ method: 'GET', path: '/users/4', headers: {} });
    expect(first).toEqual({ calls: 2, providers: new Set(['DROPLIT']) });
    expect(second).toEqual({ calls: 1, providers: new Set(['DROPLIT']) });
    await client.close();
  });

  it("sends nothing once the request's deadline has passed, and says so with PROVIDER_TIMEOUT", async () => {
    const client = createHttpClient({ ...base, provider: 'PASSBOLT', baseUrl: `${sim.url}/base` });
    const scope = createRequestScope(60_000);
    sim.clearRequests();
    const error = await client
      .request({ method: 'GET', path: '/users/1', headers: {}, signal: scope.signal, tally: scope.tally, deadlineAt: performance.now() - 1 })
      .catch((e: unknown) => e);
    scope.dispose();
    expect((error as GatewayError).extensions).toMatchObject({ code: 'PROVIDER_TIMEOUT', provider: 'PASSBOLT' });
    expect(sim.requests()).toHaveLength(0);
    expect(scope.tally.calls).toBe(0);
    await client.close();
  });

  it("ends a hung call at the request's deadline, however long one attempt may take", async () => {
    const client = createHttpClient({ ...base, timeoutMs: 600_000, provider: 'SYNCANO', baseUrl: hang.url });
    const scope = createRequestScope(50);
    // The upstream never answers and one attempt may take ten minutes: the call coming back at all,
    // as PROVIDER_TIMEOUT, is the request's deadline at work (without it, it would outlast the test).
    const error = await client.request({ method: 'GET', path: '/x', headers: {}, ...callOptions(scope) }).catch((e: unknown) => e);
    scope.dispose();
    expect((error as GatewayError).extensions).toMatchObject({ code: 'PROVIDER_TIMEOUT', provider: 'SYNCANO' });
    expect(scope.tally.calls).toBeGreaterThanOrEqual(1);
    await client.close();
  });
});
