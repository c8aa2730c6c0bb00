/**
 * The per-provider circuit breaker: it opens on provider failures only (5xx, timeouts, network),
 * fails fast while open without touching the upstream, lets exactly one probe through once the open
 * period has passed, and closes again when the probe succeeds.
 *
 * The guards keep time on a manual clock: the open period passes in one `advance`, never by
 * sleeping, and a probe is held upstream by a gate for as long as the test looks at it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderName } from '../../src/model.js';
import { createUpstreamGuard, type GuardRunOptions } from '../../src/providers/resilience.js';
import { createGate } from '../../src/simulators/faults.js';
import { startStack, type Stack } from '../helpers/stack.js';
import {
  FIXTURES,
  createManualClock,
  fixture,
  guardOf,
  onlyError,
  resetSims,
  settle,
  simOf,
  startSideGateway,
  userQuery,
  waitFor,
  type ProviderFixture,
  type SideGateway,
} from './fixtures.js';

const OPEN_MS = 5_000;

async function breakerState(url: string, provider: ProviderName): Promise<string> {
  const res = await fetch(url.replace(/\/graphql$/, '/readyz'));
  const body = (await res.json()) as { providers: Record<string, { breaker?: string }> };
  return body.providers[provider]?.breaker ?? 'unknown';
}

describe('circuit breaker on the guard', () => {
  const run: GuardRunOptions = { retryable: true, deadlineAt: Infinity };
  const circuitOpen = { extensions: { code: 'PROVIDER_UNAVAILABLE', provider: 'DROPLIT', reason: 'CIRCUIT_OPEN' } };

  function openGuard() {
    const clock = createManualClock();
    const guard = createUpstreamGuard('DROPLIT', { clock, maxRetries: 0, breakerConsecutiveFailures: 1, breakerOpenMs: 1_000 });
    let calls = 0;
    /** An attempt that counts itself and answers `status`, once `until` resolves. */
    const attempt = (status: number, until?: Promise<void>) => async () => {
      calls++;
      await until;
      return { status };
    };
    return { clock, guard, attempt, calls: () => calls };
  }

  it('refuses every request for the whole open period without calling the provider, then lets one probe through', async () => {
    const { clock, guard, attempt, calls } = openGuard();
    expect((await guard.run(attempt(503), run)).status).toBe(503);
    expect(guard.breakerState()).toBe('open');
    await expect(guard.run(attempt(200), run)).rejects.toMatchObject(circuitOpen);
    clock.advance(999);
    await expect(guard.run(attempt(200), run)).rejects.toMatchObject(circuitOpen);
    expect(calls()).toBe(1);
    clock.advance(1);
    expect((await guard.run(attempt(200), run)).status).toBe(200);
    expect(calls()).toBe(2);
    expect(guard.breakerState()).toBe('closed');
  });

  it('while the probe is out, the other requests wait for its outcome and make no call of their own', async () => {
    const { clock, guard, attempt, calls } = openGuard();
    await guard.run(attempt(503), run);
    clock.advance(1_000);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const probe = guard.run(attempt(200, held), run);
    const waiters = Array.from({ length: 3 }, () => guard.run(attempt(200), run));
    await settle();
    // The failure that opened it, and the probe.
    expect(calls()).toBe(2);
    expect(guard.breakerState()).toBe('half-open');
    release();
    expect((await probe).status).toBe(200);
    for (const w of await Promise.all(waiters)) expect(w.status).toBe(200);
    expect(calls()).toBe(5);
    expect(guard.breakerState()).toBe('closed');
  });

  it('a failing probe opens it for another full period, and the requests that waited on it fail fast', async () => {
    const { clock, guard, attempt, calls } = openGuard();
    await guard.run(attempt(503), run);
    clock.advance(1_000);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const probe = guard.run(attempt(503, held), run);
    const waiters = Array.from({ length: 3 }, () => guard.run(attempt(200), run));
    await settle();
    release();
    expect((await probe).status).toBe(503);
    for (const w of await Promise.allSettled(waiters)) expect(w).toMatchObject({ status: 'rejected', reason: circuitOpen });
    expect(calls()).toBe(2);
    expect(guard.breakerState()).toBe('open');
    clock.advance(999);
    await expect(guard.run(attempt(200), run)).rejects.toMatchObject(circuitOpen);
    clock.advance(1);
    expect((await guard.run(attempt(200), run)).status).toBe(200);
    expect(calls()).toBe(3);
  });
});

