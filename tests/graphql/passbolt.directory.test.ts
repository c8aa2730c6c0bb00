import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import type { PassboltSimulatorData } from '../../src/simulators/passbolt/index.js';
import demoData from '../../src/simulators/passbolt/demo-data.json' with { type: 'json' };
import { startStack, type GraphQLResult, type Stack } from '../helpers/stack.js';

const DEMO = demoData as PassboltSimulatorData;
const CAROL = 'd1db2a3e-1676-4440-bc34-1aacc89fa90f';
const FRANCES_DISABLED = 'f9235c17-6c07-4555-9ba4-ffea1d724849';
const EDITH_NOT_SET_UP = '00d1fdda-111c-470c-9d3d-d7b4fcb4cb93';
const LEADERSHIP = '8a3c5c4e-e931-4e6b-854a-9b2e9afcd3bc';
const ACCOUNTING = '6e62b9bd-4289-41dc-be78-abf615160b39';
const ADA = { 'X-Passbolt-Token': DEMO_CREDENTIALS.PASSBOLT['X-Passbolt-Token'] };
const CAROL_HEADERS = { 'X-Passbolt-Token': Object.entries(DEMO.tokens).find(([, id]) => id === CAROL)![0] };
const GENERATED = 31;

/** The demo data plus generated set-up members of Accounting, `member-00@example.com` … */
function largeData(): PassboltSimulatorData {
  const data = structuredClone(DEMO);
  const template = (data.users as any[]).find((u) => u.id === CAROL);
  for (let i = 0; i < GENERATED; i++) {
    const n = String(i).padStart(2, '0');
    const user = structuredClone(template);
    user.id = `1111${n}00-0000-4000-8000-0000000000${n}`;
    user.username = `member-${n}@example.com`;
    user.profile.first_name = `Member${n}`;
    user.profile.last_name = 'Generated';
    user.groups_users = [{ ...template.groups_users[0], group_id: ACCOUNTING, user_id: user.id }];
    data.users.push(user);
  }
  return data;
}

const USERS = `query($filter: UserFilter, $first: Int, $after: String) {
  users(provider: PASSBOLT, filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id username email active } }
  }
}`;
const GROUP = `query($id: ID!, $first: Int, $after: String) {
  group(provider: PASSBOLT, id: $id) {
    groupId name description
    members(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id username } } }
  }
}`;

const usernames = (res: GraphQLResult) => res.body.data.users.edges.map((e: any) => e.node.username as string);

