import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { createSilentLogger } from '../../src/logger.js';
import type { UserModel } from '../../src/model.js';
import { createSyncanoAdapter, type SyncanoConfig, type SyncanoCredentials } from '../../src/providers/syncano/index.js';
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

const BASE_CONFIG = { timeoutMs: 2000, connections: 10, maxBodyBytes: 1_048_576, keepAliveTimeoutMs: 1000 };
const isUser = (value: UserModel | GatewayError): value is UserModel => !(value instanceof GatewayError);
const codeOf = (value: UserModel | GatewayError) => (isUser(value) ? value.id : value.code);

const closers: Array<() => Promise<void>> = [];
function adapterFor(baseUrl: string, extra: Partial<SyncanoConfig> = {}): ProviderAdapter<SyncanoCredentials> {
  const adapter = createSyncanoAdapter({ ...BASE_CONFIG, baseUrl, instance: 'rivia', ...extra }, { logger: createSilentLogger() });
  closers.push(() => adapter.close());
  return adapter;
}
async function standIn(handler: SimulatorHandler): Promise<RunningSimulator> {
  const sim = await startSimulator('syncano-stand-in', handler);
  closers.push(() => sim.close());
  return sim;
}
const creds = (adapter: ProviderAdapter<SyncanoCredentials>, headers: Record<string, string>) =>
  adapter.readCredentials(Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])));

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