describe('circuit breaker', () => {
  let stack: Stack;
  let side: SideGateway;
  const clock = createManualClock();
  beforeAll(async () => {
    // One attempt per request, so each request is one breaker sample; breaker thresholds at their
    // defaults. Timeouts far above anything here: a probe stays held at its gate until let go.
    stack = await startStack();
    side = await startSideGateway(stack, { UPSTREAM_TIMEOUT_MS: '30000', REQUEST_DEADLINE_MS: '30000', UPSTREAM_RETRIES: '0', BREAKER_OPEN_MS: String(OPEN_MS) }, {}, clock);
  });
  afterAll(async () => {
    await side?.close();
    await stack?.close();
  });
  beforeEach(() => resetSims(stack));

  describe.each(FIXTURES)('$provider', (f: ProviderFixture) => {
    const ask = () => side.gql(userQuery(f.provider), { id: f.id }, f.headers);
    const state = () => breakerState(side.url, f.provider);

    it('five consecutive failures open it; then 50 requests fail fast with no upstream call; after the open period one probe alone goes upstream, and its success closes it', async () => {
      const sim = simOf(stack, f);
      // The outage lasts: a request let through while the breaker is open would reach it and be counted.
      sim.injectFaults([{ fault: { kind: 'status', status: f.outageStatus }, times: -1 }]);
      for (let i = 0; i < 5; i++) {
        expect(onlyError(await ask()).extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider: f.provider });
      }
      expect(sim.requests()).toHaveLength(5);
      expect(await state()).toBe('open');

      // Up to the last millisecond of the open period, nothing reaches the provider.
      for (let i = 0; i < 50; i++) {
        if (i === 49) clock.advance(OPEN_MS - 1);
        expect(onlyError(await ask()).extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider: f.provider, reason: 'CIRCUIT_OPEN' });
      }
      expect(sim.requests()).toHaveLength(5);

      // The provider recovers; the open period ends; the next request probes it, held at a gate.
      sim.clearFaults();
      sim.clearRequests();
      sim.resetStats();
      clock.advance(1);
      const gate = createGate();
      sim.injectFaults([{ fault: { kind: 'gate', gate } }]);
      const finished: string[] = [];
      const probe = ask().then((r) => (finished.push('probe'), r));
      expect(await waitFor(() => sim.stats().inFlight === 1, 10_000)).toBe(true);
      const waiters = Array.from({ length: 3 }, () => ask().then((r) => (finished.push('waiter'), r)));
      // All four are inside the provider's guard; the probe is the only upstream call.
      expect(await waitFor(() => guardOf(side.gateway, f.provider).inFlight() === 4, 10_000)).toBe(true);
      await settle();
      expect(sim.stats().total).toBe(1);
      expect(await state()).toBe('half-open');

      gate.open();
      const probeRes = await probe;
      expect(probeRes.body.errors).toBeUndefined();
      expect(probeRes.body.data.user.id).toBe(f.id);
      for (const w of await Promise.all(waiters)) expect(w.body.data.user.id).toBe(f.id);
      // The others waited for the probe's outcome, then went upstream through the closed breaker.
      expect(finished[0]).toBe('probe');
      expect(sim.requests()).toHaveLength(4);
      expect(await state()).toBe('closed');

      // Closed: the next ten requests all reach the upstream.
      sim.clearRequests();
      for (let i = 0; i < 10; i++) expect((await ask()).body.data.user.id).toBe(f.id);
      expect(sim.requests()).toHaveLength(10);
    });

    it('a failing probe opens it again for another period, still with a single upstream call', async () => {
      const sim = simOf(stack, f);
      sim.injectFaults([{ fault: { kind: 'status', status: f.outageStatus }, times: -1 }]);
      for (let i = 0; i < 5; i++) await ask();
      expect(await state()).toBe('open');
      clock.advance(OPEN_MS);
      sim.clearRequests();
      expect(onlyError(await ask()).extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider: f.provider });
      expect(sim.requests()).toHaveLength(1);
      expect(await state()).toBe('open');
      clock.advance(OPEN_MS - 1);
      expect(onlyError(await ask()).extensions).toMatchObject({ reason: 'CIRCUIT_OPEN' });
      expect(sim.requests()).toHaveLength(1);
      // The provider recovers: the probe after the second period closes it.
      sim.clearFaults();
      clock.advance(1);
      expect((await ask()).body.data.user.id).toBe(f.id);
      expect(await state()).toBe('closed');
    });

    it('100 × 401 leave it closed: all 100 reach the upstream, and the next request succeeds', async () => {
      const sim = simOf(stack, f);
      sim.injectFaults([{ fault: { kind: 'status', status: 401, body: f.errorBody(401) }, times: 100 }]);
      for (let batch = 0; batch < 10; batch++) {
        const results = await Promise.all(Array.from({ length: 10 }, ask));
        for (const r of results) expect(onlyError(r).extensions).toMatchObject({ code: 'UNAUTHENTICATED', provider: f.provider });
      }
      expect(sim.requests()).toHaveLength(100);
      expect(await state()).toBe('closed');
      expect((await ask()).body.data.user.id).toBe(f.id);
      expect(sim.requests()).toHaveLength(101);
    });

    it('25 × 404 and 25 × 429 (the caller’s problem, or back-pressure) leave it closed', async () => {
      const sim = simOf(stack, f);
      sim.injectFaults([
        { fault: { kind: 'status', status: 404, body: f.errorBody(404) }, times: 25 },
        { fault: { kind: 'status', status: 429, headers: { 'retry-after': '30' } }, times: 25 },
      ]);
      for (let i = 0; i < 25; i++) expect(onlyError(await ask()).extensions).toMatchObject({ code: 'NOT_FOUND' });
      for (let i = 0; i < 25; i++) expect(onlyError(await ask()).extensions).toMatchObject({ code: 'RATE_LIMITED' });
      expect(sim.requests()).toHaveLength(50);
      expect(await state()).toBe('closed');
    });
  });

  it('BellaDati’s throttling 503 is back-pressure, not failure: 25 of them leave its breaker closed', async () => {
    const f = fixture('BELLADATI');
    const sim = simOf(stack, f);
    sim.injectFaults([{ fault: { kind: 'status', status: 503 }, times: 25 }]);
    for (let i = 0; i < 25; i++) {
      expect(onlyError(await side.gql(userQuery('BELLADATI'), { id: f.id }, f.headers)).extensions).toMatchObject({ code: 'RATE_LIMITED' });
    }
    expect(sim.requests()).toHaveLength(25);
    expect(await breakerState(side.url, 'BELLADATI')).toBe('closed');
  });
});

describe('circuit breaker: the failure-rate rule', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A fresh stack, and a window far longer than this test, so the rate is over exactly its calls.
    stack = await startStack({ env: { UPSTREAM_TIMEOUT_MS: '5000', REQUEST_DEADLINE_MS: '10000', UPSTREAM_RETRIES: '0', BREAKER_WINDOW_MS: '600000' } });
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
    for (const other of ['SYNCANO', 'PASSBOLT', 'BELLADATI'] as const) expect(await breakerState(stack.url, other)).toBe('closed');
    sim.clearFaults();
  });
});
