import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulators/http-simulator.js';
import type { ScimSimulatorData } from '../../src/simulators/scim/index.js';
import demoData from '../../src/simulators/scim/demo-data.json' with { type: 'json' };
import { startStack, type GraphQLResult, type Stack } from '../helpers/stack.js';

const DEMO = demoData as ScimSimulatorData;
const DEMO_IDS = DEMO.users.map((u) => (u as { id: string }).id);
const BJENSEN = '2819c223-7f76-453a-919d-413861904646';
const JURGEN = 'b5e8d2c4-1a7f-4e39-8c6d-0f2a4b6c8e13';
const MANDY = '0f4d6b8a-2c1e-4a3b-b7d9-6e5c3a1f8d24';
const EMPLOYEES = 'fc348aa8-3835-40eb-a20b-c726e15c55b5';
const TOUR_GUIDES = 'e9e30dba-f08f-4109-8486-d5c6a331660a';
const TOKEN = 'scim-demo-bjensen-4f8c2a9e71d3b5';
const HEADERS = { 'X-Scim-Token': TOKEN };

const USERS = `query($filter: UserFilter, $first: Int, $after: String) {
  users(provider: SCIM, filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id username active ... on ScimUser { emails { value } } } }
  }
}`;
const GROUP = `query($id: ID!, $first: Int, $after: String) {
  group(provider: SCIM, id: $id) {
    id groupId name description
    members(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id username } } }
  }
}`;

function scimSim(stack: Stack): RunningSimulator {
  return (stack.sims as unknown as { scim: RunningSimulator }).scim;
}

const nodeIds = (res: GraphQLResult, path: 'users' | 'members' = 'users') =>
  (path === 'users' ? res.body.data.users : res.body.data.group.members).edges.map((e: { node: { id: string } }) => e.node.id);

/** Follows `endCursor` until `hasNextPage` is false, collecting every page's response. */
async function everyPage(stack: Stack, variables: Record<string, unknown>, headers = HEADERS): Promise<GraphQLResult[]> {
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

describe('SCIM directory through GraphQL (demo data)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => stack.clearRequests());

  it('pages through every user, one SCIM request per page, without gaps or duplicates', async () => {
    const pages = await everyPage(stack, { first: 4 });
    expect(pages.map((p) => nodeIds(p))).toEqual([DEMO_IDS.slice(0, 4), DEMO_IDS.slice(4)]);
    expect(pages.map((p) => p.body.data.users.totalCount)).toEqual([6, 6]);
    expect(pages[0]!.body.data.users.pageInfo.hasPreviousPage).toBe(false);
    const requests = scimSim(stack).requests();
    expect(requests.map((r) => new URLSearchParams(r.path.split('?')[1]).get('startIndex'))).toEqual(['1', '5']);
    expect(requests.every((r) => r.path.startsWith('/scim/v2/Users?'))).toBe(true);
  });

  it('answers each filter with the matching users', async () => {
    const run = async (filter: Record<string, unknown>) => {
      const res = await stack.gql(USERS, { filter, first: 10 }, HEADERS);
      expect(res.body.errors).toBeUndefined();
      return { ids: nodeIds(res), total: res.body.data.users.totalCount };
    };
    expect(await run({ search: 'babs' })).toEqual({ ids: [BJENSEN], total: 1 });
    expect(await run({ search: 'PEPPER' })).toEqual({ ids: [MANDY], total: 1 });
    expect(await run({ email: 'BABS@JENSEN.ORG' })).toEqual({ ids: [BJENSEN], total: 1 });
    expect(await run({ active: false })).toEqual({ ids: [JURGEN], total: 1 });
    expect(await run({ groupId: TOUR_GUIDES })).toEqual({ ids: [BJENSEN, MANDY], total: 2 });
    expect(await run({ groupId: EMPLOYEES, active: true })).toEqual({ ids: [BJENSEN, DEMO_IDS[1]], total: 2 });
    expect(scimSim(stack).requests()).toHaveLength(6);
  });

  it('reads a group and pages through its members', async () => {
    const first = await stack.gql(GROUP, { id: EMPLOYEES, first: 2 }, HEADERS);
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data.group).toMatchObject({ id: `SCIM:${EMPLOYEES}`, groupId: EMPLOYEES, name: 'Employees', description: null });
    expect(nodeIds(first, 'members')).toEqual([BJENSEN, DEMO_IDS[1]]);
    expect(first.body.data.group.members.totalCount).toBe(3);
    expect(first.body.data.group.members.pageInfo.hasNextPage).toBe(true);
    const second = await stack.gql(GROUP, { id: EMPLOYEES, first: 2, after: first.body.data.group.members.pageInfo.endCursor }, HEADERS);
    expect(second.body.errors).toBeUndefined();
    expect(nodeIds(second, 'members')).toEqual([JURGEN]);
    expect(second.body.data.group.members.pageInfo.hasNextPage).toBe(false);
  });

  it('answers NOT_FOUND for an unknown group', async () => {
    const res = await stack.gql(GROUP, { id: 'no-such-group', first: 2 }, HEADERS);
    expect(res.body.data.group).toBeNull();
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'NOT_FOUND', provider: 'SCIM' });
  });

  it('needs a token: none is UNAUTHENTICATED without a SCIM request, a wrong one is refused by the server', async () => {
    const none = await stack.gql(USERS, { first: 2 });
    expect(none.body.data.users).toBeNull();
    expect(none.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', provider: 'SCIM' });
    expect(scimSim(stack).requests()).toHaveLength(0);
    const wrong = await stack.gql(USERS, { first: 2 }, { 'X-Scim-Token': 'not-a-token-zx' });
    expect(wrong.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', provider: 'SCIM' });
    expect(wrong.text).not.toContain('not-a-token-zx');
    expect(scimSim(stack).requests()).toHaveLength(1);
    expect(scimSim(stack).requests()[0]!.headers.authorization).toBe('Bearer not-a-token-zx');
  });
});

