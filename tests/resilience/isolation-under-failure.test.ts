/**
 * Isolation while things go wrong: a black-holed provider costs only its own fields, requests to a
 * healthy provider never wait behind a stuck one, and two concurrent requests with different
 * credentials never share an upstream call or a result.
 *
 * Stuck calls are held upstream by a gate that the test opens, so "while the other is stuck" is a
 * fact of the run rather than a matter of timing. (The healthy provider's latency while another is
 * failing is a figure for `npm run bench`.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGate } from '../../src/simulators/faults.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { ALL_HEADERS, FAST_ENV, FIXTURES, fixture, resetSims, simOf, userQuery, waitFor } from './fixtures.js';

/** How long a broken gateway may keep a test waiting before it fails; a correct one needs a fraction of it. */
const PATIENCE_MS = 45_000;
/** Attempt timeout and deadline far beyond any wait here: nothing held at a gate is cut short. */
const NO_TIMEOUTS = { UPSTREAM_TIMEOUT_MS: '60000', REQUEST_DEADLINE_MS: '60000' };

const A = fixture('PASSBOLT');
const B = fixture('DROPLIT');
const both = `query($a: ID!, $b: ID!) { a: user(provider: PASSBOLT, id: $a) { id } b: user(provider: DROPLIT, id: $b) { id username } }`;

describe('one provider black-holed, the others healthy', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ...FAST_ENV } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => resetSims(stack));

  it.each(FIXTURES)('$provider hung, the other three healthy, in one operation: they are served, it is null with PROVIDER_TIMEOUT', async (a) => {
    simOf(stack, a).injectFaults([{ fault: { kind: 'hang' }, times: -1 }]);
    const fields = FIXTURES.map((f) => `${f.sim}: user(provider: ${f.provider}, id: $${f.sim}) { id }`).join(' ');
    const query = `query(${FIXTURES.map((f) => `$${f.sim}: ID!`).join(', ')}) { ${fields} }`;
    const ids = Object.fromEntries(FIXTURES.map((f) => [f.sim, f.id]));
    const res = await stack.gql(query, ids, ALL_HEADERS);
    expect(res.status).toBe(200);
    for (const b of FIXTURES.filter((f) => f !== a)) {
      expect(res.body.data[b.sim]).toEqual({ id: b.id });
      expect(simOf(stack, b).requests()).toHaveLength(1);
    }
    expect(res.body.data[a.sim]).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0]).toMatchObject({ path: [a.sim], extensions: { code: 'PROVIDER_TIMEOUT', provider: a.provider } });
  });
});

describe('one provider’s calls held upstream, another healthy', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Nothing held at a gate is cut short by a timeout here.
    stack = await startStack({ env: { ...FAST_ENV, ...NO_TIMEOUTS } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => resetSims(stack));

  it('while 20 operations wait on the stuck provider, 100 requests to the healthy one are all answered, one upstream call each, none waiting on the stuck calls', async () => {
    const gate = createGate();
    simOf(stack, A).injectFaults([{ fault: { kind: 'gate', gate }, times: -1 }]);
    // 20 clients ask for the stuck provider and, in the same operation, the healthy one.
    const stuck = Array.from({ length: 20 }, () => stack.gql(both, { a: A.id, b: B.id }, { ...A.headers, ...B.headers }));
    try {
      expect(await waitFor(() => simOf(stack, A).stats().inFlight === 20, PATIENCE_MS)).toBe(true);
      // The stuck operations' own healthy fields already went upstream.
      expect(simOf(stack, B).requests()).toHaveLength(20);
      simOf(stack, B).clearRequests();

      let next = 0;
      const answered: string[] = [];
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          while (next++ < 100) {
            const res = await stack.gql(userQuery(B.provider), { id: B.id }, B.headers);
            expect(res.body.errors).toBeUndefined();
            answered.push(res.body.data.user.id);
          }
        }),
      );
      expect(answered).toEqual(Array(100).fill(B.id));
      expect(simOf(stack, B).requests()).toHaveLength(100);
      // All of that while the stuck provider's 20 calls were still held, none of them answered.
      expect(gate.isOpen).toBe(false);
      expect(simOf(stack, A).stats().inFlight).toBe(20);
      expect(simOf(stack, A).requests()).toHaveLength(20);
    } finally {
      gate.open();
    }
    for (const res of await Promise.all(stuck)) {
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data).toEqual({ a: { id: A.id }, b: { id: B.id, username: expect.any(String) } });
    }
  });
});

describe('two concurrent requests with different credentials for the same user', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ...FAST_ENV, ...NO_TIMEOUTS } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => resetSims(stack));

  it.each(FIXTURES)('$provider: two upstream calls, each with its own caller’s credential, each answer its own', async (f) => {
    const sim = simOf(stack, f);
    // Both calls are held upstream at the same time, so an in-flight share would have had its chance.
    const gate = createGate();
    sim.injectFaults([{ fault: { kind: 'gate', gate }, times: 2 }]);
    const pending = Promise.all([
      stack.gql(userQuery(f.provider), { id: f.id }, f.headers),
      stack.gql(userQuery(f.provider), { id: f.id }, f.refusedHeaders),
    ]);
    const bothHeld = await waitFor(() => sim.stats().inFlight === 2, PATIENCE_MS);
    gate.open();
    const [good, refused] = await pending;
    expect(bothHeld).toBe(true);
    expect(sim.stats().peakInFlight).toBe(2);
    expect(sim.requests()).toHaveLength(2);

    expect(good.body.errors).toBeUndefined();
    expect(good.body.data.user.id).toBe(f.id);
    expect(refused.body.data.user).toBeNull();
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', provider: f.provider });
    expect(refused.text).not.toContain(f.id === '1' ? '"geralt"' : f.id);

    const seen = sim.requests().map((r) => f.upstreamCredential(r.headers)).sort();
    const sent = [Object.values(f.headers)[0]!, Object.values(f.refusedHeaders)[0]!].map((v) => f.upstreamCredential(f.toUpstream(v))).sort();
    expect(seen).toEqual(sent);
  });

  it('PASSBOLT: two valid callers (Ada and Carol) reading the same user concurrently: two calls, one per token', async () => {
    const f = fixture('PASSBOLT');
    const carolToken = Object.entries(stack.sims.data.passbolt.tokens).find(([, id]) => id !== f.id)![0];
    const sim = simOf(stack, f);
    const gate = createGate();
    sim.injectFaults([{ fault: { kind: 'gate', gate }, times: 2 }]);
    const pending = Promise.all([
      stack.gql(userQuery('PASSBOLT'), { id: f.id }, f.headers),
      stack.gql(userQuery('PASSBOLT'), { id: f.id }, { 'X-Passbolt-Token': carolToken }),
    ]);
    const bothHeld = await waitFor(() => sim.stats().inFlight === 2, PATIENCE_MS);
    gate.open();
    const [ada, carol] = await pending;
    expect(bothHeld).toBe(true);
    expect(ada.body.data.user.id).toBe(f.id);
    expect(carol.body.data.user.id).toBe(f.id);
    expect(sim.stats().peakInFlight).toBe(2);
    expect(sim.requests().map((r) => r.headers.authorization).sort()).toEqual([`Bearer ${f.headers['X-Passbolt-Token']}`, `Bearer ${carolToken}`].sort());
  });
});
