import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_BELLADATI_CONSUMER_KEY, DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import type { BellaDatiSimulatorData } from '../../src/simulators/belladati/index.js';
import demoData from '../../src/simulators/belladati/demo-data.json' with { type: 'json' };
import { startStack, type Stack } from '../helpers/stack.js';
import belladatiContract from '../contract/fixtures/belladati.js';

const DEMO = demoData as BellaDatiSimulatorData;
const CREDS = DEMO_CREDENTIALS.BELLADATI;
const DEMO_TOKEN = CREDS['X-BellaDati-Token'];
const TOKEN_ONLY = { 'X-BellaDati-Token': DEMO_TOKEN };
/** The demo token of the inactive user 126 (BellaDati refuses it with `user_not_active`). */
const INACTIVE_TOKEN = Object.entries(DEMO.tokens).find(([, id]) => id === '126')![0];

const ALL_FIELDS = `
  id provider username email displayName givenName middleName familyName active
  createdAt updatedAt lastLoginAt locale timezone phone avatarUrl
  groups { id provider groupId name description }
  roles { value scope }
  ... on BellaDatiUser { domainId info firstLoginAt }
`;
const USER = `query($id: ID!) { user(provider: BELLADATI, id: $id) { ${ALL_FIELDS} } }`;
const ME = `{ me(provider: BELLADATI) { ${ALL_FIELDS} } }`;

/** The documented sample user (GET User Detail), as the gateway serves it. */
const JOHN = {
  ...belladatiContract.known.unified,
  domainId: '45',
  info: "I'm pretty cool",
  firstLoginAt: '2012-01-14T15:33:28Z',
};

type Result = Awaited<ReturnType<Stack['gql']>>;

function expectOneError(res: Result, field: string, extensions: Record<string, unknown>) {
  expect(res.status).toBe(200);
  expect(res.body.data?.[field]).toBeNull();
  expect(res.body.errors).toHaveLength(1);
  expect(res.body.errors![0]).toMatchObject({ path: [field], extensions });
}

function expectNoSecret(text: string) {
  for (const token of Object.keys(DEMO.tokens)) expect(text).not.toContain(token);
  expect(text).not.toContain(DEMO_BELLADATI_CONSUMER_KEY);
  expect(text).not.toContain('oauth_');
}

