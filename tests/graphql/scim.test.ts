import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulators/http-simulator.js';
import type { ScimSimulatorData } from '../../src/simulators/scim/index.js';
import demoData from '../../src/simulators/scim/demo-data.json' with { type: 'json' };
import { startStack, type GraphQLResult, type Stack } from '../helpers/stack.js';

const DEMO = demoData as ScimSimulatorData;
const BJENSEN = '2819c223-7f76-453a-919d-413861904646';
const JSMITH = '26118915-6090-4610-87e4-49d8ca9f808d';
const ZOE = '7c1f4e2a-9d3b-4c8e-a5f1-2b6d8e0c4a97';
const JURGEN = 'b5e8d2c4-1a7f-4e39-8c6d-0f2a4b6c8e13';
const UNKNOWN = '5f0c3e7a-0000-4000-8000-000000000000';
const TOKEN = 'scim-demo-bjensen-4f8c2a9e71d3b5';
const HEADERS = { 'X-Scim-Token': TOKEN };
const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:User';

const ALL_FIELDS = `
  id provider username email displayName givenName middleName familyName active
  createdAt updatedAt lastLoginAt locale timezone phone avatarUrl
  groups { id provider groupId name description }
  roles { value scope }
  ... on ScimUser {
    externalId nickName profileUrl title userType preferredLanguage schemas
    name { formatted familyName givenName middleName honorificPrefix honorificSuffix }
    emails { value type primary display }
    phoneNumbers { value type primary display }
    photos { value type primary display }
    enterprise { employeeNumber costCenter organization division department manager { value displayName } }
    extensions
  }
`;
const USER = `query($id: ID!) { user(provider: SCIM, id: $id) { ${ALL_FIELDS} } }`;
const ME = `{ me(provider: SCIM) { id username ... on ScimUser { externalId enterprise { manager { value } } } } }`;
const THREE = `query($a: ID!, $b: ID!, $c: ID!) {
  a: user(provider: SCIM, id: $a) { id username }
  b: user(provider: SCIM, id: $b) { id username }
  c: user(provider: SCIM, id: $c) { id username }
}`;

function expectOneError(res: GraphQLResult, field: string, extensions: Record<string, unknown>): { message: string } {
  expect(res.status).toBe(200);
  expect(res.body.data?.[field]).toBeNull();
  expect(res.body.errors).toHaveLength(1);
  expect(res.body.errors[0]).toMatchObject({ path: [field], extensions });
  return res.body.errors[0];
}

function scimSim(stack: Stack): RunningSimulator {
  return (stack.sims as unknown as { scim: RunningSimulator }).scim;
}

