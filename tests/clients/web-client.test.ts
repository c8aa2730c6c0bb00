import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../examples/web-client/main.js';
import { createUsergraphClient } from '../../examples/web-client/client.js';
import { MeDocument } from '../../examples/web-client/__generated__/graphql.js';
import { describeUser } from '../../examples/web-client/describe-user.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startStack, type Stack } from '../helpers/stack.js';

const ALL_CREDENTIALS = Object.assign({}, ...Object.values(DEMO_CREDENTIALS)) as Record<string, string>;

describe('the example typed web client against a live gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('fetches the caller on all four providers with the generated documents and narrows each card', async () => {
    const lines: string[] = [];
    const data = await run(stack.url, ALL_CREDENTIALS, (line) => lines.push(line));
    expect(data).not.toBeNull();
    expect(Object.values(data!).map((u) => u?.__typename)).toEqual(['SyncanoUser', 'DroplitUser', 'PassboltUser', 'BellaDatiUser']);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^SYNCANO 1 geralt \| profile revision 1, groups witchers$/);
    expect(lines[1]).toMatch(/^DROPLIT C573b86eeee43dd7ba0244f8a;test .*\| ecosystem C573b86eeee43dd7ba0244f8a, access /);
    expect(lines[2]).toMatch(/^PASSBOLT f848277c-5398-58f8-a82a-72397af2d450 .*\| role admin, key /);
    expect(lines[3]).toMatch(/^BELLADATI 123 .*\| domain \d+, first login 2012-01-14T15:33:28Z$/);
    expect(lines[4]).toBe(lines[2]);
  });

  it('returns partial data plus typed errors when one provider refuses the caller', async () => {
    const client = createUsergraphClient({ url: stack.url, headers: { ...ALL_CREDENTIALS, 'X-Passbolt-Token': 'not.a-valid.token' } });
    const passbolt = await client.request(MeDocument, { provider: 'PASSBOLT' });
    expect(passbolt.data).toEqual({ me: null });
    expect(passbolt.errors[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', provider: 'PASSBOLT' });
    const belladati = await client.request(MeDocument, { provider: 'BELLADATI' });
    expect(belladati.errors).toEqual([]);
    expect(describeUser(belladati.data!.me!)).toContain('BELLADATI 123');
  });
});
