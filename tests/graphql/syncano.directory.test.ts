import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SyncanoSimulatorData } from '../../src/simulators/syncano/index.js';
import demoData from '../../src/simulators/syncano/demo-data.json' with { type: 'json' };
import { startStack, type GraphQLResult, type Stack } from '../helpers/stack.js';

const DEMO = demoData as SyncanoSimulatorData;
const DEMO_USERS = DEMO.users as Array<{ id: number; user_key: string; groups: Array<{ id: number }> }>;
const DEMO_IDS = DEMO_USERS.map((u) => String(u.id));
const WITCHERS = DEMO_USERS.filter((u) => u.groups.some((g) => g.id === 1)).map((u) => String(u.id));
const ACCOUNT = { 'X-Syncano-Api-Key': DEMO.accountKeys![0]! };
const IGNORE_ACL_KEY = DEMO.apiKeys[0] as string;
const RESTRICTED_KEY = (DEMO.apiKeys.find((k) => typeof k !== 'string') as { key: string }).key;
const GERALT_KEY = DEMO_USERS[0]!.user_key;

const USERS = `query($filter: UserFilter, $first: Int, $after: String) {
  users(provider: SYNCANO, filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id username email active ... on SyncanoUser { syncanoGroups { id label } } } }
  }
}`;
const GROUP = `query($id: ID!, $first: Int, $after: String) {
  group(provider: SYNCANO, id: $id) {
    groupId name description
    members(first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { id username } } }
  }
}`;

const nodeIds = (connection: { edges: Array<{ node: { id: string } }> }) => connection.edges.map((e) => e.node.id);

/** No user key, nor the word, anywhere in a response. */
function expectNoUserKey(res: GraphQLResult) {
  expect(res.text).not.toContain('user_key');
  for (const user of DEMO_USERS) expect(res.text).not.toContain(user.user_key);
}

