import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPagedList } from '../../examples/web-client/main.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * Directory queries through the gateway: `users`, `group` and `Group.members`, their arguments,
 * cursors, errors, the user loader they prime and the upstream budget, over real HTTP against the
 * simulators.
 */
const CREDS = { ...DEMO_CREDENTIALS.PASSBOLT, ...DEMO_CREDENTIALS.BELLADATI, ...DEMO_CREDENTIALS.SYNCANO, ...DEMO_CREDENTIALS.DROPLIT };

type Edge = { cursor: string; node: { id: string; username: string } };

function flip(text: string, at: number): string {
  const c = text[at]!;
  return text.slice(0, at) + (c === 'A' ? 'B' : 'A') + text.slice(at + 1);
}

describe('directory queries', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const allCalls = () => Object.values(stack.sims).reduce((n: number, sim: unknown) => n + ((sim as { requests?: () => unknown[] }).requests?.().length ?? 0), 0);
  const passboltCalls = () => stack.sims.passbolt.requests().length;

  const USERS = `query ($provider: Provider!, $first: Int, $after: String, $filter: UserFilter) {
    users(provider: $provider, first: $first, after: $after, filter: $filter) {
      edges { cursor node { id username } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      totalCount
    }
  }`;
  const list = (variables: Record<string, unknown>) => stack.gql(USERS, variables, CREDS);

  it('pages through a provider\'s users with opaque cursors, one upstream call per page', async () => {
    const everyone = await list({ provider: 'PASSBOLT', first: 100 });
    expect(everyone.body.errors).toBeUndefined();
    const allIds = everyone.body.data.users.edges.map((e: Edge) => e.node.id);
    expect(allIds.length).toBeGreaterThan(3);

    stack.clearRequests();
    const first = await list({ provider: 'PASSBOLT', first: 2 });
    expect(first.body.errors).toBeUndefined();
    const page = first.body.data.users;
    expect(page.edges.map((e: Edge) => e.node.id)).toEqual(allIds.slice(0, 2));
    expect(page.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: page.edges[0].cursor, endCursor: page.edges[1].cursor });
    expect(passboltCalls()).toBe(1);

    const second = await list({ provider: 'PASSBOLT', first: 2, after: page.pageInfo.endCursor });
    expect(second.body.errors).toBeUndefined();
    expect(second.body.data.users.edges.map((e: Edge) => e.node.id)).toEqual(allIds.slice(2, 4));
    // Resuming from an edge's own cursor starts right after that edge.
    const fromFirstEdge = await list({ provider: 'PASSBOLT', first: 1, after: page.edges[0].cursor });
    expect(fromFirstEdge.body.data.users.edges.map((e: Edge) => e.node.id)).toEqual(allIds.slice(1, 2));
    expect(passboltCalls()).toBe(3);
  });

  it.each([0, 101, -1])('refuses first: %s with BAD_USER_INPUT naming `first`, without an upstream call', async (first) => {
    stack.clearRequests();
    const res = await list({ provider: 'PASSBOLT', first });
    expect(res.body.data).toEqual({ users: null });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'PASSBOLT' });
    expect(res.body.errors[0].message).toContain('`first`');
    expect(allCalls()).toBe(0);
  });

  describe('refuses a cursor it did not hand out for this list with BAD_USER_INPUT naming `after`, without an upstream call', () => {
    const refusal = async (variables: Record<string, unknown>) => {
      stack.clearRequests();
      const res = await list(variables);
      expect(res.body.data).toEqual({ users: null });
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: variables.provider });
      expect(res.body.errors[0].message).toContain('`after`');
      expect(allCalls()).toBe(0);
      return res.body.errors[0].message as string;
    };
    const endCursor = async (variables: Record<string, unknown>): Promise<string> => {
      const res = await list(variables);
      expect(res.body.errors).toBeUndefined();
      return res.body.data.users.pageInfo.endCursor;
    };

    it('a cursor with any one character changed', async () => {
      const cursor = await endCursor({ provider: 'PASSBOLT', first: 2 });
      for (const at of [0, Math.floor(cursor.length / 3), cursor.indexOf('.') - 1, cursor.length - 1]) {
        await refusal({ provider: 'PASSBOLT', first: 2, after: flip(cursor, at) });
      }
      await refusal({ provider: 'PASSBOLT', first: 2, after: cursor.slice(0, -1) });
      await refusal({ provider: 'PASSBOLT', first: 2, after: 'not a cursor' });
      await refusal({ provider: 'PASSBOLT', first: 2, after: '' });
    });

    it("another provider's cursor", async () => {
      const cursor = await endCursor({ provider: 'BELLADATI', first: 2 });
      expect(await refusal({ provider: 'PASSBOLT', first: 2, after: cursor })).toMatch(/another provider/);
    });

    it("the cursor of the same list with another filter", async () => {
      const cursor = await endCursor({ provider: 'PASSBOLT', first: 2, filter: { active: true } });
      expect(await refusal({ provider: 'PASSBOLT', first: 2, after: cursor })).toMatch(/another filter/);
      expect(await refusal({ provider: 'PASSBOLT', first: 2, after: cursor, filter: { active: false } })).toMatch(/another filter/);
    });

    it("a group members' cursor", async () => {
      const listed = await stack.gql(`{ users(provider: PASSBOLT, first: 100) { edges { node { groups { groupId } } } } }`, undefined, CREDS);
      const groupIds = listed.body.data.users.edges.flatMap((e: { node: { groups: Array<{ groupId: string }> } }) => e.node.groups.map((g) => g.groupId));
      const group = await stack.gql(`query ($id: ID!) { group(provider: PASSBOLT, id: $id) { members(first: 1) { pageInfo { endCursor } } } }`, { id: groupIds[0] }, CREDS);
      expect(group.body.errors).toBeUndefined();
      const cursor = group.body.data.group.members.pageInfo.endCursor;
      expect(cursor).toEqual(expect.any(String));
      expect(await refusal({ provider: 'PASSBOLT', first: 2, after: cursor })).toMatch(/members/);
    });
  });

  it('treats filters that differ only in spacing and email case as the same list, sharing cursors', async () => {
    const loose = await list({ provider: 'PASSBOLT', first: 1, filter: { search: '  passbolt ', email: '' } });
    expect(loose.body.errors).toBeUndefined();
    const next = await list({ provider: 'PASSBOLT', first: 1, filter: { search: 'passbolt' }, after: loose.body.data.users.pageInfo.endCursor });
    expect(next.body.errors).toBeUndefined();

    const byEmail = await list({ provider: 'PASSBOLT', first: 1, filter: { email: ' ADA@Passbolt.COM ' } });
    expect(byEmail.body.errors).toBeUndefined();
    expect(byEmail.body.data.users.edges.map((e: Edge) => e.node.username)).toEqual(['ada@passbolt.com']);
    const after = await list({ provider: 'PASSBOLT', first: 1, filter: { email: 'ada@passbolt.com' }, after: byEmail.body.data.users.pageInfo.endCursor });
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data.users.edges).toEqual([]);
  });

  it('answers NOT_SUPPORTED, without an upstream call, for a provider that offers no user list', async () => {
    stack.clearRequests();
    const res = await stack.gql(`{ users(provider: DROPLIT) { totalCount } group(provider: DROPLIT, id: "g1") { id } }`, undefined, CREDS);
    expect(res.body.data).toEqual({ users: null, group: null });
    expect(res.body.errors.map((e: { extensions: unknown }) => e.extensions)).toEqual([
      { code: 'NOT_SUPPORTED', provider: 'DROPLIT' },
      { code: 'NOT_SUPPORTED', provider: 'DROPLIT' },
    ]);
    expect(allCalls()).toBe(0);
  });

  it('refuses a filter the provider cannot honour with FILTER_NOT_SUPPORTED naming it, without an upstream call', async () => {
    stack.clearRequests();
    const res = await list({ provider: 'SYNCANO', filter: { search: 'geralt' } });
    expect(res.body.data).toEqual({ users: null });
    expect(res.body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', provider: 'SYNCANO', reason: 'FILTER_NOT_SUPPORTED' });
    expect(res.body.errors[0].message).toContain('`filter.search`');
    expect(allCalls()).toBe(0);
  });

  it('ignores an empty or blank filter rather than refusing it', async () => {
    const res = await list({ provider: 'SYNCANO', filter: { search: '   ', email: null } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.users.edges.length).toBeGreaterThan(0);
  });

  it('serves `user` of a listed id from the list: the operation costs the list call only', async () => {
    stack.clearRequests();
    const alone = await list({ provider: 'PASSBOLT', first: 3 });
    const listCalls = passboltCalls();
    const ids = alone.body.data.users.edges.map((e: Edge) => e.node.id);
    expect(ids).toHaveLength(3);

    stack.clearRequests();
    const res = await stack.gql(
      `query ($id: ID!) { user(provider: PASSBOLT, id: $id) { id username } users(provider: PASSBOLT, first: 3) { edges { node { id username } } } }`,
      { id: ids[2] },
      CREDS,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.user).toEqual(alone.body.data.users.edges[2].node);
    expect(passboltCalls()).toBe(listCalls);
  });

  it('answers a group with the same Group.id as the user\'s groups, and its members page by page', async () => {
    const viaUsers = await stack.gql(`{ users(provider: PASSBOLT, first: 100) { edges { node { id groups { id groupId } } } } }`, undefined, CREDS);
    expect(viaUsers.body.errors).toBeUndefined();
    const edges: Array<{ node: { id: string; groups: Array<{ id: string; groupId: string }> } }> = viaUsers.body.data.users.edges;
    const group = edges.flatMap((e) => e.node.groups)[0]!;
    const memberIds = edges.filter((e) => e.node.groups.some((g) => g.groupId === group.groupId)).map((e) => e.node.id);

    const res = await stack.gql(
      `query ($id: ID!) { group(provider: PASSBOLT, id: $id) { id groupId provider members(first: 1) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }`,
      { id: group.groupId },
      CREDS,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.group).toMatchObject({ id: group.id, groupId: group.groupId, provider: 'PASSBOLT' });
    const members = res.body.data.group.members;
    expect(members.edges).toHaveLength(1);
    expect(memberIds).toContain(members.edges[0].node.id);
    expect(members.pageInfo.hasNextPage).toBe(memberIds.length > 1);
  });

  it("lets the example web client follow endCursor through a provider's users, each once", async () => {
    const everyone = await list({ provider: 'PASSBOLT', first: 100 });
    const total = everyone.body.data.users.edges.length;
    const lines: string[] = [];
    const printed = await runPagedList(stack.url, CREDS, (line) => lines.push(line), 100);
    expect(printed).toBe(total);
    const ids = lines.filter((l) => l.startsWith('  PASSBOLT ')).map((l) => l.split(' ')[3]);
    expect(ids).toEqual(everyone.body.data.users.edges.map((e: Edge) => e.node.id));
    expect(lines.filter((l) => l.startsWith('page '))).toHaveLength(Math.ceil(total / 2));
  });

  it('answers an unknown group with null and NOT_FOUND', async () => {
    const res = await stack.gql(`{ group(provider: PASSBOLT, id: "00000000-0000-4000-8000-000000000000") { id } }`, undefined, CREDS);
    expect(res.body.data).toEqual({ group: null });
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'NOT_FOUND', provider: 'PASSBOLT' });
  });

  it('refuses a malformed group id with BAD_USER_INPUT, without an upstream call', async () => {
    stack.clearRequests();
    const res = await stack.gql(`{ group(provider: PASSBOLT, id: "../users") { id } }`, undefined, CREDS);
    expect(res.body.data).toEqual({ group: null });
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'PASSBOLT' });
    expect(allCalls()).toBe(0);
  });
});

