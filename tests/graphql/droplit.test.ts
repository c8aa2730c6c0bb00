import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import type { DroplitSimulatorData } from '../../src/simulators/droplit/index.js';
import demoData from '../../src/simulators/droplit/demo-data.json' with { type: 'json' };
import { startStack, type Stack } from '../helpers/stack.js';
import droplitContract from '../contract/fixtures/droplit.js';

const DEMO = demoData as DroplitSimulatorData;
const CREDS = DEMO_CREDENTIALS.DROPLIT;
const SERVER_TOKEN = CREDS['X-Droplit-Token'];
const ECO = 'C573b86eeee43dd7ba0244f8a';
const ECO_2018 = 'C594b4a7e42a2ab152bca2195';
const TEST_ID = `${ECO};test`;
const SDK_ID = `${ECO};testUser`;
const PIPE_ID = `${ECO_2018};demoAlias|595d5c8883fa9b12685bc0c1`;
const UNICODE_ID = `${ECO_2018};auth0|Zoë Ødegård;ops`;
const TOKEN_ONLY = { 'X-Droplit-Token': SERVER_TOKEN };

/** The demo data's user token of `test` (a user token may read only its own record). */
const USER_TOKEN = Object.entries(DEMO.tokens).find(([, grant]) => grant.type === 'user' && grant.user === TEST_ID)![0];

const ALL_FIELDS = `
  id provider username email displayName givenName middleName familyName active
  createdAt updatedAt lastLoginAt locale timezone phone avatarUrl
  groups { id name description }
  roles { value scope }
  ... on DroplitUser { ecosystemId uniqueId meta access { environmentId accessLevel } }
`;
const USER = `query($id: ID!) { user(provider: DROPLIT, id: $id) { ${ALL_FIELDS} } }`;
const ME = `{ me(provider: DROPLIT) { ${ALL_FIELDS} } }`;

