import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startStack, type Stack } from '../helpers/stack.js';

const ALL_HEADERS = {
  ...DEMO_CREDENTIALS.SYNCANO,
  ...DEMO_CREDENTIALS.DROPLIT,
  ...DEMO_CREDENTIALS.PASSBOLT,
  ...DEMO_CREDENTIALS.BELLADATI,
};

/** The ids `me` resolves to with the demo credentials. */
const ME_IDS = {
  SYNCANO: '1',
  DROPLIT: DEMO_CREDENTIALS.DROPLIT['X-Droplit-User'],
  PASSBOLT: 'f848277c-5398-58f8-a82a-72397af2d450',
  BELLADATI: '123',
} as const;

describe('DataLoader batching: upstream calls per operation', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => stack.clearRequests());

  const simFor = (provider: keyof typeof ME_IDS) =>
    ({ SYNCANO: stack.sims.syncano, DROPLIT: stack.sims.droplit, PASSBOLT: stack.sims.passbolt, BELLADATI: stack.sims.belladati })[provider];

  it('SYNCANO: five distinct ids cost one batch call', async () => {
    // The API key alone (ignore_acl): with a user key Syncano would show the caller only themself.
    const res = await stack.gql(
      `{ ${[1, 2, 3, 4, 5].map((id) => `u${id}: user(provider: SYNCANO, id: "${id}") { id username }`).join(' ')} }`,
      {},
      { 'X-Syncano-Api-Key': DEMO_CREDENTIALS.SYNCANO['X-Syncano-Api-Key'] },
    );
    expect(res.body.errors).toBeUndefined();
    expect([1, 2, 3, 4, 5].map((id) => res.body.data[`u${id}`].id)).toEqual(['1', '2', '3', '4', '5']);
    const requests = stack.sims.syncano.requests();
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe('POST');
    expect(requests[0]!.path).toBe('/v1.1/instances/rivia/batch/');
    expect(JSON.parse(requests[0]!.body).requests).toHaveLength(5);
  });

  it('SYNCANO: ids the provider treats as equal share one cache entry', async () => {
    const res = await stack.gql(`{ a: user(provider: SYNCANO, id: "1") { id } b: user(provider: SYNCANO, id: "001") { id } }`, {}, ALL_HEADERS);
    expect(res.body.data.a.id).toBe('1');
    expect(res.body.data.b.id).toBe('1');
    expect(stack.sims.syncano.requests()).toHaveLength(1);
  });

  it('one operation over all four providers makes exactly one call to each', async () => {
    const res = await stack.gql(
      `{ ${(Object.keys(ME_IDS) as Array<keyof typeof ME_IDS>)
        .map((p) => `${p.toLowerCase()}Me: me(provider: ${p}) { id } ${p.toLowerCase()}User: user(provider: ${p}, id: "${ME_IDS[p]}") { id }`)
        .join(' ')} }`,
      {},
      ALL_HEADERS,
    );
    expect(res.body.errors).toBeUndefined();
    for (const p of Object.keys(ME_IDS) as Array<keyof typeof ME_IDS>) {
      expect(res.body.data[`${p.toLowerCase()}Me`].id).toBe(ME_IDS[p]);
      expect(simFor(p).requests()).toHaveLength(1);
    }
  });
});
