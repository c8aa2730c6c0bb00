import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startStack, type Stack } from '../helpers/stack.js';

const ALL_HEADERS = {
  ...DEMO_CREDENTIALS.SYNCANO,
  ...DEMO_CREDENTIALS.DROPLIT,
  ...DEMO_CREDENTIALS.PASSBOLT,
  ...DEMO_CREDENTIALS.BELLADATI,
};

const FOUR_PROVIDERS = `{
  s: me(provider: SYNCANO) { id provider username }
  d: me(provider: DROPLIT) { id provider username }
  p: me(provider: PASSBOLT) { id provider username }
  b: me(provider: BELLADATI) { id provider username }
}`;

describe('one failing provider never takes down the others', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { UPSTREAM_TIMEOUT_MS: '1000' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers all four providers while they are up', async () => {
    const res = await stack.gql(FOUR_PROVIDERS, {}, ALL_HEADERS);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.s.provider).toBe('SYNCANO');
    expect(res.body.data.d.provider).toBe('DROPLIT');
    expect(res.body.data.p.provider).toBe('PASSBOLT');
    expect(res.body.data.b.provider).toBe('BELLADATI');
  });

  it('with one simulator down, the other three still resolve and the down one is PROVIDER_UNAVAILABLE', async () => {
    await stack.sims.passbolt.close();
    const res = await stack.gql(FOUR_PROVIDERS, {}, ALL_HEADERS);
    expect(res.status).toBe(200);
    expect(res.body.data.s.username).toBeTruthy();
    expect(res.body.data.d.username).toBeTruthy();
    expect(res.body.data.b.username).toBeTruthy();
    expect(res.body.data.p).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0]).toMatchObject({ path: ['p'], extensions: { code: 'PROVIDER_UNAVAILABLE', provider: 'PASSBOLT' } });
    expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/i);
  });

  it('missing credentials fail only that provider, without an upstream call', async () => {
    stack.clearRequests();
    const { 'X-Droplit-Token': _t, 'X-Droplit-User': _u, ...withoutDroplit } = ALL_HEADERS;
    const res = await stack.gql(`{ s: me(provider: SYNCANO) { id } d: me(provider: DROPLIT) { id } b: me(provider: BELLADATI) { id } }`, {}, withoutDroplit);
    expect(res.body.data.s.id).toBe('1');
    expect(res.body.data.b.id).toBe('123');
    expect(res.body.data.d).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', provider: 'DROPLIT' });
    expect(stack.sims.droplit.requests()).toHaveLength(0);
  });
});