describe('BellaDati through GraphQL', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => stack.clearRequests());

  const calls = () => stack.sims.belladati.requests();

  it('serves the documented sample user with every unified field and the BellaDatiUser extras', async () => {
    const res = await stack.gql(USER, { id: '123' }, TOKEN_ONLY);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.user).toEqual(JOHN);
    expect(calls().map((r) => r.path)).toEqual(['/api/users/123']);
    const authorization = calls()[0]!.headers.authorization as string;
    expect(authorization).toMatch(/^OAuth oauth_consumer_key="usergraph-demo", oauth_token="nd7an9eba41c", oauth_timestamp="\d+", oauth_nonce="[0-9a-f]{32}"$/);
  });

  it('serves the Java SDK name/surname variant with its groups and roles', async () => {
    const res = await stack.gql(USER, { id: '124' }, TOKEN_ONLY);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.user).toMatchObject({
      id: '124',
      username: 'jana.novakova+bi@example.com',
      displayName: 'Jana Nováková',
      givenName: 'Jana',
      middleName: null,
      familyName: 'Nováková',
      timezone: 'GMT',
      phone: null,
      info: null,
      lastLoginAt: '2023-03-03T08:05:09Z',
      firstLoginAt: '2012-04-16T10:17:26Z',
      groups: [
        { id: 'BELLADATI:56', provider: 'BELLADATI', groupId: '56', name: 'My User Group nr.1', description: null },
        { id: 'BELLADATI:345', provider: 'BELLADATI', groupId: '345', name: 'My User Group nr.2', description: 'This is description' },
      ],
      roles: [
        { value: 'DATASET_ADMIN', scope: null },
        { value: 'REPORT_ADMIN', scope: null },
      ],
    });
  });

  it('serves a user who never logged in with null login dates, a null email and the username as displayName', async () => {
    const res = await stack.gql(USER, { id: '125' }, TOKEN_ONLY);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.user).toMatchObject({
      username: 'new.hire',
      displayName: 'new.hire',
      givenName: null,
      familyName: null,
      email: null,
      lastLoginAt: null,
      firstLoginAt: null,
      timezone: null,
      groups: [],
      roles: [],
    });
  });

  it('serves an inactive user with active: false', async () => {
    const res = await stack.gql(USER, { id: '126' }, TOKEN_ONLY);
    expect(res.body.data.user).toMatchObject({ id: '126', active: false, displayName: 'Petr Svoboda' });
  });

  it('serves me with the demo credentials through /api/users/username/{username}', async () => {
    const res = await stack.gql(ME, {}, CREDS);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.me).toEqual(JOHN);
    expect(calls().map((r) => r.path)).toEqual(['/api/users/username/myusername%40example.com']);
  });

  it('answers FORBIDDEN for a user of another domain', async () => {
    const res = await stack.gql(USER, { id: '222' }, TOKEN_ONLY);
    expectOneError(res, 'user', { code: 'FORBIDDEN', provider: 'BELLADATI' });
    expect(res.text).not.toContain('Forbidden');
  });

  it('answers FORBIDDEN with reason USER_NOT_ACTIVE for the token of an inactive user', async () => {
    const res = await stack.gql(USER, { id: '126' }, { 'X-BellaDati-Token': INACTIVE_TOKEN });
    expectOneError(res, 'user', { code: 'FORBIDDEN', provider: 'BELLADATI', reason: 'USER_NOT_ACTIVE' });
  });

  it('answers UNAUTHENTICATED with reason INVALID_TOKEN when BellaDati refuses the token', async () => {
    const res = await stack.gql(USER, { id: '123' }, { 'X-BellaDati-Token': 'refused-token-4f1a' });
    expectOneError(res, 'user', { code: 'UNAUTHENTICATED', provider: 'BELLADATI', reason: 'INVALID_TOKEN' });
    expect(calls()).toHaveLength(1);
    expect(res.text).not.toContain('refused-token-4f1a');
  });

  it('answers UNAUTHENTICATED without any upstream call when credentials are missing', async () => {
    expectOneError(await stack.gql(USER, { id: '123' }), 'user', { code: 'UNAUTHENTICATED', provider: 'BELLADATI', reason: 'MISSING_CREDENTIALS' });
    expectOneError(await stack.gql(ME, {}, TOKEN_ONLY), 'me', { code: 'UNAUTHENTICATED', provider: 'BELLADATI', reason: 'MISSING_CREDENTIALS' });
    expectOneError(await stack.gql(ME, {}, { 'X-BellaDati-Username': CREDS['X-BellaDati-Username'] }), 'me', {
      code: 'UNAUTHENTICATED',
      provider: 'BELLADATI',
    });
    expect(calls()).toHaveLength(0);
  });

  it('answers MALFORMED_CREDENTIALS without any upstream call for an oversized token', async () => {
    const res = await stack.gql(USER, { id: '123' }, { 'X-BellaDati-Token': 'x'.repeat(4097) });
    expectOneError(res, 'user', { code: 'UNAUTHENTICATED', provider: 'BELLADATI', reason: 'MALFORMED_CREDENTIALS' });
    expect(calls()).toHaveLength(0);
  });

  it('answers BAD_USER_INPUT for an unusable username on me, without any upstream call', async () => {
    const res = await stack.gql(ME, {}, { ...TOKEN_ONLY, 'X-BellaDati-Username': `${'u'.repeat(300)}@example.com` });
    expectOneError(res, 'me', { code: 'BAD_USER_INPUT', provider: 'BELLADATI' });
    expect(calls()).toHaveLength(0);
  });

  it('costs one upstream call per distinct user, with each failure on its own field', async () => {
    const res = await stack.gql(
      `{ a: user(provider: BELLADATI, id: "123") { id }
         b: user(provider: BELLADATI, id: "124") { id }
         c: user(provider: BELLADATI, id: "999") { id }
         d: user(provider: BELLADATI, id: "222") { id }
         e: user(provider: BELLADATI, id: "123") { username } }`,
      {},
      TOKEN_ONLY,
    );
    expect(res.body.data).toEqual({ a: { id: '123' }, b: { id: '124' }, c: null, d: null, e: { username: 'myusername@example.com' } });
    expect(res.body.errors).toHaveLength(2);
    const byPath = Object.fromEntries(res.body.errors!.map((e: { path: string[]; extensions: unknown }) => [e.path[0], e.extensions]));
    expect(byPath.c).toMatchObject({ code: 'NOT_FOUND', provider: 'BELLADATI' });
    expect(byPath.d).toMatchObject({ code: 'FORBIDDEN', provider: 'BELLADATI' });
    // Neither email nor lastLoginAt is selected, so BellaDati is asked to leave them out.
    expect(calls().map((r) => r.path).sort()).toEqual(['123', '124', '222', '999'].map((id) => `/api/users/${id}?exclude=email,lastLogin`));
  });

  it('returns ids that work as input again', async () => {
    const me = await stack.gql(ME, {}, CREDS);
    const again = await stack.gql(USER, { id: me.body.data.me.id }, TOKEN_ONLY);
    expect(again.body.data.user.username).toBe(CREDS['X-BellaDati-Username']);
  });

  it('puts no token, consumer key or OAuth text in any response, whatever the outcome', async () => {
    const texts = [
      (await stack.gql(ME, {}, CREDS)).text,
      (await stack.gql(USER, { id: '222' }, TOKEN_ONLY)).text,
      (await stack.gql(USER, { id: '999' }, TOKEN_ONLY)).text,
      (await stack.gql(USER, { id: '123' }, { 'X-BellaDati-Token': INACTIVE_TOKEN })).text,
      (await stack.gql(ME, {}, { 'X-BellaDati-Token': `${DEMO_TOKEN}-wrong`, 'X-BellaDati-Username': 'x@example.com' })).text,
    ];
    for (const text of texts) expectNoSecret(text);
  });
});

