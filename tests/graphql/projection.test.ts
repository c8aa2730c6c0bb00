/**
 * Fetch less: the GraphQL selection pushed down into the upstream request where the provider allows
 * it, as the simulators record it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startStack, type Stack } from '../helpers/stack.js';

describe('selection push-down', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => stack.clearRequests());

  const belladatiPaths = () => stack.sims.belladati.requests().map((r) => r.path);
  const BD = DEMO_CREDENTIALS.BELLADATI;

  it.each([
    ['id username displayName', '/api/users/123?exclude=email,lastLogin'],
    ['id email', '/api/users/123?exclude=lastLogin'],
    ['lastLoginAt', '/api/users/123?exclude=email'],
    ['email lastLoginAt', '/api/users/123'],
    ['... on BellaDatiUser { domainId } ... on User { email }', '/api/users/123?exclude=lastLogin'],
  ])('asks BellaDati to exclude what { %s } does not need', async (selection, path) => {
    const res = await stack.gql(`{ user(provider: BELLADATI, id: "123") { ${selection} } }`, {}, BD);
    expect(res.body.errors).toBeUndefined();
    expect(belladatiPaths()).toEqual([path]);
  });

  it('follows named fragments', async () => {
    await stack.gql(`query { user(provider: BELLADATI, id: "123") { ...F } } fragment F on User { id ... on BellaDatiUser { lastLoginAt } }`, {}, BD);
    expect(belladatiPaths()).toEqual(['/api/users/123?exclude=email']);
  });

  it('fetches the union of what every field on the same user selects, in one call', async () => {
    const res = await stack.gql(
      `{ a: user(provider: BELLADATI, id: "123") { id } b: user(provider: BELLADATI, id: "123") { email } }`,
      {},
      BD,
    );
    expect(res.body.data).toEqual({ a: { id: '123' }, b: { email: 'myusername@example.com' } });
    expect(belladatiPaths()).toEqual(['/api/users/123?exclude=lastLogin']);
  });

  it('gives me the union too, so a user of the same id served from it has every field it asked for', async () => {
    const res = await stack.gql(`{ me(provider: BELLADATI) { id } user(provider: BELLADATI, id: "123") { email lastLoginAt } }`, {}, BD);
    expect(res.body.data).toEqual({ me: { id: '123' }, user: { email: 'myusername@example.com', lastLoginAt: '2016-04-12T11:40:58Z' } });
    expect(belladatiPaths()).toEqual(['/api/users/username/myusername%40example.com']);
  });

  it('never sends Droplit a query string, whatever the selection', async () => {
    await stack.gql(`{ a: me(provider: DROPLIT) { id } b: user(provider: DROPLIT, id: "C573b86eeee43dd7ba0244f8a;testUser") { email } }`, {}, DEMO_CREDENTIALS.DROPLIT);
    const paths = stack.sims.droplit.requests().map((r) => r.path);
    expect(paths).toHaveLength(2);
    for (const path of paths) expect(path).not.toContain('?');
  });

  it('sends Passbolt its view path unchanged (the view documents no contain options to narrow)', async () => {
    await stack.gql(`{ me(provider: PASSBOLT) { id } }`, {}, DEMO_CREDENTIALS.PASSBOLT);
    expect(stack.sims.passbolt.requests().map((r) => r.path)).toEqual(['/users/me.json']);
  });
});