describe('directory queries and the upstream budget', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { MAX_ALIASES: '30', MAX_UPSTREAM_CALLS: '10', MAX_UPSTREAM_CALLS_PER_PROVIDER: '3' } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  const allCalls = () => Object.values(stack.sims).reduce((n: number, sim: unknown) => n + ((sim as { requests?: () => unknown[] }).requests?.().length ?? 0), 0);

  it('counts a list as one call per provider page', async () => {
    stack.clearRequests();
    const within = await stack.gql(`{ a: users(provider: PASSBOLT, first: 100) { totalCount } b: users(provider: PASSBOLT, first: 5, filter: { active: true }) { totalCount } }`, undefined, CREDS);
    expect(within.status).toBe(200);
    expect(within.body.errors).toBeUndefined();

    stack.clearRequests();
    const over = await stack.gql(
      `{ a: users(provider: PASSBOLT, first: 100) { totalCount } b: users(provider: PASSBOLT, first: 5) { totalCount } c: users(provider: PASSBOLT, first: 7) { totalCount } d: users(provider: PASSBOLT, first: 9) { totalCount } }`,
      undefined,
      CREDS,
    );
    expect(over.status).toBe(400);
    expect(over.body.errors[0].extensions).toEqual({ code: 'OPERATION_TOO_EXPENSIVE' });
    expect(over.body.errors[0].message).toMatch(/4 upstream calls to PASSBOLT/);
    expect(allCalls()).toBe(0);
  });

  it("counts a members list nested in a users list once per user of the enclosing page, refusing before any call", async () => {
    stack.clearRequests();
    const res = await stack.gql(
      `{ users(provider: PASSBOLT, first: 50) { edges { node { groups { members(first: 5) { totalCount } } } } } }`,
      undefined,
      CREDS,
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('OPERATION_TOO_EXPENSIVE');
    expect(res.body.errors[0].message).toMatch(/51 upstream calls/);
    expect(allCalls()).toBe(0);
  });

  it('counts a group and its members list', async () => {
    stack.clearRequests();
    const res = await stack.gql(
      `{ a: group(provider: PASSBOLT, id: "8a3c5c4e-e931-4e6b-854a-9b2e9afcd3bc") { members(first: 2) { totalCount } } b: group(provider: PASSBOLT, id: "6e62b9bd-4289-41dc-be78-abf615160b39") { members { totalCount } } }`,
      undefined,
      CREDS,
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/4 upstream calls to PASSBOLT/);
    expect(allCalls()).toBe(0);
  });
});

describe('directory queries when one provider fails', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("answers one provider's list while another's fails, each field with its own outcome", async () => {
    stack.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 }, times: -1, path: '/users.json' }]);
    try {
      const res = await stack.gql(
        `{ passbolt: users(provider: PASSBOLT, first: 2) { edges { node { id } } } belladati: users(provider: BELLADATI, first: 2) { edges { node { id } } } }`,
        undefined,
        CREDS,
      );
      expect(res.status).toBe(200);
      expect(res.body.data.passbolt).toBeNull();
      expect(res.body.data.belladati.edges).toHaveLength(2);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0].path).toEqual(['passbolt']);
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'PASSBOLT' });
    } finally {
      stack.sims.passbolt.clearFaults();
    }
  });
});
