import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { createSilentLogger } from '../../src/logger.js';
import type { UserModel } from '../../src/model.js';
import { createUpstreamGuard } from '../../src/providers/resilience.js';
import { createSyncanoAdapter, type SyncanoConfig, type SyncanoCredentials } from '../../src/providers/syncano/index.js';
import { toRequestHeaders } from '../../src/providers/request-headers.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { json, startSimulator, text, type RunningSimulator, type SimulatorHandler } from '../../src/simulators/http-simulator.js';
import { startSyncanoSimulator, type SyncanoSimulatorData } from '../../src/simulators/syncano/index.js';
import demoData from '../../src/simulators/syncano/demo-data.json' with { type: 'json' };

const API_KEY = DEMO_CREDENTIALS.SYNCANO['X-Syncano-Api-Key'];
const GERALT_KEY = DEMO_CREDENTIALS.SYNCANO['X-Syncano-User-Key'];
const DATA = demoData as SyncanoSimulatorData;
const RESTRICTED_KEY = (DATA.apiKeys.find((k) => typeof k !== 'string') as { key: string }).key;
const ACCOUNT_KEY = DATA.accountKeys![0]!;
const ALL_USER_KEYS = (DATA.users as Array<{ user_key: string }>).map((u) => u.user_key);
/** Well-formed (40 hex, odd last digit) but unknown to the instance: "No such API Key.". */
const UNKNOWN_API_KEY = `${API_KEY.slice(0, -1)}5`;

const BASE_CONFIG = { timeoutMs: 2000, connections: 10, maxBodyBytes: 1_048_576, keepAliveTimeoutMs: 1000 };
const isUser = (value: UserModel | GatewayError): value is UserModel => !(value instanceof GatewayError);
/** A slot as the user's id, or the error's code. */
const codeOf = (value: UserModel | GatewayError) => (isUser(value) ? value.id : value.code);

const closers: Array<() => Promise<void>> = [];
function adapterFor(baseUrl: string, extra: Partial<SyncanoConfig> = {}): ProviderAdapter<SyncanoCredentials> {
  const adapter = createSyncanoAdapter({ ...BASE_CONFIG, baseUrl, instance: 'rivia', ...extra }, { logger: createSilentLogger() });
  closers.push(() => adapter.close());
  return adapter;
}
/** An adapter that tries each request once, so a stand-in's call count is exact. */
const noRetryAdapterFor = (baseUrl: string, extra: Partial<SyncanoConfig> = {}) =>
  adapterFor(baseUrl, { guard: createUpstreamGuard('SYNCANO', { maxRetries: 0 }), ...extra });
async function standIn(handler: SimulatorHandler): Promise<RunningSimulator> {
  const sim = await startSimulator('syncano-stand-in', handler);
  closers.push(() => sim.close());
  return sim;
}
/** Credentials as the gateway reads them from a request (node:http's `headersDistinct`: lower-case names, every value). */
const creds = (adapter: ProviderAdapter<SyncanoCredentials>, headers: Record<string, string | string[]>) => adapter.readCredentials(toRequestHeaders(headers));
/** The batch contract: fetchUsers resolves, with the same failure in every slot. */
async function everySlot(promise: Promise<Array<UserModel | GatewayError>>): Promise<GatewayError> {
  const results = await promise;
  expect(results.length).toBeGreaterThan(0);
  for (const slot of results) expect(slot).toBeInstanceOf(GatewayError);
  expect(new Set(results.map((r) => JSON.stringify([(r as GatewayError).message, (r as GatewayError).extensions]))).size).toBe(1);
  return results[0] as GatewayError;
}
const apiKeyOnly = (adapter: ProviderAdapter<SyncanoCredentials>) => creds(adapter, { 'x-syncano-api-key': API_KEY });

let sim: RunningSimulator;
let adapter: ProviderAdapter<SyncanoCredentials>;

