import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * Droplit documents no list endpoint whose path can be verified (docs/providers/droplit.md §6), so
 * `users` and `group` on Droplit answer NOT_SUPPORTED without any upstream call.
 */
describe('Droplit directory through GraphQL', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => stack.clearRequests());

  const allCalls = () => Object.values(stack.sims).reduce((n: number, sim: unknown) => n + ((sim as { requests?: () => unknown[] }).requests?.().length ?? 0), 0);

  it('answers users(provider: DROPLIT) with NOT_SUPPORTED and calls no provider', async () => {
    const res = await stack.gql(`{ users(provider: DROPLIT, first: 5) { edges { node { id } } totalCount } }`, {}, DEMO_CREDENTIALS.DROPLIT);
    expect(res.body.data).toEqual({ users: null });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'NOT_SUPPORTED', provider: 'DROPLIT' });
    expect(allCalls()).toBe(0);
  });

  it('answers group(provider: DROPLIT) with NOT_SUPPORTED and calls no provider', async () => {
    const res = await stack.gql(`{ group(provider: DROPLIT, id: "admins") { name members { totalCount } } }`, {}, DEMO_CREDENTIALS.DROPLIT);
    expect(res.body.data).toEqual({ group: null });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'NOT_SUPPORTED', provider: 'DROPLIT' });
    expect(allCalls()).toBe(0);
  });

  it('refuses even with a filter or a cursor, before reading either', async () => {
    const res = await stack.gql(`{ users(provider: DROPLIT, filter: { search: "a" }, after: "not-a-cursor") { totalCount } }`, {}, DEMO_CREDENTIALS.DROPLIT);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'NOT_SUPPORTED', provider: 'DROPLIT' });
    expect(allCalls()).toBe(0);
  });

  it('leaves the other providers of the same operation intact', async () => {
    const res = await stack.gql(
      `{ d: users(provider: DROPLIT) { totalCount } p: users(provider: PASSBOLT, first: 1) { edges { node { id } } } }`,
      {},
      { ...DEMO_CREDENTIALS.DROPLIT, ...DEMO_CREDENTIALS.PASSBOLT },
    );
    expect(res.body.data.d).toBeNull();
    expect(res.body.data.p.edges).toHaveLength(1);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].path).toEqual(['d']);
    expect(stack.sims.droplit.requests()).toHaveLength(0);
  });
});