describe('Droplit through GraphQL', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => stack.clearRequests());

  const droplitCalls = () => stack.sims.droplit.requests();

  function expectOneError(res: Awaited<ReturnType<Stack['gql']>>, field: string, extensions: Record<string, unknown>) {
    expect(res.status).toBe(200);
    expect(res.body.data?.[field]).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({ path: [field], extensions });
  }

  it('serves the 2016 example user with every unified field and the DroplitUser extras', async () => {
    const res = await stack.gql(USER, { id: TEST_ID }, TOKEN_ONLY);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.user).toEqual({
      ...droplitContract.known.unified,
      ecosystemId: ECO,
      uniqueId: 'test',
      meta: { $label: 'Test' },
      access: [],
    });
    expect(droplitCalls().map((r) => [r.path, r.headers.authorization])).toEqual([[`/api/users/${ECO};test`, SERVER_TOKEN]]);
  });

  it('serves access grants as roles scoped to their environment', async () => {
    const res = await stack.gql(USER, { id: SDK_ID }, TOKEN_ONLY);
    expect(res.body.data.user).toMatchObject({
      email: 'test@test.com',
      displayName: 'Test User',
      roles: [{ value: 'Full', scope: 'E5915f0a1c4e8b2d0f6a3c7e9' }],
      access: [{ environmentId: 'E5915f0a1c4e8b2d0f6a3c7e9', accessLevel: 'Full' }],
    });
  });

  it('serves uniqueIds with |, ;, spaces and Unicode, and their ids work as input again', async () => {
    for (const id of [PIPE_ID, UNICODE_ID]) {
      const res = await stack.gql(USER, { id }, TOKEN_ONLY);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.user.id).toBe(id);
      const again = await stack.gql(USER, { id: res.body.data.user.id }, TOKEN_ONLY);
      expect(again.body.data.user.id).toBe(id);
    }
    const pipe = (await stack.gql(USER, { id: PIPE_ID }, TOKEN_ONLY)).body.data.user;
    expect(pipe).toMatchObject({ username: 'demoAlias|595d5c8883fa9b12685bc0c1', displayName: 'demoAlias|595d5c8883fa9b12685bc0c1', email: null, createdAt: '2018-07-06T20:14:55Z', meta: {} });
    expect(droplitCalls().every((r) => !r.path.includes('?') && !r.path.includes('|'))).toBe(true);
  });

  it('serves me with the demo credentials', async () => {
    const res = await stack.gql(ME, {}, CREDS);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.me).toMatchObject({ id: TEST_ID, provider: 'DROPLIT', username: 'test', email: 'test@test.com', displayName: 'Test', active: true });
    expect(droplitCalls()).toHaveLength(1);
  });

  it("serves me with the caller's own user token", async () => {
    const res = await stack.gql(ME, {}, { 'X-Droplit-Token': USER_TOKEN, 'X-Droplit-User': TEST_ID });
    expect(res.body.data.me.id).toBe(TEST_ID);
    expect(droplitCalls()[0]!.headers.authorization).toBe(USER_TOKEN);
  });

  it('answers NOT_FOUND with a null user for an unknown user and for a gone ecosystem', async () => {
    expectOneError(await stack.gql(USER, { id: `${ECO};ghost` }, TOKEN_ONLY), 'user', { code: 'NOT_FOUND', provider: 'DROPLIT' });
    const gone = await stack.gql(USER, { id: 'C573b86c47fdf8178dfefc3fb;test' }, TOKEN_ONLY);
    expectOneError(gone, 'user', { code: 'NOT_FOUND', provider: 'DROPLIT', reason: 'ECOSYSTEM_NOT_FOUND' });
    expect(gone.text).not.toContain('does not exist');
  });

  it('answers UNAUTHENTICATED when Droplit refuses the token', async () => {
    const res = await stack.gql(USER, { id: TEST_ID }, { 'X-Droplit-Token': '_refused-token-0123456789' });
    expectOneError(res, 'user', { code: 'UNAUTHENTICATED', provider: 'DROPLIT' });
    expect(droplitCalls()).toHaveLength(1);
    expect(res.text).not.toContain('_refused-token');
  });

  it('answers FORBIDDEN when a user token reads someone else', async () => {
    const res = await stack.gql(USER, { id: SDK_ID }, { 'X-Droplit-Token': USER_TOKEN });
    expectOneError(res, 'user', { code: 'FORBIDDEN', provider: 'DROPLIT', reason: 'TOKEN_TYPE_NOT_PERMITTED' });
    expect(res.text).not.toContain('Token type not permitted');
  });

  it('answers UNAUTHENTICATED without any upstream call when credentials are missing', async () => {
    expectOneError(await stack.gql(USER, { id: TEST_ID }), 'user', { code: 'UNAUTHENTICATED', provider: 'DROPLIT', reason: 'MISSING_CREDENTIALS' });
    expectOneError(await stack.gql(ME, {}, TOKEN_ONLY), 'me', { code: 'UNAUTHENTICATED', provider: 'DROPLIT', reason: 'MISSING_CREDENTIALS' });
    expectOneError(await stack.gql(ME, {}, { 'X-Droplit-User': TEST_ID }), 'me', { code: 'UNAUTHENTICATED', provider: 'DROPLIT' });
    expect(droplitCalls()).toHaveLength(0);
  });

  it('answers MALFORMED_CREDENTIALS without any upstream call for an oversized token', async () => {
    const res = await stack.gql(USER, { id: TEST_ID }, { 'X-Droplit-Token': 'x'.repeat(4097) });
    expectOneError(res, 'user', { code: 'UNAUTHENTICATED', provider: 'DROPLIT', reason: 'MALFORMED_CREDENTIALS' });
    expect(droplitCalls()).toHaveLength(0);
  });

  it('answers BAD_USER_INPUT for a malformed X-Droplit-User on me, without any upstream call', async () => {
    expectOneError(await stack.gql(ME, {}, { ...TOKEN_ONLY, 'X-Droplit-User': 'test' }), 'me', { code: 'BAD_USER_INPUT', provider: 'DROPLIT' });
    expect(droplitCalls()).toHaveLength(0);
  });

  it('costs one upstream call per distinct user, with each failure on its own field', async () => {
    const res = await stack.gql(
      `{ a: user(provider: DROPLIT, id: "${TEST_ID}") { id }
         b: user(provider: DROPLIT, id: "${SDK_ID}") { id }
         c: user(provider: DROPLIT, id: "${ECO};ghost") { id }
         d: user(provider: DROPLIT, id: "${TEST_ID}") { username } }`,
      {},
      TOKEN_ONLY,
    );
    expect(res.body.data).toEqual({ a: { id: TEST_ID }, b: { id: SDK_ID }, c: null, d: { username: 'test' } });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({ path: ['c'], extensions: { code: 'NOT_FOUND', provider: 'DROPLIT' } });
    expect(droplitCalls()).toHaveLength(3);
  });

  it('puts no token in any response, whatever the outcome', async () => {
    const texts = [
      (await stack.gql(ME, {}, CREDS)).text,
      (await stack.gql(USER, { id: SDK_ID }, { 'X-Droplit-Token': USER_TOKEN })).text,
      (await stack.gql(USER, { id: `${ECO};ghost` }, TOKEN_ONLY)).text,
    ];
    for (const text of texts) {
      for (const token of Object.keys(DEMO.tokens)) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(token.slice(-12));
      }
    }
  });
});

