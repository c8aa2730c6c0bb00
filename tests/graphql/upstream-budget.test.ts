import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startStack, type Stack } from '../helpers/stack.js';

/** The budget of upstream calls per operation, counted before execution, over real HTTP. */
describe('upstream-call budget', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Aliases allowed well past the budget, so the budget is what refuses.
    stack = await startStack({ env: { MAX_ALIASES: '30', MAX_UPSTREAM_CALLS: '10', MAX_UPSTREAM_CALLS_PER_PROVIDER: '5' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const allSims = () => [stack.sims.syncano, stack.sims.droplit, stack.sims.passbolt, stack.sims.belladati];
  const totalCalls = () => allSims().reduce((n, sim) => n + sim.requests().length, 0);
  const aliases = (provider: string, ids: string[]) => ids.map((id, i) => `${provider.toLowerCase()}${i}: user(provider: ${provider}, id: "${id}") { id }`).join(' ');

  const metric = async (series: string) => {
    const text = await (await fetch(stack.url.replace(/\/graphql$/, '/metrics'))).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };
  const refusals = () => metric('usergraph_operations_refused_total{limit="upstream_calls"}');
  const internalErrors = () => metric('usergraph_graphql_errors_total{code="INTERNAL_SERVER_ERROR",provider=""}');

  it('answers five distinct ids at one provider (MAX_UPSTREAM_CALLS_PER_PROVIDER=5), one call each', async () => {
    stack.clearRequests();
    const res = await stack.gql(`{ ${aliases('BELLADATI', ['1', '2', '3', '4', '5'])} }`, undefined, DEMO_CREDENTIALS.BELLADATI);
    expect(res.status).toBe(200);
    expect(res.body.errors?.every((e: { extensions: { code: string } }) => e.extensions.code === 'NOT_FOUND') ?? true).toBe(true);
    expect(stack.sims.belladati.requests()).toHaveLength(5);
  });

  it('refuses six distinct ids at one provider with 400 OPERATION_TOO_EXPENSIVE, a clear message and no upstream call', async () => {
    const refusedBefore = await refusals();
    const internalBefore = await internalErrors();
    stack.clearRequests();
    const res = await stack.gql(`{ ${aliases('BELLADATI', ['1', '2', '3', '4', '5', '6'])} }`, undefined, DEMO_CREDENTIALS.BELLADATI);
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].extensions).toEqual({ code: 'OPERATION_TOO_EXPENSIVE' });
    expect(res.body.errors[0].message).toMatch(/6 upstream calls to BELLADATI.* limit of 5 per provider \(MAX_UPSTREAM_CALLS_PER_PROVIDER\)/);
    expect(totalCalls()).toBe(0);
    expect(await refusals()).toBe(refusedBefore + 1);
    expect(await internalErrors()).toBe(internalBefore);
  });

  it('answers ten calls spread over providers (MAX_UPSTREAM_CALLS=10)', async () => {
    stack.clearRequests();
    const query = `{ ${aliases('BELLADATI', ['1', '2', '3', '4', '5'])} ${aliases('DROPLIT', ['C573b86eeee43dd7ba0244f8a;u1', 'C573b86eeee43dd7ba0244f8a;u2', 'C573b86eeee43dd7ba0244f8a;u3', 'C573b86eeee43dd7ba0244f8a;u4', 'C573b86eeee43dd7ba0244f8a;u5'])} }`;
    const res = await stack.gql(query, undefined, { ...DEMO_CREDENTIALS.BELLADATI, ...DEMO_CREDENTIALS.DROPLIT });
    expect(res.status).toBe(200);
    expect(totalCalls()).toBe(10);
  });

  it('refuses eleven calls spread over providers (each within its own limit), with no upstream call', async () => {
    stack.clearRequests();
    const query = `{ ${aliases('BELLADATI', ['1', '2', '3', '4'])} ${aliases('DROPLIT', ['C573b86eeee43dd7ba0244f8a;u1', 'C573b86eeee43dd7ba0244f8a;u2', 'C573b86eeee43dd7ba0244f8a;u3', 'C573b86eeee43dd7ba0244f8a;u4'])} ${aliases('PASSBOLT', [
      'f848277c-5398-58f8-a82a-72397af2d450',
      '99522cc9-0acc-5ae2-b996-d03bded3c0a6',
    ])} me(provider: SYNCANO) { id } }`;
    const res = await stack.gql(query, undefined, { ...DEMO_CREDENTIALS.BELLADATI, ...DEMO_CREDENTIALS.DROPLIT });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('OPERATION_TOO_EXPENSIVE');
    expect(res.body.errors[0].message).toMatch(/11 upstream calls, .*limit of 10 in all \(MAX_UPSTREAM_CALLS\)/);
    expect(totalCalls()).toBe(0);
  });

  it('counts the same id named twice once, as DataLoader fetches it once', async () => {
    stack.clearRequests();
    const ids = ['123', '124', '123', '124', '123', '124', '123'];
    const res = await stack.gql(`{ ${aliases('BELLADATI', ids)} }`, undefined, DEMO_CREDENTIALS.BELLADATI);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(stack.sims.belladati.requests()).toHaveLength(2);
  });

  it("counts Syncano's batch endpoint as one call for up to 50 ids: twelve ids pass a per-provider limit of 5", async () => {
    stack.clearRequests();
    const ids = Array.from({ length: 12 }, (_, i) => String(i + 1));
    const res = await stack.gql(`{ ${aliases('SYNCANO', ids)} }`, undefined, DEMO_CREDENTIALS.SYNCANO);
    expect(res.status).toBe(200);
    expect(res.body.data.syncano0).toEqual({ id: '1' });
    // Unknown ids are per-field NOT_FOUND, answered from the same single batch.
    expect(stack.sims.syncano.requests()).toHaveLength(1);
    expect(stack.sims.syncano.requests()[0]!.method).toBe('POST');
  });

  it('counts ids given in variables, every time (the cost depends on the values)', async () => {
    const query = `query($a: ID!, $b: ID!, $c: ID!, $d: ID!, $e: ID!, $f: ID!) {
      a: user(provider: DROPLIT, id: $a) { id } b: user(provider: DROPLIT, id: $b) { id } c: user(provider: DROPLIT, id: $c) { id }
      d: user(provider: DROPLIT, id: $d) { id } e: user(provider: DROPLIT, id: $e) { id } f: user(provider: DROPLIT, id: $f) { id }
    }`;
    const same = { a: 'C573b86eeee43dd7ba0244f8a;u1', b: 'C573b86eeee43dd7ba0244f8a;u1', c: 'C573b86eeee43dd7ba0244f8a;u1', d: 'C573b86eeee43dd7ba0244f8a;u1', e: 'C573b86eeee43dd7ba0244f8a;u1', f: 'C573b86eeee43dd7ba0244f8a;u1' };
    const distinct = { a: 'C573b86eeee43dd7ba0244f8a;u1', b: 'C573b86eeee43dd7ba0244f8a;u2', c: 'C573b86eeee43dd7ba0244f8a;u3', d: 'C573b86eeee43dd7ba0244f8a;u4', e: 'C573b86eeee43dd7ba0244f8a;u5', f: 'C573b86eeee43dd7ba0244f8a;u6' };
    stack.clearRequests();
    const cheap = await stack.gql(query, same, DEMO_CREDENTIALS.DROPLIT);
    expect(cheap.status).toBe(200);
    expect(stack.sims.droplit.requests()).toHaveLength(1);
    stack.clearRequests();
    const dear = await stack.gql(query, distinct, DEMO_CREDENTIALS.DROPLIT);
    expect(dear.status).toBe(400);
    expect(dear.body.errors[0].extensions.code).toBe('OPERATION_TOO_EXPENSIVE');
    expect(totalCalls()).toBe(0);
    // And back: the refusal was not remembered for the document.
    const again = await stack.gql(query, same, DEMO_CREDENTIALS.DROPLIT);
    expect(again.status).toBe(200);
  });

  it('gives the same answer for the same document each time (the cost of a document without variables is remembered)', async () => {
    const query = `{ ${aliases('BELLADATI', ['1', '2', '3', '4', '5', '6'])} }`;
    for (let i = 0; i < 3; i++) {
      stack.clearRequests();
      const res = await stack.gql(query, undefined, DEMO_CREDENTIALS.BELLADATI);
      expect(res.status).toBe(400);
      expect(totalCalls()).toBe(0);
    }
  });
});