describe('SCIM through GraphQL', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ data: { scim: structuredClone(DEMO) } as never });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => scimSim(stack).clearRequests());

  it('serves a user with every unified field and the ScimUser extras', async () => {
    const res = await stack.gql(USER, { id: BJENSEN }, HEADERS);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.user).toMatchObject({
      id: BJENSEN,
      provider: 'SCIM',
      username: 'bjensen@example.com',
      email: 'bjensen@example.com',
      displayName: 'Babs Jensen',
      givenName: 'Barbara',
      middleName: 'Jane',
      familyName: 'Jensen',
      active: true,
      createdAt: '2010-01-23T04:56:22Z',
      updatedAt: '2011-05-13T04:42:34Z',
      lastLoginAt: null,
      locale: 'en-US',
      timezone: 'America/Los_Angeles',
      phone: '555-555-5555',
      avatarUrl: 'https://photos.example.com/profilephoto/72930000000Ccne/F',
      roles: [{ value: 'tour-guide', scope: null }],
      externalId: '701984',
      nickName: 'Babs',
      title: 'Tour Guide',
      userType: 'Employee',
      name: { formatted: 'Ms. Barbara J Jensen, III', honorificPrefix: 'Ms.', honorificSuffix: 'III' },
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: true, display: null },
        { value: 'babs@jensen.org', type: 'home', primary: false, display: null },
      ],
      enterprise: {
        employeeNumber: '701984',
        costCenter: '4130',
        organization: 'Universal Studios',
        division: 'Theme Park',
        department: 'Tour Operations',
        manager: { value: JSMITH, displayName: 'John Smith' },
      },
      extensions: null,
    });
    const groups = res.body.data.user.groups;
    expect(groups).toContainEqual({ id: 'SCIM:e9e30dba-f08f-4109-8486-d5c6a331660a', provider: 'SCIM', groupId: 'e9e30dba-f08f-4109-8486-d5c6a331660a', name: 'Tour Guides', description: null });
    expect(scimSim(stack).requests().map((r) => r.path)).toEqual([`/scim/v2/Users/${BJENSEN}`]);
  });

  it('serves vendor extensions as JSON keyed by their URN', async () => {
    const res = await stack.gql(USER, { id: ZOE }, HEADERS);
    expect(res.body.data.user.extensions).toEqual({ [ACME]: { badgeNumber: 'A-1842', clearance: 'lab-2', floors: [3, 4] } });
    expect(res.body.data.user.enterprise).toBeNull();
  });

  it('serves me from /Me with the caller token', async () => {
    const res = await stack.gql(ME, undefined, HEADERS);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.me).toEqual({ id: BJENSEN, username: 'bjensen@example.com', externalId: '701984', enterprise: { manager: { value: JSMITH } } });
    expect(scimSim(stack).requests().map((r) => r.path)).toEqual(['/scim/v2/Me']);
  });

  it('reads three users in one operation with one filtered upstream call', async () => {
    const res = await stack.gql(THREE, { a: JSMITH, b: ZOE, c: JURGEN }, HEADERS);
    expect(res.body.errors).toBeUndefined();
    expect([res.body.data.a.id, res.body.data.b.id, res.body.data.c.id]).toEqual([JSMITH, ZOE, JURGEN]);
    const requests = scimSim(stack).requests();
    expect(requests).toHaveLength(1);
    expect(new URLSearchParams(requests[0]!.path.split('?')[1]).get('filter')).toBe(`id eq "${JSMITH}" or id eq "${ZOE}" or id eq "${JURGEN}"`);
  });

  it('answers an unknown id with NOT_FOUND and null, next to the users that exist', async () => {
    const res = await stack.gql(THREE, { a: JSMITH, b: UNKNOWN, c: ZOE }, HEADERS);
    expect(res.body.data.a.id).toBe(JSMITH);
    expect(res.body.data.c.id).toBe(ZOE);
    expectOneError(res, 'b', { code: 'NOT_FOUND', provider: 'SCIM' });
    expect(scimSim(stack).requests()).toHaveLength(1);
  });

  it('refuses a refused token with UNAUTHENTICATED and never echoes it', async () => {
    const res = await stack.gql(USER, { id: BJENSEN }, { 'X-Scim-Token': 'scim-not-a-valid-token-5c2e' });
    expectOneError(res, 'user', { code: 'UNAUTHENTICATED', provider: 'SCIM' });
    expect(res.text).not.toContain('scim-not-a-valid-token-5c2e');
    expect(res.text).not.toMatch(/Bearer/i);
  });

  it('asks for the token before any upstream call', async () => {
    const missing = await stack.gql(USER, { id: BJENSEN }, {});
    expectOneError(missing, 'user', { code: 'UNAUTHENTICATED', provider: 'SCIM', reason: 'MISSING_CREDENTIALS' });
    const scheme = await stack.gql(USER, { id: BJENSEN }, { 'X-Scim-Token': `Bearer ${TOKEN}` });
    const error = expectOneError(scheme, 'user', { code: 'UNAUTHENTICATED', provider: 'SCIM', reason: 'MALFORMED_CREDENTIALS' });
    expect(error.message).toMatch(/without "Bearer"/);
    expect(scheme.text).not.toContain(TOKEN);
    expect(scimSim(stack).requests()).toHaveLength(0);
  });

  it('refuses ids that can never be SCIM ids without an upstream call', async () => {
    for (const id of ['', '.', '..', 'a\u0000b']) {
      expectOneError(await stack.gql(USER, { id }, HEADERS), 'user', { code: 'BAD_USER_INPUT', provider: 'SCIM' });
    }
    expect(scimSim(stack).requests()).toHaveLength(0);
  });
});

describe('SCIM through GraphQL on a server without filtering or /Me', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ data: { scim: { ...structuredClone(DEMO), filter: false, me: 'unsupported' } } as never });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => scimSim(stack).clearRequests());

  it('reads three users with single GETs once the server refused the filter', async () => {
    const first = await stack.gql(THREE, { a: JSMITH, b: ZOE, c: JURGEN }, HEADERS);
    expect(first.body.errors).toBeUndefined();
    expect([first.body.data.a.id, first.body.data.b.id, first.body.data.c.id]).toEqual([JSMITH, ZOE, JURGEN]);
    // The refused filtered read, then one GET per id.
    expect(scimSim(stack).requests()).toHaveLength(4);
    scimSim(stack).clearRequests();
    const second = await stack.gql(THREE, { a: BJENSEN, b: ZOE, c: UNKNOWN }, HEADERS);
    expect(second.body.data.a.id).toBe(BJENSEN);
    expectOneError(second, 'c', { code: 'NOT_FOUND', provider: 'SCIM' });
    expect(scimSim(stack).requests().map((r) => r.path).sort()).toEqual([BJENSEN, ZOE, UNKNOWN].map((id) => `/scim/v2/Users/${id}`).sort());
  });

  it('fails me with PROVIDER_UNAVAILABLE ME_NOT_SUPPORTED and a clear message', async () => {
    const res = await stack.gql(ME, undefined, HEADERS);
    const error = expectOneError(res, 'me', { code: 'PROVIDER_UNAVAILABLE', provider: 'SCIM', reason: 'ME_NOT_SUPPORTED' });
    expect(error.message).toMatch(/does not implement \/Me/);
    const again = await stack.gql(ME, undefined, HEADERS);
    expectOneError(again, 'me', { reason: 'ME_NOT_SUPPORTED' });
    expect(scimSim(stack).requests()).toHaveLength(1);
  });

  it('leaves the other fields of the operation intact when me fails', async () => {
    const res = await stack.gql(`{ me(provider: SCIM) { id } u: user(provider: SCIM, id: "${ZOE}") { id } }`, undefined, HEADERS);
    expect(res.body.data.u).toEqual({ id: ZOE });
    expect(res.body.data.me).toBeNull();
  });
});
