import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BellaDatiSimulatorData } from '../../src/simulators/belladati/index.js';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * `users` and `group` on BellaDati through the gateway, over real HTTP against the simulator: the
 * domain's whole list read in one call per page and cut by the gateway, the filters, `totalCount`,
 * administrators only, and the domain taken from BELLADATI_DOMAIN or from the caller's own record.
 */
const CONSUMER = 'gql-directory-consumer';
const ADMIN = { 'X-BellaDati-Token': 'admin-token-45', 'X-BellaDati-Username': 'lead@example.com' };
const PLAIN = { 'X-BellaDati-Token': 'plain-token-45', 'X-BellaDati-Username': 'member03@example.com' };
const GLOBAL = { 'X-BellaDati-Token': 'global-token-7', 'X-BellaDati-Username': 'root@seven.example' };

const user = (id: string, username: string, extra: Record<string, unknown> = {}) => ({
  id,
  username,
  domain_id: '45',
  firstName: `Given${id}`,
  lastName: `Family${id}`,
  email: username,
  active: true,
  locale: 'en',
  roles: [] as Array<{ role: string }>,
  groups: [] as Array<{ id: string; name: string; description?: string }>,
  ...extra,
});

const SALES = { id: '56', name: 'Sales', description: 'Field sales' };
const MEMBERS = Array.from({ length: 10 }, (_, i) => {
  const n = String(i + 1).padStart(2, '0');
  return user(String(300 + i), `member${n}@example.com`, { active: i % 4 !== 1, groups: i % 3 === 0 ? [SALES] : [] });
});
const USERS = [
  user('200', ADMIN['X-BellaDati-Username'], { roles: [{ role: 'WORKSPACE_ADMIN' }], firstName: 'Leona', lastName: 'Lead', groups: [SALES] }),
  ...MEMBERS,
  user('700', GLOBAL['X-BellaDati-Username'], { domain_id: '7', roles: [{ role: 'ADMIN' }] }),
];
const DOMAIN_45 = USERS.filter((u) => u.domain_id === '45');

const DATA: BellaDatiSimulatorData = {
  consumerKey: CONSUMER,
  tokens: { [ADMIN['X-BellaDati-Token']]: '200', [PLAIN['X-BellaDati-Token']]: '302', [GLOBAL['X-BellaDati-Token']]: '700' },
  users: USERS,
};

const USERS_QUERY = `query ($first: Int, $after: String, $filter: UserFilter) {
  users(provider: BELLADATI, first: $first, after: $after, filter: $filter) {
    edges { cursor node { id username active ... on BellaDatiUser { domainId } } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}`;

type Edge = { cursor: string; node: { id: string; username: string; active: boolean; domainId: string } };

const listRequests = (stack: Stack) => stack.sims.belladati.requests().map((r) => r.path);

/** Follows `endCursor` to the end; every page's ids and totalCount, and the number of pages. */
async function walk(stack: Stack, headers: Record<string, string>, variables: Record<string, unknown>) {
  const ids: string[] = [];
  const totals: number[] = [];
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const res = await stack.gql(USERS_QUERY, { ...variables, after }, headers);
    expect(res.body.errors).toBeUndefined();
    const connection = res.body.data.users;
    pages++;
    ids.push(...connection.edges.map((e: Edge) => e.node.id));
    totals.push(connection.totalCount);
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return { ids, totals, pages };
}