beforeAll(async () => {
  sim = await startSyncanoSimulator(structuredClone(DATA));
  closers.push(() => sim.close());
  adapter = adapterFor(sim.url);
});
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});
beforeEach(() => sim.clearRequests());

describe('Syncano adapter: reading users', () => {
  it('reads one user with a plain GET carrying X-API-KEY only', async () => {
    const [geralt] = await adapter.fetchUsers(['1'], apiKeyOnly(adapter));
    expect(isUser(geralt!) && geralt.username).toBe('geralt');
    const [request, ...rest] = sim.requests();
    expect(rest).toHaveLength(0);
    expect(request).toMatchObject({ method: 'GET', path: '/v1.1/instances/rivia/users/1/' });
    expect(request!.headers['x-api-key']).toBe(API_KEY);
    expect(request!.headers).not.toHaveProperty('x-user-key');
    expect(request!.headers).not.toHaveProperty('x-syncano-api-key');
  });

  it('answers NOT_FOUND in the slot, without rejecting, for a user that does not exist', async () => {
    const [slot] = await adapter.fetchUsers(['999'], apiKeyOnly(adapter));
    expect(codeOf(slot!)).toBe('NOT_FOUND');
    expect((slot as GatewayError).provider).toBe('SYNCANO');
  });

  it('reads two or more ids with one batch POST, in key order, with NOT_FOUND in the missing slot', async () => {
    const results = await adapter.fetchUsers(['5', '1', '999', '66', '2'], apiKeyOnly(adapter));
    expect(results.map(codeOf)).toEqual(['5', '1', 'NOT_FOUND', '66', '2']);
    const requests = sim.requests();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'POST', path: '/v1.1/instances/rivia/batch/' });
    expect(requests[0]!.headers['x-api-key']).toBe(API_KEY);
    expect(requests[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(requests[0]!.body)).toEqual({
      requests: ['5', '1', '999', '66', '2'].map((id) => ({ method: 'GET', path: `/v1.1/instances/rivia/users/${id}/` })),
    });
  });

  it('declares the documented batch limit of 50, and splits a longer direct call into batches of 50', async () => {
    expect(adapter.maxBatchSize).toBe(50);
    const ids = Array.from({ length: 51 }, (_, i) => String(i + 1));
    const results = await adapter.fetchUsers(ids, apiKeyOnly(adapter));
    expect(results).toHaveLength(51);
    expect(results.slice(0, 7).map(codeOf)).toEqual(['1', '2', '3', '4', '5', '6', 'NOT_FOUND']);
    const requests = sim.requests();
    expect(requests.map((r) => r.method).sort()).toEqual(['GET', 'POST']);
    expect(JSON.parse(requests.find((r) => r.method === 'POST')!.body).requests).toHaveLength(50);
    expect(requests.find((r) => r.method === 'GET')!.path).toBe('/v1.1/instances/rivia/users/51/');
  });

  it('gives each id back under its own key, leading zeros dropped', async () => {
    const [user] = await adapter.fetchUsers([adapter.normalizeId('0066')], apiKeyOnly(adapter));
    expect(isUser(user!) && adapter.normalizeId(user.id)).toBe('66');
    expect(sim.requests()[0]!.path).toBe('/v1.1/instances/rivia/users/66/');
  });

  it('never lets a user_key or a secret-looking profile field into a model, single or batched', async () => {
    const single = await adapter.fetchUsers(['6'], apiKeyOnly(adapter));
    const batched = await adapter.fetchUsers(['1', '2', '3', '4', '5', '6', '66'], apiKeyOnly(adapter));
    const text = JSON.stringify([single, batched]);
    for (const key of ALL_USER_KEYS) expect(text).not.toContain(key);
    expect(text).not.toContain('user_key');
    expect(text).not.toContain('recovery_token');
    expect(single[0]).toMatchObject({ profile: { fields: { first_name: 'Vesemir', mentor_of: { type: 'reference', value: 1 } } } });
  });

  it('reads the unified fields from the profile fields the config names', async () => {
    const [gordon] = await adapter.fetchUsers(['66'], apiKeyOnly(adapter));
    expect(gordon).toMatchObject({ email: 'gordon@blackmesa.example', avatarUrl: 'https://cdn.example/syncano/rivia/7aecf4a6b0d38e1f.jpg' });
    const renamed = adapterFor(sim.url, { profileFields: { email: 'first_name', avatarUrl: 'photo' } });
    const [same] = await renamed.fetchUsers(['66'], apiKeyOnly(renamed));
    expect(same).toMatchObject({ email: 'Gordon', avatarUrl: null, givenName: 'Gordon' });
  });

  it('lower-cases the configured instance name as Syncano does', async () => {
    const upper = adapterFor(sim.url, { instance: 'RIVIA' });
    const [geralt] = await upper.fetchUsers(['1'], apiKeyOnly(upper));
    expect(codeOf(geralt!)).toBe('1');
    expect(sim.requests()[0]!.path).toBe('/v1.1/instances/rivia/users/1/');
  });

  it('refuses an instance name Syncano could never have', () => {
    for (const instance of ['../rivia', 'rivia/users', '', 'x'.repeat(65), 'rivia%2F']) {
      expect(() => adapterFor(sim.url, { instance })).toThrow(TypeError);
    }
  });
});