describe('BellaDati through GraphQL when BellaDati misbehaves', () => {
  const seed = (DEMO.users as Array<Record<string, unknown>>)[0]!;
  const DATA: BellaDatiSimulatorData = {
    consumerKey: DEMO.consumerKey,
    tokens: { [DEMO_TOKEN]: '123' },
    users: [
      seed,
      { ...seed, id: '700', active: 'yes' },
      { ...seed, id: '702', username: 702 },
      { ...seed, id: '701', lastLogin: 'Tue, 31 Feb 2016 11:40:58 GMT' },
    ],
    rateLimit: { requests: 4, perSeconds: 60 },
  };
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ data: { belladati: DATA } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers PROVIDER_BAD_RESPONSE on active alone when its value is not a boolean (the user is null: active is non-null)', async () => {
    const res = await stack.gql(USER, { id: '700' }, TOKEN_ONLY);
    expect(res.body.data.user).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({ path: ['user', 'active'], extensions: { code: 'PROVIDER_BAD_RESPONSE', provider: 'BELLADATI' } });
  });

  it('serves the record without active when active is not selected', async () => {
    const res = await stack.gql('query($id: ID!) { user(provider: BELLADATI, id: $id) { id username email } }', { id: '700' }, TOKEN_ONLY);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.user).toMatchObject({ id: '700', username: 'myusername@example.com' });
  });

  it('answers PROVIDER_BAD_RESPONSE for the whole user when its username is of the wrong type', async () => {
    const res = await stack.gql(USER, { id: '702' }, TOKEN_ONLY);
    expectOneError(res, 'user', { code: 'PROVIDER_BAD_RESPONSE', provider: 'BELLADATI' });
  });

  it('nulls only lastLoginAt, with a field error, when the date is unreadable', async () => {
    const res = await stack.gql(USER, { id: '701' }, TOKEN_ONLY);
    expect(res.body.data.user).toMatchObject({ id: '701', username: 'myusername@example.com', lastLoginAt: null, firstLoginAt: '2012-01-14T15:33:28Z' });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({
      path: ['user', 'lastLoginAt'],
      extensions: { code: 'PROVIDER_BAD_RESPONSE', provider: 'BELLADATI', reason: 'BAD_TIMESTAMP' },
    });
    expect(res.text).not.toContain('31 Feb');
  });

  it("answers RATE_LIMITED once BellaDati throttles with 503", async () => {
    let res: Result | undefined;
    for (let i = 0; i < 4; i++) res = await stack.gql(USER, { id: '123' }, TOKEN_ONLY);
    expectOneError(res!, 'user', { code: 'RATE_LIMITED', provider: 'BELLADATI' });
    expectNoSecret(res!.text);
  });

  it('answers PROVIDER_UNAVAILABLE once BellaDati is down', async () => {
    await stack.sims.belladati.close();
    const res = await stack.gql(USER, { id: '123' }, TOKEN_ONLY);
    expectOneError(res, 'user', { code: 'PROVIDER_UNAVAILABLE', provider: 'BELLADATI' });
    expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });
});
