/**
 * The per-provider circuit breaker (R10, R11): it opens on provider failures only
 * (5xx, timeouts, network), fails fast while open without touching the upstream, lets exactly one
 * probe through after BREAKER_OPEN_MS, and closes again when the probe succeeds.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderName } from '../../src/model.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { FIXTURES, fixture, onlyError, percentile, resetSims, simOf, timed, userQuery, waitFor, type ProviderFixture } from './fixtures.js';

const OPEN_MS = 600;

async function breakerState(stack: Stack, provider: ProviderName): Promise<string> {
  const res = await fetch(stack.url.replace(/\/graphql$/, '/readyz'));
  const body = (await res.json()) as { providers: Record<string, { breaker?: string }> };
  return body.providers[provider]?.breaker ?? 'unknown';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('circuit breaker', () => {
  let stack: Stack;
  beforeAll(async () => {
    // One attempt per request, so each request is one breaker sample; breaker thresholds at their defaults.
    stack = await startStack({
      env: { UPSTREAM_TIMEOUT_MS: '200', REQUEST_DEADLINE_MS: '500', UPSTREAM_RETRIES: '0', BREAKER_OPEN_MS: String(OPEN_MS) },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => resetSims(stack));

  describe.each(FIXTURES)('$provider', (f: ProviderFixture) => {
    const ask = () => stack.gql(userQuery(f.provider), { id: f.id }, f.headers);

    it('R10: five consecutive failures open it; 50 requests then cost 0 upstream calls and fail fast; after the open period exactly one probe, then closed', async () => {
      const sim = simOf(stack, f);
      sim.injectFaults([{ fault: { kind: 'status', status: f.outageStatus }, times: -1 }]);
      for (let i = 0; i < 5; i++) {
        expect(onlyError(await ask()).extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider: f.provider });
      }
      const openedAt = performance.now();
      expect(sim.requests()).toHaveLength(5);
      expect(await breakerState(stack, f.provider)).toBe('open');

      const latencies: number[] = [];
      for (let i = 0; i < 50; i++) {
        const { result, ms } = await timed(ask);
        expect(onlyError(result).extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider: f.provider, reason: 'CIRCUIT_OPEN' });
        latencies.push(ms);
      }
      // All 50 must have been sent while the breaker was still open, or the count below means nothing.
      expect(performance.now() - openedAt).toBeLessThan(OPEN_MS);
      expect(sim.requests()).toHaveLength(5);
      // Fail-fast: answered without waiting on anything (client-side time includes the HTTP round trip).
      expect(percentile(latencies, 50)).toBeLessThan(25);
      expect(Math.max(...latencies)).toBeLessThan(150);
      console.log(`${f.provider} R10 fail-fast latency: p50 ${percentile(latencies, 50).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);

      // The provider recovers; after the open period one request probes it.
      sim.clearFaults();
      sim.clearRequests();
      sim.resetStats();
      await sleep(Math.max(0, OPEN_MS - (performance.now() - openedAt)) + 20);
      sim.injectFaults([{ fault: { kind: 'latency', ms: 150 } }]);
      const probe = ask();
      const waiters = [ask(), ask(), ask()];
      // While the probe is in flight it is the only upstream call: the other requests wait for its outcome.
      expect(await waitFor(() => sim.stats().total === 1, 1_000)).toBe(true);
      await sleep(80);
      expect(sim.stats().total).toBe(1);
      expect(sim.stats().inFlight).toBe(1);
      const probeRes = await probe;
      expect(probeRes.body.errors).toBeUndefined();
      expect(probeRes.body.data.user.id).toBe(f.id);
      for (const w of await Promise.all(waiters)) expect(w.body.data.user.id).toBe(f.id);
      expect(await breakerState(stack, f.provider)).toBe('closed');

      // Closed: the next ten requests all reach the upstream.
      sim.clearRequests();
      for (let i = 0; i < 10; i++) expect((await ask()).body.data.user.id).toBe(f.id);
      expect(sim.requests()).toHaveLength(10);
    });

    it('R10: a failing probe opens it again for another period, still with a single upstream call', async () => {
      const sim = simOf(stack, f);
      sim.injectFaults([{ fault: { kind: 'status', status: f.outageStatus }, times: -1 }]);
      for (let i = 0; i < 5; i++) await ask();
      expect(await breakerState(stack, f.provider)).toBe('open');
      await sleep(OPEN_MS + 20);
      sim.clearRequests();
      expect(onlyError(await ask()).extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider: f.provider });
      expect(sim.requests()).toHaveLength(1);
      expect(onlyError(await ask()).extensions).toMatchObject({ reason: 'CIRCUIT_OPEN' });
      expect(sim.requests()).toHaveLength(1);
      // Recover for the next test.
      sim.clearFaults();
      await sleep(OPEN_MS + 20);
      expect((await ask()).body.data.user.id).toBe(f.id);
      expect(await breakerState(stack, f.provider)).toBe('closed');
    });

    it('R11: 100 × 401 leave it closed: all 100 reach the upstream, and the next request succeeds', async () => {
      const sim = simOf(stack, f);
      sim.injectFaults([{ fault: { kind: 'status', status: 401, body: f.errorBody(401) }, times: 100 }]);
      for (let batch = 0; batch < 10; batch++) {
        const results = await Promise.all(Array.from({ length: 10 }, ask));
        for (const r of results) expect(onlyError(r).extensions).toMatchObject({ code: 'UNAUTHENTICATED', provider: f.provider });
      }
      expect(sim.requests()).toHaveLength(100);
      expect(await breakerState(stack, f.provider)).toBe('closed');
      expect((await ask()).body.data.user.id).toBe(f.id);
      expect(sim.requests()).toHaveLength(101);
    });

    it('R11: 25 × 404 and 25 × 429 (the caller’s problem, or back-pressure) leave it closed', async () => {
      const sim = simOf(stack, f);
      sim.injectFaults([
        { fault: { kind: 'status', status: 404, body: f.errorBody(404) }, times: 25 },
        { fault: { kind: 'status', status: 429, headers: { 'retry-after': '30' } }, times: 25 },
      ]);
      for (let i = 0; i < 25; i++) expect(onlyError(await ask()).extensions).toMatchObject({ code: 'NOT_FOUND' });
      for (let i = 0; i < 25; i++) expect(onlyError(await ask()).extensions).toMatchObject({ code: 'RATE_LIMITED' });
      expect(sim.requests()).toHaveLength(50);
      expect(await breakerState(stack, f.provider)).toBe('closed');
    });
  });

  it('R11: BellaDati’s throttling 503 is back-pressure, not failure: 25 of them leave its breaker closed', async () => {
    const f = fixture('BELLADATI');
    const sim = simOf(stack, f);
    sim.injectFaults([{ fault: { kind: 'status', status: 503 }, times: 25 }]);
    for (let i = 0; i < 25; i++) {
      expect(onlyError(await stack.gql(userQuery('BELLADATI'), { id: f.id }, f.headers)).extensions).toMatchObject({ code: 'RATE_LIMITED' });
    }
    expect(sim.requests()).toHaveLength(25);
    expect(await breakerState(stack, 'BELLADATI')).toBe('closed');
  });
});

describe('circuit breaker: the failure-rate rule', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A fresh stack: the rate is measured over the last 10 s, which must hold only this test's calls.
    stack = await startStack({ env: { UPSTREAM_TIMEOUT_MS: '200', REQUEST_DEADLINE_MS: '500', UPSTREAM_RETRIES: '0' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('more than 50 % failures over at least 20 calls opens it, with never more than 2 failures in a row', async () => {
    const f = fixture('DROPLIT');
    const sim = simOf(stack, f);
    // fail, fail, pass, repeated: never more than two failures in a row, two thirds failing.
    const pattern = Array.from({ length: 12 }, () => [
      { fault: { kind: 'status' as const, status: 503 } },
      { fault: { kind: 'status' as const, status: 503 } },
      { fault: { kind: 'latency' as const, ms: 0 } },
    ]).flat();
    sim.injectFaults(pattern);
    const codes: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await stack.gql(userQuery('DROPLIT'), { id: f.id }, f.headers);
      codes.push(res.body.errors ? String(res.body.errors[0].extensions.reason ?? res.body.errors[0].extensions.code) : 'ok');
    }
    const firstOpen = codes.indexOf('CIRCUIT_OPEN');
    // Below 20 calls the rate rule never decides; it opens on the first failure from the 20th call on.
    expect(firstOpen).toBeGreaterThanOrEqual(20);
    expect(firstOpen).toBeLessThanOrEqual(22);
    expect(codes.slice(firstOpen).every((c) => c === 'CIRCUIT_OPEN')).toBe(true);
    expect(sim.requests()).toHaveLength(firstOpen);
    // One provider's open breaker leaves the others closed.
    for (const other of ['SYNCANO', 'PASSBOLT', 'BELLADATI'] as const) expect(await breakerState(stack, other)).toBe('closed');
    sim.clearFaults();
  });
});