describe('Syncano adapter against the simulator', () => {
  it('reads one user with a plain GET carrying X-API-KEY only', async () => {
    const [geralt] = await adapter.fetchUsers(['1'], creds(adapter, { 'x-syncano-api-key': API_KEY }));
    expect(isUser(geralt!) && geralt.username).toBe('geralt');
    const [request, ...rest] = sim.requests();
    expect(rest).toHaveLength(0);
    expect(request).toMatchObject({ method: 'GET', path: '/v1.1/instances/rivia/users/1/' });
    expect(request!.headers['x-api-key']).toBe(API_KEY);
    expect(request!.headers).not.toHaveProperty('x-user-key');
    expect(request!.headers).not.toHaveProperty('x-syncano-api-key');
  });

  it('reads two or more ids with one batch POST, in key order, with NOT_FOUND in the missing slot', async () => {
    const results = await adapter.fetchUsers(['5', '1', '999', '66', '2'], creds(adapter, { 'x-syncano-api-key': API_KEY }));
    expect(results.map(codeOf)).toEqual(['5', '1', 'NOT_FOUND', '66', '2']);
    const requests = sim.requests();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'POST', path: '/v1.1/instances/rivia/batch/' });
    expect(JSON.parse(requests[0]!.body)).toEqual({
      requests: ['5', '1', '999', '66', '2'].map((id) => ({ method: 'GET', path: `/v1.1/instances/rivia/users/${id}/` })),
    });
  });

  it('declares the documented batch limit of 50', () => {
    expect(adapter.maxBatchSize).toBe(50);
  });

  it('resolves me with the API key and the user key, and never returns a user_key', async () => {
    const me = await adapter.fetchMe(creds(adapter, DEMO_CREDENTIALS.SYNCANO));
    expect(me).toMatchObject({ id: '1', username: 'geralt' });
    expect(sim.requests()[0]).toMatchObject({ method: 'GET', path: '/v1.1/instances/rivia/user/' });
    expect(sim.requests()[0]!.headers['x-user-key']).toBe(GERALT_KEY);
    const text = JSON.stringify(me);
    for (const key of ALL_USER_KEYS) expect(text).not.toContain(key);
  });

  it('sends the user key on user lookups too, so Syncano scopes them to the caller', async () => {
    const results = await adapter.fetchUsers(['1', '2'], creds(adapter, DEMO_CREDENTIALS.SYNCANO));
    expect(results.map(codeOf)).toEqual(['1', 'NOT_FOUND']);
    expect(sim.requests()[0]!.headers['x-user-key']).toBe(GERALT_KEY);
  });

  it.each(['0', 'abc', '..', '1/2', '-1', '1%2F2', 'x'.repeat(300)])('refuses id %j before any upstream call', (id) => {
    expect(() => adapter.normalizeId(id)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    expect(sim.requests()).toHaveLength(0);
  });

  it('gives ids that normalise back to their own key', async () => {
    const [user] = await adapter.fetchUsers([adapter.normalizeId('0066')], creds(adapter, { 'x-syncano-api-key': API_KEY }));
    expect(isUser(user!) && adapter.normalizeId(user.id)).toBe('66');
  });

  it('answers UNAUTHENTICATED with no upstream call when the API key is missing or malformed', async () => {
    await expect(adapter.fetchUsers(['1'], creds(adapter, {}))).rejects.toMatchObject({ code: 'UNAUTHENTICATED', extensions: { reason: 'MISSING_CREDENTIALS' } });
    await expect(adapter.fetchUsers(['1'], creds(adapter, { 'x-syncano-api-key': 'a\u0000b' }))).rejects.toMatchObject({
      extensions: { reason: 'MALFORMED_CREDENTIALS' },
    });
    await expect(adapter.fetchMe(creds(adapter, { 'x-syncano-api-key': API_KEY }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(sim.requests()).toHaveLength(0);
  });

  it('uses a configured default API key for user lookups, never in place of the user key for me', async () => {
    const withDefault = adapterFor(sim.url, { defaultApiKey: API_KEY });
    const [geralt] = await withDefault.fetchUsers(['1'], creds(withDefault, {}));
    expect(isUser(geralt!)).toBe(true);
    await expect(withDefault.fetchMe(creds(withDefault, {}))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('maps an unknown API key to UNAUTHENTICATED and an API key without ignore_acl to FORBIDDEN', async () => {
    const unknownKey = `${API_KEY.slice(0, -1)}5`;
    await expect(adapter.fetchUsers(['1', '2'], creds(adapter, { 'x-syncano-api-key': unknownKey }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const [slot] = await adapter.fetchUsers(['1'], creds(adapter, { 'x-syncano-api-key': RESTRICTED_KEY }));
    expect(codeOf(slot!)).toBe('FORBIDDEN');
  });

  it('refuses me with an account key (FORBIDDEN: Syncano ignores user keys next to account keys)', async () => {
    await expect(adapter.fetchMe(creds(adapter, { 'x-syncano-api-key': ACCOUNT_KEY, 'x-syncano-user-key': GERALT_KEY }))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('reports a wrong instance as PROVIDER_UNAVAILABLE MISCONFIGURED, once for the whole batch', async () => {
    const wrong = adapterFor(sim.url, { instance: 'novigrad' });
    await expect(wrong.fetchUsers(['1', '2'], creds(wrong, { 'x-syncano-api-key': API_KEY }))).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      extensions: { reason: 'MISCONFIGURED' },
    });
  });

  it('refuses an instance name Syncano could never have', () => {
    expect(() => adapterFor(sim.url, { instance: '../rivia' })).toThrow(TypeError);
  });
});

describe('Syncano adapter against a misbehaving upstream', () => {
  it('maps a 500 with an HTML page to PROVIDER_UNAVAILABLE without its text', async () => {
    const bad = await standIn(() => text(500, '<html>ZX-UPSTREAM-BODY</html>'));
    const a = adapterFor(bad.url, { resilience: { maxRetries: 0 } });
    const [slot] = await a.fetchUsers(['1'], creds(a, { 'x-syncano-api-key': API_KEY }));
    expect(codeOf(slot!)).toBe('PROVIDER_UNAVAILABLE');
    expect((slot as GatewayError).message).not.toContain('ZX-UPSTREAM-BODY');
  });

  it('maps a 200 that is not a user to PROVIDER_BAD_RESPONSE', async () => {
    const bad = await standIn(() => json(200, { id: 1, username: 42 }));
    const a = adapterFor(bad.url);
    const [slot] = await a.fetchUsers(['1'], creds(a, { 'x-syncano-api-key': API_KEY }));
    expect(codeOf(slot!)).toBe('PROVIDER_BAD_RESPONSE');
  });

  it('refuses a user whose id is not the one asked for', async () => {
    const bad = await standIn(() => json(200, { id: 2, username: 'someone-else' }));
    const a = adapterFor(bad.url);
    const [slot] = await a.fetchUsers(['1'], creds(a, { 'x-syncano-api-key': API_KEY }));
    expect(codeOf(slot!)).toBe('PROVIDER_BAD_RESPONSE');
  });

  it('refuses a batch answer of the wrong length', async () => {
    const bad = await standIn(() => json(200, [{ code: 200, content: { id: 1, username: 'geralt' } }]));
    const a = adapterFor(bad.url);
    await expect(a.fetchUsers(['1', '2'], creds(a, { 'x-syncano-api-key': API_KEY }))).rejects.toMatchObject({ code: 'PROVIDER_BAD_RESPONSE' });
  });

  it('maps each batch item on its own: one 429 item does not fail the others', async () => {
    const bad = await standIn(() =>
      json(200, [
        { code: 200, content: { id: 1, username: 'geralt', user_key: GERALT_KEY } },
        { code: 429, content: { detail: 'Request was throttled.' } },
      ]),
    );
    const a = adapterFor(bad.url);
    const results = await a.fetchUsers(['1', '2'], creds(a, { 'x-syncano-api-key': API_KEY }));
    expect(results.map(codeOf)).toEqual(['1', 'RATE_LIMITED']);
    expect(JSON.stringify(results[0])).not.toContain(GERALT_KEY);
  });
});
