import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import type { PassboltSimulatorData } from '../../src/simulators/passbolt/index.js';
import demoData from '../../src/simulators/passbolt/demo-data.json' with { type: 'json' };
import { startStack, type GraphQLResult, type Stack } from '../helpers/stack.js';
import passboltContract from '../contract/fixtures/passbolt.js';

const DEMO = demoData as PassboltSimulatorData;
const ADA_TOKEN = DEMO_CREDENTIALS.PASSBOLT['X-Passbolt-Token'];
const ADA = 'f848277c-5398-58f8-a82a-72397af2d450';
const V5_EXAMPLE = '8bb80df5-700c-48ce-b568-85a60fc3c8f2';
const CAROL = 'd1db2a3e-1676-4440-bc34-1aacc89fa90f';
const EDITH_NOT_SET_UP = '00d1fdda-111c-470c-9d3d-d7b4fcb4cb93';
const FRANCES_DISABLED = 'f9235c17-6c07-4555-9ba4-ffea1d724849';
const KATHLEEN_DELETED = 'a0dd685f-7e8a-4948-b9eb-d94e4a22bc94';
const UNKNOWN = '20d1fa38-7d83-4006-bc4a-32d52c0ce93d';
const BROKEN = '87ad04fb-f741-49b8-91cd-ca350b1b5f9f';
const BAD_DATE = 'cca36cb8-7b13-4b5e-bb19-d964c28a5a28';
/** The demo data's second token: Carol Shaw, a regular (non-admin) user. */
const CAROL_TOKEN = Object.entries(DEMO.tokens).find(([, id]) => id === CAROL)![0];
const MFA_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtZmEifQ.bWZhLXBlbmRpbmc';

const ADA_HEADERS = { 'X-Passbolt-Token': ADA_TOKEN };
const CAROL_HEADERS = { 'X-Passbolt-Token': CAROL_TOKEN };

const ALL_FIELDS = `
  id provider username email displayName givenName middleName familyName active
  createdAt updatedAt lastLoginAt locale timezone phone avatarUrl
  groups { id provider groupId name description }
  roles { value scope }
  ... on PassboltUser {
    roleId setupCompleted deleted disabled isMfaEnabled
    profile { id firstName lastName createdAt updatedAt avatar { id urlMedium urlSmall createdAt updatedAt } }
    role { id name description createdAt updatedAt }
    gpgkey { id fingerprint keyId bits uid type expires keyCreated armoredKey deleted createdAt updatedAt }
    groupsUsers { id groupId isAdmin createdAt }
  }
`;
const USER = `query($id: ID!) { user(provider: PASSBOLT, id: $id) { ${ALL_FIELDS} } }`;
const ME = `{ me(provider: PASSBOLT) { ${ALL_FIELDS} } }`;

/** Demo data plus a token still waiting for MFA, a record missing its username and one with an unreadable date. */
function edgeCaseData(): PassboltSimulatorData {
  const data = structuredClone(DEMO);
  const carol = (data.users as any[]).find((u) => u.id === CAROL);
  data.users.push({ ...structuredClone(carol), id: BROKEN, username: undefined });
  data.users.push({ ...structuredClone(carol), id: BAD_DATE, username: 'dates@passbolt.com', created: 'soon' });
  data.tokens[MFA_TOKEN] = ADA;
  data.mfaPending = { [MFA_TOKEN]: ['totp'] };
  return data;
}

function expectOneError(res: GraphQLResult, field: string, extensions: Record<string, unknown>): void {
  expect(res.status).toBe(200);
  expect(res.body.data?.[field]).toBeNull();
  expect(res.body.errors).toHaveLength(1);
  expect(res.body.errors![0]).toMatchObject({ path: [field], extensions });
}

function expectNoSecret(res: GraphQLResult): void {
  for (const token of [ADA_TOKEN, CAROL_TOKEN, MFA_TOKEN]) expect(res.text).not.toContain(token);
  expect(res.text).not.toMatch(/Bearer/i);
}

