import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import type { SyncanoSimulatorData } from '../../src/simulators/syncano/index.js';
import demoData from '../../src/simulators/syncano/demo-data.json' with { type: 'json' };
import { startStack, type GraphQLResult, type Stack } from '../helpers/stack.js';
import syncanoContract from '../contract/fixtures/syncano.js';

const DEMO = demoData as SyncanoSimulatorData;
const CREDS = DEMO_CREDENTIALS.SYNCANO;
const API_KEY_ONLY = { 'X-Syncano-Api-Key': CREDS['X-Syncano-Api-Key'] };
const RESTRICTED_KEY = (DEMO.apiKeys.find((k) => typeof k !== 'string') as { key: string }).key;
const USER_KEYS = (DEMO.users as Array<{ user_key: string }>).map((u) => u.user_key);

const ALL_FIELDS = `
  id provider username email displayName givenName middleName familyName active
  createdAt updatedAt lastLoginAt locale timezone phone avatarUrl
  groups { id provider groupId name description }
  roles { value scope }
  ... on SyncanoUser {
    profile { id owner revision createdAt updatedAt ownerPermissions groupPermissions otherPermissions group channel channelRoom links fields }
    syncanoGroups { id label description name links }
    links { self groups profile resetKey }
  }
`;
const USER = `query($id: ID!) { user(provider: SYNCANO, id: $id) { ${ALL_FIELDS} } }`;
const ME = `{ me(provider: SYNCANO) { ${ALL_FIELDS} } }`;

