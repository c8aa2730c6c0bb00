/**
 * Timeouts and the request deadline (R5, R6, R14): a hung or trickling upstream is cut
 * at the attempt timeout, and however the retries are configured a GraphQL request never outlives
 * REQUEST_DEADLINE_MS by more than scheduling noise.
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
  timed,
  userQuery,
  waitFor,
  type ObservedAttempt,
} from './fixtures.js';

const ATTEMPT_MS = Number(FAST_ENV.UPSTREAM_TIMEOUT_MS);
const DEADLINE_MS = Number(FAST_ENV.REQUEST_DEADLINE_MS);
/** Allowed overrun past a deadline on a shared, noisy 2-core CI machine. */
const NOISE_MS = 250;

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
    it('R5: a hung upstream answers PROVIDER_TIMEOUT within the deadline, and the simulator sees its sockets closed', async () => {
      const sim = simOf(stack, f);
      sim.injectFaults([{ fault: { kind: 'hang' }, times: -1 }]);
      const { result: res, ms } = await timed(() => stack.gql(userQuery(f.provider), { id: f.id }, f.headers));
      expect(onlyError(res).extensions).toEqual({ code: 'PROVIDER_TIMEOUT', provider: f.provider });
      expect(ms).toBeLessThan(DEADLINE_MS + NOISE_MS);
      // Attempt timeout 200 ms, deadline 500 ms: two full attempts and a third cut by the deadline.
      expect(sim.requests().length).toBeGreaterThanOrEqual(2);
      expect(sim.requests().length).toBeLessThanOrEqual(3);
      for (const a of attempts) expect(a.endedAt - a.startedAt).toBeLessThan(ATTEMPT_MS + 100);
      expect(await waitFor(() => sim.stats().inFlight === 0, 500)).toBe(true);
    });

    it('R6: a body trickled 1 byte every 20 ms is aborted at the attempt timeout (PROVIDER_TIMEOUT), not after undici’s 300 s', async () => {
      const sim = simOf(stack, f);
      sim.injectFaults([{ fault: { kind: 'trickle', intervalMs: 20, bytes: 1 }, times: -1 }]);
      const { result: res, ms } = await timed(() => stack.gql(userQuery(f.provider), { id: f.id }, f.headers));
      expect(onlyError(res).extensions).toEqual({ code: 'PROVIDER_TIMEOUT', provider: f.provider });
      expect(ms).toBeLessThan(DEADLINE_MS + NOISE_MS);
      expect(attempts.length).toBeGreaterThanOrEqual(1);
      for (const a of attempts) {
        expect(a.outcome).toBe('timeout');
        expect(a.endedAt - a.startedAt).toBeLessThan(ATTEMPT_MS + 100);
      }
      expect(await waitFor(() => sim.stats().inFlight === 0, 500)).toBe(true);
    });

    it('a slow answer inside the attempt timeout is simply waited for: one call, success', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'latency', ms: 120 } }]);
      const { result: res, ms } = await timed(() => stack.gql(userQuery(f.provider), { id: f.id }, f.headers));
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.user.id).toBe(f.id);
      expect(simOf(stack, f).requests()).toHaveLength(1);
      expect(ms).toBeGreaterThanOrEqual(115);
    });

    it('one hung attempt, then a healthy one, succeeds within the deadline (two calls)', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'hang' } }]);
      const { result: res, ms } = await timed(() => stack.gql(userQuery(f.provider), { id: f.id }, f.headers));
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.user.id).toBe(f.id);
      expect(simOf(stack, f).requests()).toHaveLength(2);
      expect(ms).toBeGreaterThanOrEqual(ATTEMPT_MS - 5);
      expect(ms).toBeLessThan(DEADLINE_MS + NOISE_MS);
    });
  });

  it('all four providers hung in one operation share one deadline: the response comes within it, four PROVIDER_TIMEOUTs', async () => {
    for (const f of FIXTURES) simOf(stack, f).injectFaults([{ fault: { kind: 'hang' }, times: -1 }]);
    const query = `query($s: ID!, $d: ID!, $p: ID!, $b: ID!) {
      s: user(provider: SYNCANO, id: $s) { id } d: user(provider: DROPLIT, id: $d) { id }
      p: user(provider: PASSBOLT, id: $p) { id } b: user(provider: BELLADATI, id: $b) { id } }`;
    const ids = { s: fixture('SYNCANO').id, d: fixture('DROPLIT').id, p: fixture('PASSBOLT').id, b: fixture('BELLADATI').id };
    const { result: res, ms } = await timed(() => stack.gql(query, ids, ALL_HEADERS));
    expect(ms).toBeLessThan(DEADLINE_MS + NOISE_MS);
    expect(res.body.data).toEqual({ s: null, d: null, p: null, b: null });
    expect(res.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(Array(4).fill('PROVIDER_TIMEOUT'));
  });
});

/**
 * R14: every attempt times out; whatever the retry settings, the request ends by the deadline. Each
 * provider gets its own settings through the per-provider variables, so one stack covers four rows.
 */
describe('R14: deadline arithmetic under every retry setting', () => {
  const ROWS: Array<{ provider: ProviderName; env: Record<string, string>; label: string; attempts: [number, number] }> = [
    { provider: 'SYNCANO', label: 'no retries', env: { SYNCANO_UPSTREAM_RETRIES: '0' }, attempts: [1, 1] },
    { provider: 'DROPLIT', label: '10 retries, 5 ms backoff', env: { DROPLIT_UPSTREAM_RETRIES: '10' }, attempts: [2, 3] },
    {
      provider: 'PASSBOLT',
      label: 'attempt timeout (2 s) longer than the deadline',
      env: { PASSBOLT_UPSTREAM_TIMEOUT_MS: '2000', PASSBOLT_UPSTREAM_RETRIES: '5' },
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

  it.each(ROWS)('$provider with $label: PROVIDER_TIMEOUT within deadline + noise, attempts in $attempts', async (row) => {
    const f = fixture(row.provider);
    const sim = simOf(stack, f);
    sim.injectFaults([{ fault: { kind: 'hang' }, times: -1 }]);
    const { result: res, ms } = await timed(() => stack.gql(userQuery(f.provider), { id: f.id }, f.headers));
    expect(onlyError(res).extensions).toEqual({ code: 'PROVIDER_TIMEOUT', provider: f.provider });
    expect(ms).toBeLessThan(DEADLINE_MS + NOISE_MS);
    expect(sim.requests().length).toBeGreaterThanOrEqual(row.attempts[0]);
    expect(sim.requests().length).toBeLessThanOrEqual(row.attempts[1]);
    if (row.provider === 'SYNCANO') {
      // One attempt, cut at its own timeout: well before the deadline.
      expect(ms).toBeLessThan(ATTEMPT_MS + NOISE_MS);
    }
  });
});