describe('Passbolt through GraphQL', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ data: { passbolt: edgeCaseData() } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => stack.clearRequests());

  const passboltCalls = () => stack.sims.passbolt.requests();

  it('serves a user with every unified field and the PassboltUser extras', async () => {
    const res = await stack.gql(USER, { id: CAROL }, ADA_HEADERS);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.user).toEqual({
      ...passboltContract.known.unified,
      roleId: 'a58de6d3-f52c-5080-b79b-a601a647ac85',
      setupCompleted: true,
      deleted: false,
      disabled: null,
      isMfaEnabled: true,
      profile: {
        id: 'c7e16b71-6e28-4ff2-bb9e-1fcc1f44d598',
        firstName: 'Carol',
        lastName: 'Shaw',
        createdAt: '2024-07-10T08:30:00Z',
        updatedAt: '2024-07-12T10:02:41Z',
        avatar: {
          id: 'f96d9b47-c804-4d7b-8100-4e13bf1469df',
          urlMedium: 'https://passbolt.local/avatars/view/f96d9b47-c804-4d7b-8100-4e13bf1469df/medium.jpg',
          urlSmall: 'https://passbolt.local/avatars/view/f96d9b47-c804-4d7b-8100-4e13bf1469df/small.jpg',
          createdAt: '2024-07-12T10:02:41Z',
          updatedAt: '2024-07-12T10:02:41Z',
        },
      },
      role: {
        id: 'a58de6d3-f52c-5080-b79b-a601a647ac85',
        name: 'user',
        description: 'Logged in user',
        createdAt: '2012-07-04T13:39:25Z',
        updatedAt: '2012-07-04T13:39:25Z',
      },
      gpgkey: {
        id: 'b06ef5f7-f2ce-42a2-a49c-b9eac1d2d44d',
        fingerprint: 'C1840FB307949A8A602AA88D59DDE23701085708',
        keyId: '59DDE23701085708',
        bits: 256,
        uid: 'Carol Shaw <carol@passbolt.com>',
        type: 'ECC',
        expires: '2027-07-10T08:30:00Z',
        keyCreated: '2024-07-10T08:31:12Z',
        armoredKey: '-----BEGIN PGP PUBLIC KEY BLOCK-----',
        deleted: false,
        createdAt: '2024-07-10T08:32:05Z',
        updatedAt: '2024-07-10T08:32:05Z',
      },
      groupsUsers: [
        { id: '6a590c11-7be4-4114-b7d5-210e8e544698', groupId: '8a3c5c4e-e931-4e6b-854a-9b2e9afcd3bc', isAdmin: false, createdAt: '2024-07-22T16:01:07Z' },
        { id: '58ab1a0e-41d3-43e4-9dbf-26f2709919d9', groupId: '6e62b9bd-4289-41dc-be78-abf615160b39', isAdmin: true, createdAt: '2024-08-01T11:00:00Z' },
      ],
    });
    expect(passboltCalls().map((r) => [r.path, r.headers.authorization])).toEqual([[`/users/${CAROL}.json`, `Bearer ${ADA_TOKEN}`]]);
  });

  it('serves me from /users/me.json with the caller\'s own token', async () => {
    const res = await stack.gql(ME, undefined, ADA_HEADERS);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.me).toMatchObject({
      id: ADA,
      username: 'ada@passbolt.com',
      email: 'ada@passbolt.com',
      displayName: 'Ada Lovelace',
      active: true,
      createdAt: '2019-02-17T14:45:22Z',
      lastLoginAt: null,
      roles: [{ value: 'admin', scope: null }],
      gpgkey: { keyId: '5D9B054F', bits: 4096, expires: '2019-08-09T12:48:31Z' },
    });
    expect(passboltCalls().map((r) => [r.path, r.headers.authorization])).toEqual([['/users/me.json', `Bearer ${ADA_TOKEN}`]]);
  });

  it('serves me for a regular user', async () => {
    const res = await stack.gql(`{ me(provider: PASSBOLT) { id displayName roles { value } ... on PassboltUser { isMfaEnabled } } }`, undefined, CAROL_HEADERS);
    expect(res.body.data.me).toEqual({ id: CAROL, displayName: 'Carol Shaw', roles: [{ value: 'user' }], isMfaEnabled: true });
  });

  it('serves the v5 OpenAPI example user: a group manager whose key never expires', async () => {
    const res = await stack.gql(USER, { id: V5_EXAMPLE }, ADA_HEADERS);
    expect(res.body.data.user).toMatchObject({
      username: 'ada@passbolt.local',
      avatarUrl: 'https://passbolt.local/img/avatar/user_medium.png',
      groupsUsers: [{ groupId: '8a3c5c4e-e931-4e6b-854a-9b2e9afcd3bc', isAdmin: true }],
      gpgkey: { keyId: 'D277E7A2E45418A0', expires: null },
      isMfaEnabled: false,
    });
  });

  it('reports a disabled user as inactive, and a not-set-up user as inactive to admins only', async () => {
    const query = `query($id: ID!) { user(provider: PASSBOLT, id: $id) { active ... on PassboltUser { setupCompleted disabled gpgkey { id } } } }`;
    expect((await stack.gql(query, { id: FRANCES_DISABLED }, ADA_HEADERS)).body.data.user).toEqual({ active: false, setupCompleted: true, disabled: '2025-01-15T16:20:00Z', gpgkey: { id: 'a4da4d24-dcb9-4810-b91b-ae07906898db' } });
    expect((await stack.gql(query, { id: EDITH_NOT_SET_UP }, ADA_HEADERS)).body.data.user).toEqual({ active: false, setupCompleted: false, disabled: null, gpgkey: null });
    expectOneError(await stack.gql(query, { id: EDITH_NOT_SET_UP }, CAROL_HEADERS), 'user', { code: 'NOT_FOUND', provider: 'PASSBOLT' });
  });

  it('answers NOT_FOUND with user null for an unknown and a deleted user', async () => {
    for (const id of [UNKNOWN, KATHLEEN_DELETED]) {
      expectOneError(await stack.gql(USER, { id }, ADA_HEADERS), 'user', { code: 'NOT_FOUND', provider: 'PASSBOLT' });
    }
  });

  it('answers UNAUTHENTICATED with no upstream call when the token is missing or malformed', async () => {
    expectOneError(await stack.gql(USER, { id: ADA }), 'user', { code: 'UNAUTHENTICATED', provider: 'PASSBOLT', reason: 'MISSING_CREDENTIALS' });
    expectOneError(await stack.gql(ME), 'me', { code: 'UNAUTHENTICATED', provider: 'PASSBOLT', reason: 'MISSING_CREDENTIALS' });
    const long = { 'X-Passbolt-Token': 'a'.repeat(5000) };
    expectOneError(await stack.gql(USER, { id: ADA }, long), 'user', { code: 'UNAUTHENTICATED', provider: 'PASSBOLT', reason: 'MALFORMED_CREDENTIALS' });
    expect(passboltCalls()).toHaveLength(0);
  });

  it('answers UNAUTHENTICATED when Passbolt refuses the token, and MFA_REQUIRED while MFA is pending', async () => {
    const wrong = await stack.gql(USER, { id: ADA }, { 'X-Passbolt-Token': 'eyJ.not-issued.token' });
    expectOneError(wrong, 'user', { code: 'UNAUTHENTICATED', provider: 'PASSBOLT' });
    expect(wrong.text).not.toContain('not-issued');
    const mfa = await stack.gql(ME, undefined, { 'X-Passbolt-Token': MFA_TOKEN });
    expectOneError(mfa, 'me', { code: 'UNAUTHENTICATED', provider: 'PASSBOLT', reason: 'MFA_REQUIRED' });
    expectNoSecret(mfa);
  });

  it('answers PROVIDER_BAD_RESPONSE for a record outside the contract, naming the field', async () => {
    const res = await stack.gql(USER, { id: BROKEN }, ADA_HEADERS);
    expectOneError(res, 'user', { code: 'PROVIDER_BAD_RESPONSE', provider: 'PASSBOLT' });
    expect(res.body.errors![0].message).toMatch(/body\.username/);
  });

  it('turns an unreadable date into an error on that field while the rest of the user resolves', async () => {
    const res = await stack.gql(`query($id: ID!) { user(provider: PASSBOLT, id: $id) { id createdAt updatedAt } }`, { id: BAD_DATE }, ADA_HEADERS);
    expect(res.body.data.user).toEqual({ id: BAD_DATE, createdAt: null, updatedAt: '2024-11-05T09:14:27Z' });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({ path: ['user', 'createdAt'], extensions: { code: 'PROVIDER_BAD_RESPONSE', provider: 'PASSBOLT' } });
    expect(res.text).not.toContain('soon');
  });

  it('costs exactly one upstream call for 10 aliases of one user, whatever the UUID\'s case', async () => {
    const aliases = Array.from({ length: 10 }, (_, i) => `u${i}: user(provider: PASSBOLT, id: "${i % 2 ? ADA.toUpperCase() : ADA}") { id displayName }`).join('\n');
    const res = await stack.gql(`{ ${aliases} }`, undefined, ADA_HEADERS);
    expect(res.body.errors).toBeUndefined();
    expect(Object.values(res.body.data)).toEqual(Array(10).fill({ id: ADA, displayName: 'Ada Lovelace' }));
    expect(passboltCalls().map((r) => r.path)).toEqual([`/users/${ADA}.json`]);
  });

  it('fetches distinct users as one parallel view each, with partial failure', async () => {
    const res = await stack.gql(
      `{ a: user(provider: PASSBOLT, id: "${ADA}") { id } b: user(provider: PASSBOLT, id: "${CAROL}") { id } c: user(provider: PASSBOLT, id: "${UNKNOWN}") { id } }`,
      undefined,
      ADA_HEADERS,
    );
    expect(res.body.data).toEqual({ a: { id: ADA }, b: { id: CAROL }, c: null });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({ path: ['c'], extensions: { code: 'NOT_FOUND', provider: 'PASSBOLT' } });
    expect(passboltCalls().map((r) => r.path).sort()).toEqual([ADA, CAROL, UNKNOWN].map((id) => `/users/${id}.json`).sort());
  });

  it('never sends a token back, in data or in errors', async () => {
    const responses = await Promise.all([
      stack.gql(USER, { id: CAROL }, ADA_HEADERS),
      stack.gql(ME, undefined, CAROL_HEADERS),
      stack.gql(USER, { id: UNKNOWN }, ADA_HEADERS),
      stack.gql(USER, { id: BROKEN }, CAROL_HEADERS),
    ]);
    responses.forEach(expectNoSecret);
  });
});

describe('Passbolt through GraphQL when Passbolt is down', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await stack.sims.passbolt.close();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers PROVIDER_UNAVAILABLE with user and me null', async () => {
    expectOneError(await stack.gql(USER, { id: ADA }, ADA_HEADERS), 'user', { code: 'PROVIDER_UNAVAILABLE', provider: 'PASSBOLT' });
    expectOneError(await stack.gql(ME, undefined, ADA_HEADERS), 'me', { code: 'PROVIDER_UNAVAILABLE', provider: 'PASSBOLT' });
  });
});