describe('Syncano through GraphQL', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => {
    stack.clearRequests();
    stack.sims.syncano.clearFaults();
  });

  const calls = () => stack.sims.syncano.requests();

  function expectOneError(res: GraphQLResult, field: string, extensions: Record<string, unknown>) {
    expect(res.status).toBe(200);
    expect(res.body.data?.[field]).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0]).toMatchObject({ path: [field], extensions });
  }

  function expectNoSecret(text: string) {
    for (const key of USER_KEYS) expect(text).not.toContain(key);
    expect(text).not.toContain(CREDS['X-Syncano-Api-Key']);
    expect(text).not.toContain('user_key');
  }

  it('serves the documented example user (geralt) with every unified field and the SyncanoUser extras', async () => {
    const res = await stack.gql(USER, { id: '1' }, API_KEY_ONLY);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.user).toEqual({
      ...syncanoContract.known.unified,
      profile: {
        id: '1',
        owner: '1',
        revision: 1,
        createdAt: '2015-05-19T15:52:36.183576Z',
        updatedAt: '2015-05-19T15:52:36.183608Z',
        ownerPermissions: 'full',
        groupPermissions: 'none',
        otherPermissions: 'none',
        group: null,
        channel: null,
        channelRoom: null,
        links: { owner: '/v1.1/instances/rivia/users/1/', self: '/v1.1/instances/rivia/classes/user_profile/objects/1/' },
        fields: {},
      },
      syncanoGroups: [
        { id: '1', label: 'witchers', description: '', name: null, links: { self: '/v1.1/instances/rivia/groups/1/', users: '/v1.1/instances/rivia/groups/1/users/' } },
      ],
      links: {
        self: '/v1.1/instances/rivia/users/1/',
        groups: '/v1.1/instances/rivia/users/1/groups/',
        profile: '/v1.1/instances/rivia/classes/user_profile/objects/1/',
        resetKey: '/v1.1/instances/rivia/users/1/reset_key/',
      },
    });
    expect(calls().map((r) => r.path)).toEqual(['/v1.1/instances/rivia/users/1/']);
    expectNoSecret(res.text);
  });

  it('reads names, email and avatar from custom profile fields', async () => {
    const res = await stack.gql(USER, { id: '66' }, API_KEY_ONLY);
    expect(res.body.data.user).toMatchObject({
      username: 'Gordon Freeman',
      email: 'gordon@blackmesa.example',
      givenName: 'Gordon',
      familyName: 'Freeman',
      displayName: 'Gordon Freeman',
      avatarUrl: 'https://cdn.example/syncano/rivia/7aecf4a6b0d38e1f.jpg',
    });
    expect(res.body.data.user.profile.fields).toMatchObject({ email: 'gordon@blackmesa.example' });
    expectNoSecret(res.text);
  });

  it('resolves me from the API key and user key, sending both upstream', async () => {
    const res = await stack.gql(ME, {}, CREDS);
    expect(res.body.errors).toBeUndefined();
    const byId = await stack.gql(USER, { id: '1' }, API_KEY_ONLY);
    expect(res.body.data.me).toEqual(byId.body.data.user);
    stack.clearRequests();
    await stack.gql(ME, {}, CREDS);
    const [call] = calls();
    expect(call).toMatchObject({ method: 'GET', path: '/v1.1/instances/rivia/user/' });
    expect(call!.headers['x-api-key']).toBe(CREDS['X-Syncano-Api-Key']);
    expect(call!.headers['x-user-key']).toBe(CREDS['X-Syncano-User-Key']);
    expectNoSecret(res.text);
  });

  it('costs one batch call for five distinct ids, and one plain GET for ten aliases of one id', async () => {
    const five = await stack.gql(`{ ${[1, 2, 3, 4, 5].map((id) => `u${id}: user(provider: SYNCANO, id: "${id}") { id username }`).join(' ')} }`, {}, API_KEY_ONLY);
    expect(five.body.errors).toBeUndefined();
    expect(Object.values(five.body.data).map((u: any) => u.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(calls().map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1.1/instances/rivia/batch/']);
    stack.clearRequests();
    const ten = await stack.gql(`{ ${Array.from({ length: 10 }, (_, i) => `a${i}: user(provider: SYNCANO, id: "${i % 2 ? '1' : '001'}") { id }`).join(' ')} }`, {}, API_KEY_ONLY);
    expect(ten.body.errors).toBeUndefined();
    expect(calls().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1.1/instances/rivia/users/1/']);
  });

  it('answers NOT_FOUND for another user when a user key scopes the caller to their own record', async () => {
    expectOneError(await stack.gql(USER, { id: '2' }, CREDS), 'user', { code: 'NOT_FOUND', provider: 'SYNCANO' });
  });

  it('answers UNAUTHENTICATED with no upstream call when the API key is missing, and for me without a user key', async () => {
    expectOneError(await stack.gql(USER, { id: '1' }, {}), 'user', { code: 'UNAUTHENTICATED', provider: 'SYNCANO' });
    expectOneError(await stack.gql(ME, {}, API_KEY_ONLY), 'me', { code: 'UNAUTHENTICATED', provider: 'SYNCANO' });
    expect(calls()).toHaveLength(0);
  });

  it('answers UNAUTHENTICATED for me when Syncano does not know the user key', async () => {
    const res = await stack.gql(ME, {}, { ...API_KEY_ONLY, 'X-Syncano-User-Key': 'f'.repeat(40) });
    expectOneError(res, 'me', { code: 'UNAUTHENTICATED', provider: 'SYNCANO' });
    expect(calls()).toHaveLength(1);
    expect(res.text).not.toContain('f'.repeat(40));
  });

  it('answers UNAUTHENTICATED MALFORMED_CREDENTIALS with no upstream call for a key with control characters', async () => {
    // fetch refuses raw control characters in headers; a tab inside the value is the one it sends.
    const res = await stack.gql(USER, { id: '1' }, { 'X-Syncano-Api-Key': `${CREDS['X-Syncano-Api-Key']}\tx` });
    expectOneError(res, 'user', { code: 'UNAUTHENTICATED', provider: 'SYNCANO', reason: 'MALFORMED_CREDENTIALS' });
    expect(calls()).toHaveLength(0);
  });

  it.each([
    ['an upstream 500', { kind: 'status', status: 500, body: '<html>ZX-UPSTREAM-BODY</html>' }, 'PROVIDER_UNAVAILABLE'],
    ['a 200 that is not JSON', { kind: 'non-json' }, 'PROVIDER_BAD_RESPONSE'],
    ['a 429 beyond the deadline', { kind: 'status', status: 429, headers: { 'retry-after': '30' } }, 'RATE_LIMITED'],
  ] as const)('answers %s with %s and a null user, leaking nothing of it', async (_name, fault, code) => {
    stack.sims.syncano.injectFaults([{ fault: fault as never, times: 10 }]);
    const res = await stack.gql(USER, { id: '1' }, API_KEY_ONLY);
    expectOneError(res, 'user', { code, provider: 'SYNCANO' });
    expect(res.text).not.toContain('ZX-UPSTREAM-BODY');
    expect(res.text).not.toContain('<html');
  });

  it('keeps every user_key and secret-looking profile field out of every demo user', async () => {
    const ids = (DEMO.users as Array<{ id: number }>).map((u) => String(u.id));
    // At most five distinct users per operation: the gateway's per-provider call budget.
    for (const part of [ids.slice(0, 5), ids.slice(5)]) {
      const query = `{ ${part.map((id) => `u${id}: user(provider: SYNCANO, id: "${id}") { ${ALL_FIELDS} }`).join(' ')} }`;
      const res = await stack.gql(query, {}, API_KEY_ONLY);
      expect(res.body.errors).toBeUndefined();
      expect(part.map((id) => res.body.data[`u${id}`].id)).toEqual(part);
      expectNoSecret(res.text);
      expect(res.text).not.toContain('recovery_token');
    }
    expect(ids).toHaveLength(7);
    expect(calls().map((r) => r.method)).toEqual(['POST', 'POST']);
  });

  it('answers UNAUTHENTICATED for an unknown API key and FORBIDDEN for a key without ignore_acl', async () => {
    const unknown = `${CREDS['X-Syncano-Api-Key'].slice(0, -1)}1`;
    expectOneError(await stack.gql(USER, { id: '1' }, { 'X-Syncano-Api-Key': unknown }), 'user', { code: 'UNAUTHENTICATED', provider: 'SYNCANO' });
    expectOneError(await stack.gql(USER, { id: '1' }, { 'X-Syncano-Api-Key': RESTRICTED_KEY }), 'user', { code: 'FORBIDDEN', provider: 'SYNCANO' });
  });

  it('returns ids that work as input again', async () => {
    const me = await stack.gql(ME, {}, CREDS);
    const again = await stack.gql(USER, { id: me.body.data.me.id }, API_KEY_ONLY);
    expect(again.body.data.user.username).toBe('geralt');
  });
});

describe('Syncano through GraphQL when the configured instance is wrong', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers PROVIDER_UNAVAILABLE MISCONFIGURED on Syncano fields while the others work', async () => {
    const { createGateway } = await import('../../src/server.js');
    const { createSilentLogger } = await import('../../src/logger.js');
    const providers = { ...stack.config.providers, SYNCANO: { ...stack.config.providers.SYNCANO!, instance: 'novigrad' } };
    const gateway = await createGateway({ ...stack.config, providers }, { logger: createSilentLogger() });
    const url = await gateway.listen(0, '127.0.0.1');
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...API_KEY_ONLY, ...DEMO_CREDENTIALS.BELLADATI },
        body: JSON.stringify({ query: '{ s: user(provider: SYNCANO, id: "1") { id } b: me(provider: BELLADATI) { id } }' }),
      });
      const body = (await res.json()) as any;
      expect(body.data).toEqual({ s: null, b: { id: '123' } });
      expect(body.errors).toEqual([
        expect.objectContaining({ path: ['s'], extensions: { code: 'PROVIDER_UNAVAILABLE', provider: 'SYNCANO', reason: 'MISCONFIGURED' } }),
      ]);
      expect(JSON.stringify(body)).not.toContain('Instance was not found');
    } finally {
      await gateway.stop();
    }
  });
});