describe('BellaDati directory through GraphQL, domain from the caller', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ data: { belladati: DATA } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => stack.clearRequests());

  it('pages forward two at a time with no duplicates or gaps; each page is one list call plus the domain lookup', async () => {
    const { ids, totals, pages } = await walk(stack, ADMIN, { first: 2 });
    expect(ids).toEqual(DOMAIN_45.map((u) => u.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages).toBe(Math.ceil(DOMAIN_45.length / 2));
    expect(totals.every((t) => t === DOMAIN_45.length)).toBe(true);
    const requests = listRequests(stack);
    expect(requests.filter((p) => p === '/api/domains/45/users')).toHaveLength(pages);
    expect(requests.filter((p) => p === `/api/users/username/${encodeURIComponent(ADMIN['X-BellaDati-Username'])}`)).toHaveLength(pages);
    expect(requests).toHaveLength(2 * pages);
  });

  it('serves full users whose domain is the caller’s', async () => {
    const res = await stack.gql(USERS_QUERY, { first: 1 }, ADMIN);
    expect(res.body.data.users.edges[0].node).toEqual({ id: '200', username: 'lead@example.com', active: true, domainId: '45' });
  });

  it('filters by group natively (userGroup_id), with totalCount the members’ count', async () => {
    const expected = DOMAIN_45.filter((u) => u.groups.some((g) => g.id === '56')).map((u) => u.id);
    const { ids, totals } = await walk(stack, ADMIN, { first: 2, filter: { groupId: '56' } });
    expect(ids).toEqual(expected);
    expect(totals[0]).toBe(expected.length);
    expect(listRequests(stack).filter((p) => p.startsWith('/api/domains/'))).toSatisfy((paths: string[]) =>
      paths.length > 1 && paths.every((p) => p === '/api/domains/45/users?userGroup_id=56'),
    );
  });

  it('filters active, email and search in the gateway, totalCount counting the matches', async () => {
    const inactive = DOMAIN_45.filter((u) => !u.active).map((u) => u.id);
    const byActive = await walk(stack, ADMIN, { first: 2, filter: { active: false } });
    expect(byActive.ids).toEqual(inactive);
    expect(byActive.totals[0]).toBe(inactive.length);

    const byEmail = await walk(stack, ADMIN, { first: 5, filter: { email: 'MEMBER07@example.COM' } });
    expect(byEmail).toMatchObject({ ids: ['306'], totals: [1] });

    // Search looks at the names, the username and the email, without regard to case.
    expect((await walk(stack, ADMIN, { first: 5, filter: { search: 'leona' } })).ids).toEqual(['200']);
    expect((await walk(stack, ADMIN, { first: 5, filter: { search: 'family30' } })).ids).toEqual(MEMBERS.map((u) => u.id));
    expect((await walk(stack, ADMIN, { first: 5, filter: { search: 'MEMBER1' } })).ids).toEqual(['309']);

    const combined = await walk(stack, ADMIN, { first: 1, filter: { search: 'member', active: true, groupId: '56' } });
    const expected = MEMBERS.filter((u) => u.active && u.groups.length > 0).map((u) => u.id);
    expect(combined.ids).toEqual(expected);
    expect(combined.totals[0]).toBe(expected.length);
  });

  it('refuses a caller who is not an administrator with FORBIDDEN', async () => {
    const res = await stack.gql(USERS_QUERY, { first: 5 }, PLAIN);
    expect(res.body.data).toEqual({ users: null });
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', provider: 'BELLADATI' });
    expect(res.body.errors[0].message).toMatch(/administrator/);
    expect(res.text).not.toContain(PLAIN['X-BellaDati-Token']);
  });

  it('lists a global administrator’s own domain', async () => {
    const { ids } = await walk(stack, GLOBAL, { first: 5 });
    expect(ids).toEqual(['700']);
  });

  it('needs X-BellaDati-Username when no domain is configured, and answers UNAUTHENTICATED with no call', async () => {
    const res = await stack.gql(USERS_QUERY, { first: 5 }, { 'X-BellaDati-Token': ADMIN['X-BellaDati-Token'] });
    expect(res.body.data).toEqual({ users: null });
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', provider: 'BELLADATI' });
    expect(res.body.errors[0].message).toContain('X-BellaDati-Username');
    expect(listRequests(stack)).toEqual([]);
  });

  it('reads a group and a page of its members with one domain lookup for the whole request', async () => {
    const res = await stack.gql(
      `{ group(provider: BELLADATI, id: "56") { id groupId name description members(first: 2) { edges { node { id } } pageInfo { hasNextPage } totalCount } } }`,
      {},
      ADMIN,
    );
    expect(res.body.errors).toBeUndefined();
    const members = DOMAIN_45.filter((u) => u.groups.length > 0).map((u) => u.id);
    expect(res.body.data.group).toEqual({
      id: 'BELLADATI:56',
      groupId: '56',
      name: 'Sales',
      description: 'Field sales',
      members: { edges: members.slice(0, 2).map((id) => ({ node: { id } })), pageInfo: { hasNextPage: true }, totalCount: members.length },
    });
    expect(listRequests(stack).sort()).toEqual(
      ['/api/domains/45/userGroups', '/api/domains/45/users?userGroup_id=56', `/api/users/username/${encodeURIComponent(ADMIN['X-BellaDati-Username'])}`].sort(),
    );
  });

  it('answers NOT_FOUND for a group the domain does not have, and BAD_USER_INPUT for a group id that is not digits without a call', async () => {
    const missing = await stack.gql(`{ group(provider: BELLADATI, id: "999") { name } }`, {}, ADMIN);
    expect(missing.body.errors[0].extensions).toMatchObject({ code: 'NOT_FOUND', provider: 'BELLADATI' });
    stack.clearRequests();
    const bad = await stack.gql(USERS_QUERY, { first: 5, filter: { groupId: 'sales' } }, ADMIN);
    expect(bad.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'BELLADATI' });
    expect(listRequests(stack)).toEqual([]);
  });
});

describe('BellaDati directory through GraphQL, domain from BELLADATI_DOMAIN', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ data: { belladati: DATA }, env: { BELLADATI_DOMAIN: '45' } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => stack.clearRequests());

  it('lists the configured domain with one call per page and no lookup, without X-BellaDati-Username', async () => {
    const token = { 'X-BellaDati-Token': ADMIN['X-BellaDati-Token'] };
    const { ids, pages } = await walk(stack, token, { first: 4 });
    expect(ids).toEqual(DOMAIN_45.map((u) => u.id));
    expect(listRequests(stack)).toEqual(Array.from({ length: pages }, () => '/api/domains/45/users'));
  });

  it('lists the configured domain for a global administrator of another domain', async () => {
    const res = await stack.gql(USERS_QUERY, { first: 1 }, GLOBAL);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.users.totalCount).toBe(DOMAIN_45.length);
    expect(listRequests(stack)).toEqual(['/api/domains/45/users']);
  });

  it('still refuses a caller who is not an administrator', async () => {
    const res = await stack.gql(USERS_QUERY, { first: 1 }, PLAIN);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', provider: 'BELLADATI' });
  });
});
