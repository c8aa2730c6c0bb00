/**
 * Timeouts and the request deadline: a hung or trickling upstream is cut at the attempt timeout, and
 * however the retries are configured a GraphQL request ends at REQUEST_DEADLINE_MS.
 *
 * Both are checked by counting attempts, not by timing responses: with an attempt timeout of 500 ms
 * and a deadline of 1,250 ms, an upstream that never answers gets two attempts cut by their timeout
 * and perhaps a third cut by the deadline. Without the attempt timeout it would get one; without the
 * deadline, one per retry. An upstream that never answers at all would leave the request hanging
 * until the test's own timeout. (How far past the deadline a response comes is a figure for
 * `npm run bench`, not a test.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderName } from '../../src/model.js';
import { startStack, type Stack } from '../helpers/stack.js';
import {
  ALL_HEADERS,
  FAST_ENV,
  FIXTURES,
  fixture,
  observeAttempts,
  onlyError,
  resetSims,
  simOf,
  userQuery,
  waitFor,
  type ProviderFixture,
  type ObservedAttempt,
} from './fixtures.js';

describe('hung and trickling upstreams', () => {
  let stack: Stack;
  let attempts: ObservedAttempt[];
  beforeAll(async () => {
    stack = await startStack({ env: { ...FAST_ENV } });
    attempts = observeAttempts(stack.gateway);
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(async () => {
    await resetSims(stack);
    attempts.length = 0;
  });

  describe.each(FIXTURES)('$provider', (f) => {
    it('a hung upstream is cut at each attempt timeout and the request ends with PROVIDER_TIMEOUT; the simulator sees its sockets closed', async () => {
      const sim = simOf(stack, f);
      sim.injectFaults([{ fault: { kind: 'hang' }, times: -1 }]);
      const res = await stack.gql(userQuery(f.provider), { id: f.id }, f.headers);
      expect(onlyError(res).extensions).toEqual({ code: 'PROVIDER_TIMEOUT', provider: f.provider });
      // Two attempts cut at their timeout, and a third cut by the deadline if it started.
      expect(sim.requests().length).toBeGreaterThanOrEqual(2);
      expect(sim.requests().length).toBeLessThanOrEqual(3);
      expect(attempts.map((a) => a.outcome)).toEqual(sim.requests().map(() => 'timeout'));
      expect(await waitFor(() => sim.stats().inFlight === 0, 10_000)).toBe(true);
    });

    it('a body trickled 1 byte every 20 ms is aborted at the attempt timeout (PROVIDER_TIMEOUT), not after undici’s 300 s', async () => {
      const sim = simOf(stack, f);
      sim.injectFaults([{ fault: { kind: 'trickle', intervalMs: 20, bytes: 1 }, times: -1 }]);
      const res = await stack.gql(userQuery(f.provider), { id: f.id }, f.headers);
      expect(onlyError(res).extensions).toEqual({ code: 'PROVIDER_TIMEOUT', provider: f.provider });
      // Each byte arrives well within undici's body timeout; only a timeout over the whole attempt
      // cuts it, which leaves room for a second attempt before the deadline.
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(attempts.length).toBeLessThanOrEqual(3);
      for (const a of attempts) expect(a.outcome).toBe('timeout');
      expect(await waitFor(() => sim.stats().inFlight === 0, 10_000)).toBe(true);
    });

    it('a slow answer inside the attempt timeout is simply waited for: one call, success', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'latency', ms: 120 } }]);
      const res = await stack.gql(userQuery(f.provider), { id: f.id }, f.headers);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.user.id).toBe(f.id);
      expect(simOf(stack, f).requests()).toHaveLength(1);
      expect(attempts.map((a) => a.outcome)).toEqual([200]);
    });

    it('one hung attempt, then a healthy one, succeeds (two calls: the first cut by its timeout)', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'hang' } }]);
      const res = await stack.gql(userQuery(f.provider), { id: f.id }, f.headers);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.user.id).toBe(f.id);
      expect(simOf(stack, f).requests()).toHaveLength(2);
      expect(attempts.map((a) => a.outcome)).toEqual(['timeout', 200]);
    });
  });

  it('every provider hung in one operation is waited on side by side, under one deadline: one PROVIDER_TIMEOUT each', async () => {
    for (const f of FIXTURES) simOf(stack, f).injectFaults([{ fault: { kind: 'hang' }, times: -1 }]);
    const alias = (f: ProviderFixture) => f.provider.toLowerCase();
    const query = `query(${FIXTURES.map((f) => `$${alias(f)}: ID!`).join(', ')}) { ${FIXTURES.map((f) => `${alias(f)}: user(provider: ${f.provider}, id: $${alias(f)}) { id }`).join(' ')} }`;
    const ids = Object.fromEntries(FIXTURES.map((f) => [alias(f), f.id]));
    const res = await stack.gql(query, ids, ALL_HEADERS);
    expect(res.body.data).toEqual(Object.fromEntries(FIXTURES.map((f) => [alias(f), null])));
    expect(res.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(Array(FIXTURES.length).fill('PROVIDER_TIMEOUT'));
    // Each provider got what one deadline allows (two or three attempts), not one deadline each in turn.
    for (const f of FIXTURES) {
      expect(simOf(stack, f).requests().length).toBeGreaterThanOrEqual(2);
      expect(simOf(stack, f).requests().length).toBeLessThanOrEqual(3);
    }
    // Side by side: every provider's first attempt started before any attempt ended.
    const firstStarts = FIXTURES.map((f) => attempts.find((a) => a.provider === f.provider)!.startedAt);
    expect(Math.max(...firstStarts)).toBeLessThan(Math.min(...attempts.map((a) => a.endedAt)));
  });
});

/**
 * Every attempt times out; whatever the retry settings, the request ends by the deadline. Each
 * provider gets its own settings through the per-provider variables, so one stack covers four rows.
 */