describe('SCIM directory through GraphQL (generated data)', () => {
  /** 23 users, a server that returns at most 5 a page, and a second deployment that cannot filter. */
  const data = (extra: Partial<ScimSimulatorData> = {}): ScimSimulatorData => ({
    basePath: '/scim/v2',
    tokens: { [TOKEN]: 'g01' },
    users: Array.from({ length: 23 }, (_, i) => {
      const k = String(i + 1).padStart(2, '0');
      return { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: `g${k}`, userName: `gen${k}`, emails: [{ value: `gen${k}@example.com` }] };
    }),
    ...extra,
  });
  let stack: Stack;
  let noFilter: Stack;
  beforeAll(async () => {
    stack = await startStack({ data: { scim: data({ maxResults: 5 }) } });
    noFilter = await startStack({ data: { scim: data({ filter: false }) } });
  });
  afterAll(async () => {
    await stack?.close();
    await noFilter?.close();
  });

  it('pages on by totalResults when the server returns fewer users than asked, one request per page', async () => {
    stack.clearRequests();
    const pages = await everyPage(stack, { first: 10 });
    const all = pages.flatMap((p) => nodeIds(p));
    expect(all).toEqual(Array.from({ length: 23 }, (_, i) => `g${String(i + 1).padStart(2, '0')}`));
    expect(pages.map((p) => nodeIds(p).length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.every((p) => p.body.data.users.totalCount === 23)).toBe(true);
    expect(scimSim(stack).requests()).toHaveLength(5);
  });

  it('pages through a filtered list', async () => {
    const pages = await everyPage(stack, { first: 2, filter: { search: 'gen1' } });
    expect(pages.flatMap((p) => nodeIds(p))).toEqual(['g10', 'g11', 'g12', 'g13', 'g14', 'g15', 'g16', 'g17', 'g18', 'g19']);
    expect(pages.map((p) => p.body.data.users.totalCount)).toEqual([10, 10, 10, 10, 10]);
  });

  it('says FILTER_NOT_SUPPORTED when the server cannot filter, and still lists without a filter', async () => {
    const refused = await noFilter.gql(USERS, { filter: { search: 'gen' }, first: 3 }, HEADERS);
    expect(refused.body.data.users).toBeNull();
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'SCIM', reason: 'FILTER_NOT_SUPPORTED' });
    const plain = await noFilter.gql(USERS, { first: 3 }, HEADERS);
    expect(nodeIds(plain)).toEqual(['g01', 'g02', 'g03']);
    expect(plain.body.data.users.totalCount).toBe(23);
  });
});