describe('Passbolt directory through GraphQL', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ data: { passbolt: largeData() } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => stack.clearRequests());

  const listCalls = () => stack.sims.passbolt.requests().filter((r) => r.path.startsWith('/users.json'));
  const query = (call: { path: string }) => new URL(call.path, 'http://x').searchParams;

  /** Every page of `users`, following `endCursor`. */
  async function everyPage(variables: Record<string, unknown>, headers: Record<string, string> = ADA): Promise<GraphQLResult[]> {
    const pages: GraphQLResult[] = [];
    let after: string | undefined;
    for (;;) {
      const res = await stack.gql(USERS, { ...variables, after }, headers);
      expect(res.body.errors).toBeUndefined();
      pages.push(res);
      if (!res.body.data.users.pageInfo.hasNextPage) return pages;
      after = res.body.data.users.pageInfo.endCursor;
    }
  }

  it('pages forward through more users than a page holds: no gap, no duplicate, one Passbolt call per page', async () => {
    const whole = await stack.gql(USERS, { first: 100 }, ADA);
    const all = usernames(whole);
    expect(all.length).toBeGreaterThan(GENERATED);
    expect(whole.body.data.users.totalCount).toBe(all.length);
    stack.clearRequests();

    const pages = await everyPage({ first: 6 });
    expect(pages.flatMap(usernames)).toEqual(all);
    expect(pages).toHaveLength(Math.ceil(all.length / 6));
    expect(pages.every((p) => p.body.data.users.totalCount === all.length && p.body.data.users.pageInfo.hasPreviousPage === false)).toBe(true);
    expect(listCalls().map((c) => [query(c).get('page'), query(c).get('limit')])).toEqual(pages.map((_, i) => [String(i + 1), '6']));
  });

  it('resumes right after any edge\'s cursor', async () => {
    const first = await stack.gql(USERS, { first: 5 }, ADA);
    const all = usernames(await stack.gql(USERS, { first: 100 }, ADA));
    const resumed = await stack.gql(USERS, { first: 4, after: first.body.data.users.edges[1].cursor }, ADA);
    expect(usernames(resumed)).toEqual(all.slice(2, 6));
  });

  it('searches natively with filter[search] over username and names', async () => {
    const res = await stack.gql(USERS, { filter: { search: 'member1' }, first: 3 }, ADA);
    expect(usernames(res)).toEqual(['member-10@example.com', 'member-11@example.com', 'member-12@example.com']);
    expect(res.body.data.users.totalCount).toBe(10);
    expect(query(listCalls()[0]!).get('filter[search]')).toBe('member1');
  });

  it('matches an email exactly, case-insensitively', async () => {
    const res = await stack.gql(USERS, { filter: { email: 'Member-01@Example.com' } }, ADA);
    expect(res.body.data.users).toMatchObject({ totalCount: 1, pageInfo: { hasNextPage: false } });
    expect(usernames(res)).toEqual(['member-01@example.com']);
    expect(listCalls()).toHaveLength(1);
  });

  it('filters on the unified active flag', async () => {
    const inactive = await everyPage({ filter: { active: false }, first: 1 });
    expect(inactive.flatMap((p) => p.body.data.users.edges.map((e: any) => e.node.id)).sort()).toEqual([EDITH_NOT_SET_UP, FRANCES_DISABLED].sort());
    const active = await stack.gql(USERS, { filter: { active: true }, first: 100 }, ADA);
    expect(active.body.data.users.edges.every((e: any) => e.node.active === true)).toBe(true);
    expect(active.body.data.users.totalCount).toBe(active.body.data.users.edges.length);
  });

  it('filters by group with filter[has-groups][] and serves the group with its members', async () => {
    const members = await everyPage({ filter: { groupId: ACCOUNTING }, first: 10 });
    expect(members.flatMap(usernames)).toHaveLength(GENERATED + 2);
    expect(listCalls().every((c) => query(c).get('filter[has-groups][]') === ACCOUNTING)).toBe(true);

    stack.clearRequests();
    const res = await stack.gql(GROUP, { id: LEADERSHIP, first: 1 }, CAROL_HEADERS);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.group).toMatchObject({ groupId: LEADERSHIP, name: 'Leadership', description: null });
    expect(res.body.data.group.members).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true } });
    const next = await stack.gql(GROUP, { id: LEADERSHIP, first: 1, after: res.body.data.group.members.pageInfo.endCursor }, CAROL_HEADERS);
    const both = [res, next].flatMap((r) => r.body.data.group.members.edges.map((e: any) => e.node.username));
    expect(both).toEqual(['ada@passbolt.local', 'carol@passbolt.com']);
  });

  it('answers NOT_FOUND for an unknown group and BAD_USER_INPUT for a group id that is not a UUID', async () => {
    const missing = await stack.gql(GROUP, { id: '20d1fa38-7d83-4006-bc4a-32d52c0ce93d' }, ADA);
    expect(missing.body.data.group).toBeNull();
    expect(missing.body.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', provider: 'PASSBOLT' });
    stack.clearRequests();
    const bad = await stack.gql(USERS, { filter: { groupId: 'accounting' } }, ADA);
    expect(bad.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(stack.sims.passbolt.requests()).toHaveLength(0);
  });

  it('lets a regular user list, without the users who have not finished setup', async () => {
    const res = await stack.gql(USERS, { first: 100 }, CAROL_HEADERS);
    expect(res.body.errors).toBeUndefined();
    expect(usernames(res)).toContain('carol@passbolt.com');
    expect(usernames(res)).not.toContain('edith@passbolt.com');
  });

  it('needs a token: UNAUTHENTICATED without a Passbolt call', async () => {
    const res = await stack.gql(USERS, { first: 2 }, {});
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', provider: 'PASSBOLT' });
    expect(stack.sims.passbolt.requests()).toHaveLength(0);
  });

  it('asks Passbolt only for the parts of a user the query selects', async () => {
    await stack.gql(USERS, { first: 2 }, ADA);
    const q = query(listCalls()[0]!);
    expect(['profile', 'role', 'gpgkey', 'groups_users'].map((c) => q.get(`contain[${c}]`))).toEqual(['0', '0', '0', '0']);
  });
});