describe('deadline arithmetic under every retry setting', () => {
  const ROWS: Array<{ provider: ProviderName; env: Record<string, string>; label: string; attempts: [number, number] }> = [
    { provider: 'SYNCANO', label: 'no retries', env: { SYNCANO_UPSTREAM_RETRIES: '0' }, attempts: [1, 1] },
    { provider: 'DROPLIT', label: '10 retries, 5 ms backoff', env: { DROPLIT_UPSTREAM_RETRIES: '10' }, attempts: [2, 3] },
    {
      // Were the attempt not cut at the deadline, this request would outlast the test's own timeout.
      provider: 'PASSBOLT',
      label: 'attempt timeout (60 s) longer than the deadline',
      env: { PASSBOLT_UPSTREAM_TIMEOUT_MS: '60000', PASSBOLT_UPSTREAM_RETRIES: '5' },
      attempts: [1, 1],
    },
    {
      provider: 'BELLADATI',
      label: '5 retries with a backoff of up to 400 ms',
      env: { BELLADATI_UPSTREAM_RETRIES: '5', BELLADATI_UPSTREAM_BACKOFF_BASE_MS: '400', BELLADATI_UPSTREAM_BACKOFF_MAX_MS: '400' },
      attempts: [1, 3],
    },
  ];

  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ...FAST_ENV, ...Object.assign({}, ...ROWS.map((r) => r.env)) } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => resetSims(stack));

  it.each(ROWS)('$provider with $label: PROVIDER_TIMEOUT, attempts in $attempts', async (row) => {
    const f = fixture(row.provider);
    const sim = simOf(stack, f);
    sim.injectFaults([{ fault: { kind: 'hang' }, times: -1 }]);
    const res = await stack.gql(userQuery(f.provider), { id: f.id }, f.headers);
    expect(onlyError(res).extensions).toEqual({ code: 'PROVIDER_TIMEOUT', provider: f.provider });
    expect(sim.requests().length).toBeGreaterThanOrEqual(row.attempts[0]);
    expect(sim.requests().length).toBeLessThanOrEqual(row.attempts[1]);
  });
});