describe('Syncano adapter: ids', () => {
  it.each(['0', '000', 'abc', '..', '1/2', '-1', '1%2F2', ' 1', '1e3', 'x'.repeat(300)])('refuses id %j with BAD_USER_INPUT and no upstream call', async (id) => {
    expect(() => adapter.normalizeId(id)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', provider: 'SYNCANO' }));
    const [slot] = await adapter.fetchUsers([id], apiKeyOnly(adapter));
    expect(codeOf(slot!)).toBe('BAD_USER_INPUT');
    expect(sim.requests()).toHaveLength(0);
  });

  it('fails only the bad id of a batch, and leaves it out of the batch request', async () => {
    const results = await adapter.fetchUsers(['1', 'abc', '2'], apiKeyOnly(adapter));
    expect(results.map(codeOf)).toEqual(['1', 'BAD_USER_INPUT', '2']);
    expect(sim.requests()).toHaveLength(1);
    expect(JSON.parse(sim.requests()[0]!.body).requests.map((r: { path: string }) => r.path)).toEqual([
      '/v1.1/instances/rivia/users/1/',
      '/v1.1/instances/rivia/users/2/',
    ]);
  });
});

describe('Syncano adapter: credentials', () => {
  it('resolves me with the API key and the user key, and never returns a user_key', async () => {
    const me = await adapter.fetchMe(creds(adapter, DEMO_CREDENTIALS.SYNCANO));
    expect(me).toMatchObject({ id: '1', username: 'geralt', provider: 'SYNCANO' });
    expect(adapter.normalizeId(me.id)).toBe('1');
    const [request, ...rest] = sim.requests();
    expect(rest).toHaveLength(0);
    expect(request).toMatchObject({ method: 'GET', path: '/v1.1/instances/rivia/user/' });
    expect(request!.headers['x-api-key']).toBe(API_KEY);
    expect(request!.headers['x-user-key']).toBe(GERALT_KEY);
    const text = JSON.stringify(me);
    for (const key of ALL_USER_KEYS) expect(text).not.toContain(key);
  });

  it('sends the user key on user lookups too, so Syncano scopes them to the caller', async () => {
    const results = await adapter.fetchUsers(['1', '2'], creds(adapter, DEMO_CREDENTIALS.SYNCANO));
    expect(results.map(codeOf)).toEqual(['1', 'NOT_FOUND']);
    expect(sim.requests()[0]!.headers['x-user-key']).toBe(GERALT_KEY);
  });

  it('answers UNAUTHENTICATED MISSING_CREDENTIALS with no upstream call when a key is missing', async () => {
    const missing = { code: 'UNAUTHENTICATED', extensions: { reason: 'MISSING_CREDENTIALS', provider: 'SYNCANO' } };
    expect(await everySlot(adapter.fetchUsers(['1'], creds(adapter, {})))).toMatchObject(missing);
    expect(await everySlot(adapter.fetchUsers(['1', '2'], creds(adapter, { 'x-syncano-user-key': GERALT_KEY })))).toMatchObject(missing);
    await expect(adapter.fetchMe(creds(adapter, { 'x-syncano-api-key': API_KEY }))).rejects.toMatchObject(missing);
    await expect(adapter.fetchMe(creds(adapter, { 'x-syncano-user-key': GERALT_KEY }))).rejects.toMatchObject(missing);
    expect(sim.requests()).toHaveLength(0);
  });

  it.each([
    ['a control character in the API key', { 'x-syncano-api-key': `${API_KEY}\u0000` }],
    ['an over-long API key', { 'x-syncano-api-key': 'a'.repeat(4097) }],
    ['two API keys joined by a client or proxy', { 'x-syncano-api-key': `${API_KEY}, ${RESTRICTED_KEY}` }],
    ['the API key header sent twice', { 'x-syncano-api-key': [API_KEY, API_KEY] }],
    ['the user key header sent twice', { 'x-syncano-api-key': API_KEY, 'x-syncano-user-key': [GERALT_KEY, GERALT_KEY] }],
    ['a space in the API key', { 'x-syncano-api-key': `${API_KEY.slice(0, 20)} ${API_KEY.slice(20)}` }],
    ['a non-ASCII byte in the user key', { 'x-syncano-api-key': API_KEY, 'x-syncano-user-key': `${GERALT_KEY}\u00e9` }],
    ['a control character in the user key', { 'x-syncano-api-key': API_KEY, 'x-syncano-user-key': `${GERALT_KEY}\u001b` }],
  ])('answers UNAUTHENTICATED MALFORMED_CREDENTIALS with no upstream call for %s', async (_name, headers) => {
    const malformed = { code: 'UNAUTHENTICATED', extensions: { reason: 'MALFORMED_CREDENTIALS' } };
    expect(await everySlot(adapter.fetchUsers(['1'], creds(adapter, headers)))).toMatchObject(malformed);
    await expect(adapter.fetchMe(creds(adapter, { 'x-syncano-user-key': GERALT_KEY, ...headers }))).rejects.toMatchObject(malformed);
    expect(sim.requests()).toHaveLength(0);
  });

  it('never names a credential in an error', async () => {
    const error = await everySlot(adapter.fetchUsers(['1'], creds(adapter, { 'x-syncano-api-key': `${API_KEY}\u0000` })));
    expect(JSON.stringify({ message: (error as GatewayError).message, ext: (error as GatewayError).extensions })).not.toContain(API_KEY);
  });

  it('uses a configured default API key when the caller sends none, but never in place of the user key', async () => {
    const withDefault = adapterFor(sim.url, { defaultApiKey: API_KEY });
    const [geralt] = await withDefault.fetchUsers(['1'], creds(withDefault, {}));
    expect(codeOf(geralt!)).toBe('1');
    expect(sim.requests()[0]!.headers['x-api-key']).toBe(API_KEY);
    await expect(withDefault.fetchMe(creds(withDefault, {}))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const me = await withDefault.fetchMe(creds(withDefault, { 'x-syncano-user-key': GERALT_KEY }));
    expect(me.id).toBe('1');
    // The caller's own API key wins over the default.
    const [refused] = await withDefault.fetchUsers(['1'], creds(withDefault, { 'x-syncano-api-key': RESTRICTED_KEY }));
    expect(codeOf(refused!)).toBe('FORBIDDEN');
  });

  it('maps an unknown API key to UNAUTHENTICATED in every slot, single or batched', async () => {
    const wrong = creds(adapter, { 'x-syncano-api-key': UNKNOWN_API_KEY });
    expect(await everySlot(adapter.fetchUsers(['1'], wrong))).toMatchObject({ code: 'UNAUTHENTICATED', extensions: { provider: 'SYNCANO' } });
    expect(await everySlot(adapter.fetchUsers(['1', '2'], wrong))).toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(adapter.fetchMe(creds(adapter, { 'x-syncano-api-key': UNKNOWN_API_KEY, 'x-syncano-user-key': GERALT_KEY }))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('maps an API key without ignore_acl to FORBIDDEN in each slot', async () => {
    const results = await adapter.fetchUsers(['1', '2'], creds(adapter, { 'x-syncano-api-key': RESTRICTED_KEY }));
    expect(results.map(codeOf)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });

  it('lets a key without ignore_acl read the caller itself when the user key comes along', async () => {
    const own = creds(adapter, { 'x-syncano-api-key': RESTRICTED_KEY, 'x-syncano-user-key': GERALT_KEY });
    expect((await adapter.fetchUsers(['1', '2'], own)).map(codeOf)).toEqual(['1', 'NOT_FOUND']);
  });

  it('answers UNAUTHENTICATED for me with an unknown user key (Syncano ignores it and refuses /user/)', async () => {
    await expect(adapter.fetchMe(creds(adapter, { 'x-syncano-api-key': API_KEY, 'x-syncano-user-key': '0'.repeat(40) }))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      extensions: { provider: 'SYNCANO' },
    });
    expect(sim.requests()).toHaveLength(1);
  });

  it('answers UNAUTHENTICATED for me with an account key, which Syncano never attaches a user to', async () => {
    await expect(adapter.fetchMe(creds(adapter, { 'x-syncano-api-key': ACCOUNT_KEY, 'x-syncano-user-key': GERALT_KEY }))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('lets an account key read any user', async () => {
    const results = await adapter.fetchUsers(['2', '66'], creds(adapter, { 'x-syncano-api-key': ACCOUNT_KEY }));
    expect(results.map(codeOf)).toEqual(['2', '66']);
  });
});

describe('Syncano adapter: provider-wide failures', () => {
  it('reports a wrong instance as PROVIDER_UNAVAILABLE MISCONFIGURED in every slot of the batch', async () => {
    const wrong = adapterFor(sim.url, { instance: 'novigrad' });
    for (const ids of [['1'], ['1', '2']]) {
      expect(await everySlot(wrong.fetchUsers(ids, apiKeyOnly(wrong)))).toMatchObject({
        code: 'PROVIDER_UNAVAILABLE',
        extensions: { reason: 'MISCONFIGURED', provider: 'SYNCANO' },
      });
    }
  });

  it('maps a 429 to RATE_LIMITED with the Retry-After seconds', async () => {
    const throttled = await startSyncanoSimulator({ ...structuredClone(DATA), rateLimitPerSecond: 1 });
    closers.push(() => throttled.close());
    const a = noRetryAdapterFor(throttled.url);
    expect(codeOf((await a.fetchUsers(['1'], apiKeyOnly(a)))[0]!)).toBe('1');
    expect(await everySlot(a.fetchUsers(['2', '3'], apiKeyOnly(a)))).toMatchObject({
      code: 'RATE_LIMITED',
      extensions: { provider: 'SYNCANO', retryAfterSeconds: 1 },
    });
    expect(throttled.requests()).toHaveLength(2);
  });

  it('maps a 500 with an HTML page to PROVIDER_UNAVAILABLE without its text', async () => {
    const bad = await standIn(() => text(500, '<html>ZX-UPSTREAM-BODY</html>'));
    const a = noRetryAdapterFor(bad.url);
    const error = await everySlot(a.fetchUsers(['1'], apiKeyOnly(a)));
    expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', extensions: { provider: 'SYNCANO' } });
    expect(error.message).not.toContain('ZX-UPSTREAM-BODY');
    expect(bad.requests()).toHaveLength(1);
  });

  it('maps an unreachable Syncano to PROVIDER_UNAVAILABLE', async () => {
    const gone = await standIn(() => json(200, {}));
    const url = gone.url;
    await gone.close();
    const a = noRetryAdapterFor(url);
    expect(await everySlot(a.fetchUsers(['1', '2'], apiKeyOnly(a)))).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
  });

  it('maps an upstream that never answers to PROVIDER_TIMEOUT', async () => {
    const slow = await standIn(() => new Promise(() => undefined));
    const a = noRetryAdapterFor(slow.url, { timeoutMs: 150 });
    await expect(a.fetchMe(creds(a, DEMO_CREDENTIALS.SYNCANO))).rejects.toMatchObject({ code: 'PROVIDER_TIMEOUT', extensions: { provider: 'SYNCANO' } });
  });

  it('maps a redirect to PROVIDER_BAD_RESPONSE and does not follow it', async () => {
    const bad = await standIn(() => ({ status: 302, headers: { location: 'http://127.0.0.1:9/elsewhere' } }));
    const a = noRetryAdapterFor(bad.url);
    const [slot] = await a.fetchUsers(['1'], apiKeyOnly(a));
    expect(slot).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', extensions: { reason: 'REDIRECT' } });
    expect(bad.requests()).toHaveLength(1);
  });
});

describe('Syncano adapter: malformed answers', () => {
  it.each([
    ['a user with a non-string username', json(200, { id: 1, username: 42 })],
    ['a body that is not JSON', text(200, '<html>ZX-UPSTREAM-BODY</html>')],
    ['an empty body', text(200)],
    ['an id of zero', json(200, { id: 0, username: 'nobody' })],
  ])('maps a 200 with %s to PROVIDER_BAD_RESPONSE', async (_name, response) => {
    const bad = await standIn(() => response);
    const a = adapterFor(bad.url);
    const [slot] = await a.fetchUsers(['1'], apiKeyOnly(a));
    expect(codeOf(slot!)).toBe('PROVIDER_BAD_RESPONSE');
    expect((slot as GatewayError).message).not.toContain('ZX-UPSTREAM-BODY');
    await expect(a.fetchMe(creds(a, DEMO_CREDENTIALS.SYNCANO))).rejects.toMatchObject({ code: 'PROVIDER_BAD_RESPONSE' });
  });

  it('refuses a user whose id is not the one asked for', async () => {
    const bad = await standIn(() => json(200, { id: 2, username: 'someone-else' }));
    const a = adapterFor(bad.url);
    const [slot] = await a.fetchUsers(['1'], apiKeyOnly(a));
    expect(codeOf(slot!)).toBe('PROVIDER_BAD_RESPONSE');
  });

  it('refuses a batch answer of the wrong length in every slot', async () => {
    const bad = await standIn(() => json(200, [{ code: 200, content: { id: 1, username: 'geralt' } }]));
    const a = adapterFor(bad.url);
    expect((await a.fetchUsers(['1', '2'], apiKeyOnly(a))).map(codeOf)).toEqual(['PROVIDER_BAD_RESPONSE', 'PROVIDER_BAD_RESPONSE']);
  });

  it('maps each batch item on its own: a 429, a malformed and a misplaced item fail only their slots', async () => {
    const bad = await standIn(() =>
      json(200, [
        { code: 200, content: { id: 1, username: 'geralt', user_key: GERALT_KEY } },
        { code: 429, content: { detail: 'Request was throttled.' } },
        { code: 200, content: { id: 3, username: null } },
        { code: 200, content: { id: 1, username: 'geralt' } },
        { code: 404, content: { detail: 'Not found.' } },
      ]),
    );
    const a = adapterFor(bad.url);
    const results = await a.fetchUsers(['1', '2', '3', '4', '5'], apiKeyOnly(a));
    expect(results.map(codeOf)).toEqual(['1', 'RATE_LIMITED', 'PROVIDER_BAD_RESPONSE', 'PROVIDER_BAD_RESPONSE', 'NOT_FOUND']);
    expect(JSON.stringify(results[0])).not.toContain(GERALT_KEY);
  });
});