describe('Droplit through GraphQL when Droplit misbehaves', () => {
  const base = { ecosystemId: ECO, meta: {}, createdAt: '2016-11-30T03:12:03.327Z', access: [] };
  const DATA: DroplitSimulatorData = {
    tokens: { [SERVER_TOKEN]: { type: 'server' } },
    users: [
      { ...base, id: `${ECO};badshape`, uniqueId: 'badshape', access: 'Full' },
      { ...base, id: 42, uniqueId: 'noidentity' },
      { ...base, id: `${ECO};placeholder`, uniqueId: 'placeholder', createdAt: 'YYYY-MM-DD HH:MM:SS ENCODED' },
      { ...base, id: TEST_ID, uniqueId: 'test' },
    ],
  };
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ data: { droplit: DATA } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('serves the rest of a record whose access list has the wrong type, with no access', async () => {
    const res = await stack.gql(USER, { id: `${ECO};badshape` }, TOKEN_ONLY);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.user).toMatchObject({ id: `${ECO};badshape`, uniqueId: 'badshape', ecosystemId: ECO, access: [] });
  });

  it('answers PROVIDER_BAD_RESPONSE when what identifies the user is of the wrong type', async () => {
    const res = await stack.gql(USER, { id: `${ECO};noidentity` }, TOKEN_ONLY);
    expect(res.body.data.user).toBeNull();
    expect(res.body.errors![0]).toMatchObject({ path: ['user'], extensions: { code: 'PROVIDER_BAD_RESPONSE', provider: 'DROPLIT' } });
  });

  it('nulls only createdAt, with a field error, when the date is unreadable', async () => {
    const res = await stack.gql(USER, { id: `${ECO};placeholder` }, TOKEN_ONLY);
    expect(res.body.data.user).toMatchObject({ id: `${ECO};placeholder`, username: 'placeholder', createdAt: null });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({ path: ['user', 'createdAt'], extensions: { code: 'PROVIDER_BAD_RESPONSE', provider: 'DROPLIT', reason: 'BAD_TIMESTAMP' } });
    expect(res.text).not.toContain('YYYY');
  });

  it('answers PROVIDER_UNAVAILABLE once Droplit is down', async () => {
    await stack.sims.droplit.close();
    const res = await stack.gql(USER, { id: TEST_ID }, TOKEN_ONLY);
    expect(res.body.data.user).toBeNull();
    expect(res.body.errors![0]).toMatchObject({ path: ['user'], extensions: { code: 'PROVIDER_UNAVAILABLE', provider: 'DROPLIT' } });
    expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });
});
