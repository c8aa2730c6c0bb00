/**
 * The retry budget: against a provider answering 100 % 503, retries stay within 20 % of requests
 * plus a floor of 3 per second of the 10 s window, instead of tripling the load.
 *
 * The 1,000-request figure is checked on the guard itself (`createUpstreamGuard`) with attempts that
 * answer 503 at once and a manual clock stepped through ten seconds of traffic; the same rule is
 * then checked end to end over HTTP with 100 real requests, the guards' clock standing still so the
 * window holds all of them however long the machine takes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstreamGuard, type ResilienceOptions } from '../../src/providers/resilience.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { createManualClock, fixture, onlyError, simOf, startSideGateway, userQuery, type SideGateway } from './fixtures.js';

/** No backoff wait, no breaker, no in-flight bound: only the budget limits retries. */
const BUDGET_ONLY: Partial<ResilienceOptions> = {
  backoffBaseMs: 0,
  backoffMaxMs: 0,
  breakerConsecutiveFailures: 1e9,
  breakerMinimumCalls: 1e9,
  maxInFlight: 10_000,
};

describe('retry budget on the guard (1,000 requests over 10 s, every attempt 503)', () => {
  const clock = createManualClock();
  const guardWith = (options: Partial<ResilienceOptions>) => createUpstreamGuard('DROPLIT', { ...BUDGET_ONLY, ...options, clock });

  /** `perSecond` requests in each of `seconds` seconds starting at `from`; returns the attempts made. */
  async function traffic(guard: ReturnType<typeof createUpstreamGuard>, from: number, seconds: number, perSecond: number): Promise<number> {
    let attempts = 0;
    for (let s = from; s < from + seconds; s++) {
      clock.set(s * 1000 + 500);
      const outcomes = await Promise.all(
        Array.from({ length: perSecond }, () =>
          guard.run(
            async () => {
              attempts++;
              return { status: 503 };
            },
            { retryable: true, deadlineAt: Infinity },
          ),
        ),
      );
      for (const o of outcomes) expect(o.status).toBe(503);
    }
    return attempts;
  }

  it('with the default budget (20 %, floor 3/s over 10 s): at most 1,000 × 1.2 + 30 = 1,230 upstream calls', async () => {
    const guard = guardWith({});
    const calls = await traffic(guard, 0, 10, 100);
    console.log(`retry budget on the guard: ${calls} upstream calls for 1,000 requests`);
    expect(calls).toBeLessThanOrEqual(1_230);
    // The budget is spent, not withheld: retries do happen up to it.
    expect(calls).toBeGreaterThanOrEqual(1_200);
  });

  it('without a budget the same traffic costs 3,000 calls (three attempts each)', async () => {
    const guard = guardWith({ retryBudgetPercent: 1_000 });
    expect(await traffic(guard, 0, 10, 100)).toBe(3_000);
  });

  it('the window slides: ten seconds after a storm, retries are allowed again', async () => {
    const guard = guardWith({ retryBudgetMinPerSecond: 0 });
    const storm = await traffic(guard, 0, 10, 100);
    expect(storm).toBeLessThanOrEqual(1_200);
    // Second 25: the storm's buckets have left the window; 10 requests earn 2 retries.
    expect(await traffic(guard, 25, 1, 10)).toBe(12);
  });

  it('requests that succeed still earn retry budget for later failures', async () => {
    const failOnce = async (guard: ReturnType<typeof createUpstreamGuard>) => {
      let attempts = 0;
      await guard.run(
        async () => {
          attempts++;
          return { status: 503 };
        },
        { retryable: true, deadlineAt: Infinity },
      );
      return attempts;
    };
    clock.set(500);
    // Alone in the window, with no floor, a failing request earns no retry at all (20 % of 1).
    expect(await failOnce(guardWith({ retryBudgetMinPerSecond: 0 }))).toBe(1);

    const guard = guardWith({ retryBudgetMinPerSecond: 0 });
    await Promise.all(Array.from({ length: 50 }, () => guard.run(async () => ({ status: 200 }), { retryable: true, deadlineAt: Infinity })));
    // 50 + 1 requests in the window: 20 % allows 10 retries, of which one failing request uses its 2.
    expect(await failOnce(guard)).toBe(3);
  });
});

describe('retry budget end to end (100 requests, every upstream answer 503)', () => {
  let stack: Stack;
  let side: SideGateway;
  beforeAll(async () => {
    stack = await startStack();
    side = await startSideGateway(
      stack,
      {
        UPSTREAM_TIMEOUT_MS: '10000',
        REQUEST_DEADLINE_MS: '30000',
        UPSTREAM_BACKOFF_BASE_MS: '1',
        UPSTREAM_BACKOFF_MAX_MS: '2',
        BREAKER_CONSECUTIVE_FAILURES: '100000',
        BREAKER_MINIMUM_CALLS: '100000',
        // Droplit: the 20 % budget with no floor, so the figure is exact. Passbolt: no effective budget.
        DROPLIT_UPSTREAM_RETRY_BUDGET_MIN_PER_SECOND: '0',
        PASSBOLT_UPSTREAM_RETRY_BUDGET_PERCENT: '1000',
      },
      {},
      createManualClock(),
    );
  });
  afterAll(async () => {
    await side?.close();
    await stack?.close();
  });

  async function hammer(provider: 'DROPLIT' | 'PASSBOLT'): Promise<number> {
    const f = fixture(provider);
    const sim = simOf(stack, f);
    sim.clearRequests();
    sim.injectFaults([{ fault: { kind: 'status', status: 503 }, times: -1 }]);
    for (let i = 0; i < 10; i++) {
      const results = await Promise.all(Array.from({ length: 10 }, () => side.gql(userQuery(provider), { id: f.id }, f.headers)));
      for (const r of results) expect(onlyError(r).extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider });
    }
    sim.clearFaults();
    return sim.requests().length;
  }

  it('with a 20 % budget: at most 100 × 1.2 = 120 upstream calls', async () => {
    const calls = await hammer('DROPLIT');
    console.log(`retry budget over HTTP: ${calls} upstream calls for 100 requests with the 20 % budget`);
    expect(calls).toBeGreaterThanOrEqual(110);
    expect(calls).toBeLessThanOrEqual(120);
  });

  it('without one: 300 upstream calls', async () => {
    expect(await hammer('PASSBOLT')).toBe(300);
  });
});