describe('Syncano directory through GraphQL', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => stack.clearRequests());

  const calls = () => stack.sims.syncano.requests();

  /** Every page of `users` from the first, following `endCursor`. */
  async function everyPage(variables: Record<string, unknown>, headers: Record<string, string> = ACCOUNT): Promise<GraphQLResult[]> {
    const pages: GraphQLResult[] = [];
    let after: string | undefined;
    for (;;) {
      const res = await stack.gql(USERS, { ...variables, after }, headers);
      expect(res.body.errors).toBeUndefined();
      expectNoUserKey(res);
      pages.push(res);
      if (!res.body.data.users.pageInfo.hasNextPage) return pages;
      after = res.body.data.users.pageInfo.endCursor;
    }
  }

  it('pages through every user two at a time: no gap, no duplicate, one Syncano call per page', async () => {
    const pages = await everyPage({ first: 2 });
    expect(pages.map((p) => nodeIds(p.body.data.users))).toEqual([DEMO_IDS.slice(0, 2), DEMO_IDS.slice(2, 4), DEMO_IDS.slice(4, 6), DEMO_IDS.slice(6)]);
    expect(pages.every((p) => p.body.data.users.totalCount === null && p.body.data.users.pageInfo.hasPreviousPage === false)).toBe(true);
    expect(calls().map((r) => r.path)).toEqual([
      '/v1.1/instances/rivia/users/?page_size=2',
      '/v1.1/instances/rivia/users/?page_size=2&direction=1&last_pk=2',
      '/v1.1/instances/rivia/users/?page_size=2&direction=1&last_pk=4',
      '/v1.1/instances/rivia/users/?page_size=2&direction=1&last_pk=6',
    ]);
  });

  it('resumes from any edge cursor, not only endCursor', async () => {
    const first = await stack.gql(USERS, { first: 3 }, ACCOUNT);
    const rest = await stack.gql(USERS, { first: 10, after: first.body.data.users.edges[0].cursor }, ACCOUNT);
    expect(nodeIds(rest.body.data.users)).toEqual(DEMO_IDS.slice(1));
  });

  it('answers the groupId filter from the group member list', async () => {
    const pages = await everyPage({ first: 2, filter: { groupId: '1' } });
    expect(pages.flatMap((p) => nodeIds(p.body.data.users))).toEqual(WITCHERS);
    expect(pages).toHaveLength(2);
    expect(calls().every((r) => r.path.startsWith('/v1.1/instances/rivia/groups/1/users/?'))).toBe(true);
    expect(calls()).toHaveLength(2);
  });

  it('refuses search and email with FILTER_NOT_SUPPORTED before any call', async () => {
    for (const filter of [{ search: 'ger' }, { email: 'yennefer@vengerberg.example' }]) {
      const res = await stack.gql(USERS, { filter, first: 5 }, ACCOUNT);
      expect(res.body.data.users).toBeNull();
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'SYNCANO', reason: 'FILTER_NOT_SUPPORTED' });
      expect(res.body.errors[0].message).toContain(`filter.${Object.keys(filter)[0]}`);
    }
    expect(calls()).toHaveLength(0);
  });

  it('answers active: false with no users and no call', async () => {
    const res = await stack.gql(USERS, { filter: { active: false }, first: 5 }, ACCOUNT);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.users.edges).toEqual([]);
    expect(calls()).toHaveLength(0);
  });

  it('lists only the caller for an API key with a user key, and refuses an API key without ignore_acl', async () => {
    const own = await stack.gql(USERS, { first: 20 }, { 'X-Syncano-Api-Key': RESTRICTED_KEY, 'X-Syncano-User-Key': GERALT_KEY });
    expect(own.body.errors).toBeUndefined();
    expect(nodeIds(own.body.data.users)).toEqual(['1']);
    expectNoUserKey(own);
    const refused = await stack.gql(USERS, { first: 20 }, { 'X-Syncano-Api-Key': RESTRICTED_KEY });
    expect(refused.body.data.users).toBeNull();
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', provider: 'SYNCANO' });
    expectNoUserKey(refused);
  });

  it('answers UNAUTHENTICATED without a call when no API key is sent', async () => {
    const res = await stack.gql(USERS, { first: 5 }, {});
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', provider: 'SYNCANO' });
    expect(calls()).toHaveLength(0);
  });

  it('reads a group and pages through its members with their cursors', async () => {
    const first = await stack.gql(GROUP, { id: '1', first: 2 }, ACCOUNT);
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data.group).toMatchObject({ groupId: '1', name: 'witchers', description: '' });
    expect(nodeIds(first.body.data.group.members)).toEqual(WITCHERS.slice(0, 2));
    expect(first.body.data.group.members.pageInfo.hasNextPage).toBe(true);
    const second = await stack.gql(GROUP, { id: '1', first: 2, after: first.body.data.group.members.pageInfo.endCursor }, ACCOUNT);
    expect(nodeIds(second.body.data.group.members)).toEqual(WITCHERS.slice(2));
    expect(second.body.data.group.members.pageInfo.hasNextPage).toBe(false);
    const middle = await stack.gql(GROUP, { id: '1', first: 5, after: first.body.data.group.members.edges[0].cursor }, ACCOUNT);
    expect(nodeIds(middle.body.data.group.members)).toEqual(WITCHERS.slice(1));
    expectNoUserKey(second);
  });

  it('answers NOT_FOUND for an unknown group and BAD_USER_INPUT for a malformed id without a call', async () => {
    const missing = await stack.gql(GROUP, { id: '999' }, ACCOUNT);
    expect(missing.body.data.group).toBeNull();
    expect(missing.body.errors[0].extensions).toMatchObject({ code: 'NOT_FOUND', provider: 'SYNCANO' });
    stack.clearRequests();
    const malformed = await stack.gql(GROUP, { id: 'witchers' }, ACCOUNT);
    expect(malformed.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'SYNCANO' });
    expect(calls()).toHaveLength(0);
  });

  it('shows an API key with a user key only its own membership, and refuses members to the API key alone', async () => {
    const own = await stack.gql(GROUP, { id: '1' }, { 'X-Syncano-Api-Key': IGNORE_ACL_KEY, 'X-Syncano-User-Key': GERALT_KEY });
    expect(nodeIds(own.body.data.group.members)).toEqual(['1']);
    const alone = await stack.gql(GROUP, { id: '1' }, { 'X-Syncano-Api-Key': IGNORE_ACL_KEY });
    expect(alone.body.data.group.name).toBe('witchers');
    expect(alone.body.data.group.members).toBeNull();
    expect(alone.body.errors[0]).toMatchObject({ path: ['group', 'members'], extensions: { code: 'FORBIDDEN', provider: 'SYNCANO' } });
  });

  it('refuses a cursor of the user list on the groupId-filtered list, without a call', async () => {
    const page = await stack.gql(USERS, { first: 1 }, ACCOUNT);
    stack.clearRequests();
    const res = await stack.gql(USERS, { first: 1, filter: { groupId: '1' }, after: page.body.data.users.pageInfo.endCursor }, ACCOUNT);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'SYNCANO' });
    expect(calls()).toHaveLength(0);
  });
});

describe('Syncano directory through GraphQL (generated users)', () => {
  let stack: Stack;
  const COUNT = 230;
  beforeAll(async () => {
    const users = Array.from({ length: COUNT }, (_, i) => ({
      id: i + 1,
      username: `user${i + 1}`,
      user_key: `${(i + 1).toString(16).padStart(39, 'b')}2`,
      profile: { id: 500 + i, owner: i + 1 },
      groups: [],
      links: {},
    }));
    stack = await startStack({ data: { syncano: { ...structuredClone(DEMO), users } } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('reads 230 users in pages of 100 with one call each', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const res = await stack.gql(USERS, { first: 100, after }, ACCOUNT);
      expect(res.body.errors).toBeUndefined();
      expect(res.text).not.toContain('user_key');
      pages++;
      seen.push(...nodeIds(res.body.data.users));
      if (!res.body.data.users.pageInfo.hasNextPage) break;
      after = res.body.data.users.pageInfo.endCursor;
    }
    expect(seen).toEqual(Array.from({ length: COUNT }, (_, i) => String(i + 1)));
    expect(pages).toBe(3);
    expect(stack.sims.syncano.requests()).toHaveLength(3);
  });
});
