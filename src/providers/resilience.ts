/**
 * What stands between the gateway and one provider when that provider misbehaves: a bound on
 * in-flight requests (bulkhead), retries of reads with full-jitter backoff inside the request's
 * deadline and a retry budget, and a circuit breaker that fails fast while the provider is down.
 *
 * One guard per provider, created by the registry and shared by every request to that provider;
 * it holds counters and timers, never user data. The breaker and bulkhead are cockatiel's; the retry
 * loop is ours because its rules (Retry-After only when it fits the deadline, a budget shared across
 * requests, no retry once the deadline has passed) are not expressible with cockatiel's backoffs.
 *
 * Defaults follow the usual settings of Envoy, the AWS SDKs' standard retry mode and Hystrix:
 * 2 retries (3 attempts), backoff random(0, min(500, 50·2^n)) ms, retries ≤ 20 % of requests over
 * 10 s with a floor of 3 per second, the breaker opening after 5 consecutive failures or ≥ 50 %
 * failures over ≥ 20 calls in 10 s, open for 5 s then one probe, at most 64 requests in flight.
 *
 * The guard keeps its own time on a `ResilienceClock` (the breaker's open period, the retry budget's
 * window, the waits between attempts), so a test can step time by hand instead of sleeping. The
 * failure-rate window is cockatiel's SamplingBreaker's own and runs on the wall clock.
 */
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  SamplingBreaker,
  bulkhead,
  circuitBreaker,
  handleWhen,
  type IBackoff,
  type IBackoffFactory,
  type IBreaker,
} from 'cockatiel';
import { ErrorCode, GatewayError, isGatewayError } from '../errors.js';
import type { ProviderName } from '../model.js';

/** The guard's sense of time. */
export interface ResilienceClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock, or as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** `performance.now()` and real timers. */
export const SYSTEM_CLOCK: ResilienceClock = Object.freeze({ now: () => performance.now(), sleep });

export interface ResilienceOptions {
  /** Retries after the first attempt (reads only). */
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Retries allowed as a share of requests over the budget window. */
  retryBudgetPercent: number;
  /** Retries always allowed per second of the window, whatever the share. */
  retryBudgetMinPerSecond: number;
  retryBudgetWindowMs: number;
  breakerConsecutiveFailures: number;
  /** Failure share (0–100) that opens the breaker once `breakerMinimumCalls` calls fall in the window. */
  breakerFailureRatePercent: number;
  breakerMinimumCalls: number;
  breakerWindowMs: number;
  /** How long the breaker stays open before one half-open probe. */
  breakerOpenMs: number;
  /** Most requests in flight to this provider; the excess fails fast. */
  maxInFlight: number;
  /** Measures the open period and the retry budget's window, and waits between attempts. */
  clock: ResilienceClock;
}

export const DEFAULT_RESILIENCE: Readonly<ResilienceOptions> = Object.freeze({
  maxRetries: 2,
  backoffBaseMs: 50,
  backoffMaxMs: 500,
  retryBudgetPercent: 20,
  retryBudgetMinPerSecond: 3,
  retryBudgetWindowMs: 10_000,
  breakerConsecutiveFailures: 5,
  breakerFailureRatePercent: 50,
  breakerMinimumCalls: 20,
  breakerWindowMs: 10_000,
  breakerOpenMs: 5_000,
  maxInFlight: 64,
  clock: SYSTEM_CLOCK,
});

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What one attempt produced, as far as the guard cares. */
export interface AttemptOutcome {
  status: number;
  /** The provider is throttling (429, or whatever status that provider throttles with, e.g. BellaDati's 503). */
  throttled?: boolean;
  /** `Retry-After`, in seconds, when the upstream sent a usable one. */
  retryAfterSeconds?: number;
}

export interface GuardRunOptions {
  /** Reads may be retried; anything else gets exactly one attempt. */
  retryable: boolean;
  /** When the whole GraphQL request must be done (performance.now() clock); Infinity for none. */
  deadlineAt: number;
  /** Aborts the waits between attempts (the request's deadline or the client going away). */
  signal?: AbortSignal;
}

export interface UpstreamGuard {
  readonly provider: ProviderName;
  /**
   * Runs `attempt` under the bulkhead, breaker and retry rules. `attempt` receives the attempt number
   * (0 first) and must throw a GatewayError for transport failures (PROVIDER_TIMEOUT,
   * PROVIDER_UNAVAILABLE) or resolve to a response; the last response is returned even when it is a
   * failure status, so the adapter's error table still decides the code.
   */
  run<R extends AttemptOutcome>(attempt: (n: number) => Promise<R>, options: GuardRunOptions): Promise<R>;
  breakerState(): BreakerState;
  inFlight(): number;
  /** Listens to breaker transitions (metrics, logs). */
  onBreakerStateChange(listener: (state: BreakerState) => void): void;
}

/** Failures that say something about the provider's health (never 4xx: those are the caller's). */
export function isProviderFailure(outcome: AttemptOutcome): boolean {
  return outcome.status >= 500 && !isThrottle(outcome);
}

/** Throttling is back-pressure, not failure: it never trips the breaker. */
function isThrottle(outcome: AttemptOutcome): boolean {
  return outcome.throttled === true || outcome.status === 429;
}

function isRetryableStatus(outcome: AttemptOutcome): boolean {
  return isThrottle(outcome) || outcome.status === 500 || outcome.status === 502 || outcome.status === 503 || outcome.status === 504;
}

/** Transport failures worth another attempt: refused, reset, cut off, or the attempt timed out. */
function isRetryableError(error: unknown): boolean {
  return isGatewayError(error) && (error.code === ErrorCode.PROVIDER_UNAVAILABLE || error.code === ErrorCode.PROVIDER_TIMEOUT) && error.extensions.reason === undefined;
}

/** The breaker opens when either of its rules does (consecutive failures, or a failure rate). */
class EitherBreaker implements IBreaker {
  constructor(private readonly breakers: IBreaker[]) {}
  get state(): unknown {
    return this.breakers.map((b) => b.state);
  }
  set state(value: unknown) {
    (value as unknown[]).forEach((s, i) => {
      this.breakers[i]!.state = s;
    });
  }
  success(state: CircuitState): void {
    for (const b of this.breakers) b.success(state);
  }
  failure(state: CircuitState): boolean {
    let open = false;
    for (const b of this.breakers) open = b.failure(state) || open;
    return open;
  }
}

/**
 * Retries allowed ≤ percent × requests + floor, counted over a sliding window of one-second buckets
 * (Envoy `retry_budget`, Apollo Router `retry_percent`/`min_per_sec`).
 */
class RetryBudget {
  private readonly buckets: Array<{ second: number; requests: number; retries: number }>;
  constructor(private readonly options: ResilienceOptions) {
    const size = Math.max(1, Math.ceil(options.retryBudgetWindowMs / 1000));
    this.buckets = Array.from({ length: size }, () => ({ second: -1, requests: 0, retries: 0 }));
  }
  private bucket(): { second: number; requests: number; retries: number } {
    const second = Math.floor(this.options.clock.now() / 1000);
    const b = this.buckets[second % this.buckets.length]!;
    if (b.second !== second) Object.assign(b, { second, requests: 0, retries: 0 });
    return b;
  }
  recordRequest(): void {
    this.bucket().requests++;
  }
  tryRetry(): boolean {
    const current = this.bucket();
    const oldest = current.second - this.buckets.length + 1;
    let requests = 0;
    let retries = 0;
    for (const b of this.buckets) {
      if (b.second >= oldest) {
        requests += b.requests;
        retries += b.retries;
      }
    }
    const allowed = (requests * this.options.retryBudgetPercent) / 100 + this.options.retryBudgetMinPerSecond * this.buckets.length;
    if (retries + 1 > allowed) return false;
    current.retries++;
    return true;
  }
}

/**
 * The breaker's open period, measured on `clock`. Cockatiel opens the breaker, asks this factory for
 * the wait (which marks when it opened) and then lets a probe through once
 * `Date.now() - openedAt >= duration`; a duration that is Infinity until `ms` have passed on `clock`,
 * then 0, puts that decision on `clock`. Requests that queued behind a probe which failed see the new
 * period too, so they fail fast instead of probing again.
 */
function openPeriod(clock: ResilienceClock, ms: number): IBackoffFactory<unknown> {
  const opened = (at: number): IBackoff<unknown> => ({
    get duration() {
      return clock.now() - at < ms ? Infinity : 0;
    },
    next: () => opened(clock.now()),
  });
  return { next: () => opened(clock.now()) };
}

export function createUpstreamGuard(provider: ProviderName, overrides: Partial<ResilienceOptions> = {}): UpstreamGuard {
  const options: ResilienceOptions = { ...DEFAULT_RESILIENCE, ...overrides };
  const failed = (r: unknown) => isProviderFailure(r as AttemptOutcome);
  const breaker = circuitBreaker(
    // Transport failures count, gateway-side refusals (bad response, too large) do not.
    handleWhen(isRetryableError).orWhenResult(failed),
    {
      halfOpenAfter: openPeriod(options.clock, options.breakerOpenMs),
      breaker: new EitherBreaker([
        new ConsecutiveBreaker(options.breakerConsecutiveFailures),
        new SamplingBreaker({
          threshold: options.breakerFailureRatePercent / 100,
          duration: options.breakerWindowMs,
          minimumRps: options.breakerMinimumCalls / (options.breakerWindowMs / 1000),
        }),
      ]),
    },
  );
  const bulkheadPolicy = bulkhead(options.maxInFlight, 0);
  const budget = new RetryBudget(options);
  let inFlight = 0;

  const toBreakerState = (s: CircuitState): BreakerState =>
    s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen ? 'half-open' : 'open';

  async function attemptThroughBreaker<R extends AttemptOutcome>(attempt: (n: number) => Promise<R>, n: number): Promise<R> {
    try {
      return await breaker.execute(() => attempt(n));
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw new GatewayError(ErrorCode.PROVIDER_UNAVAILABLE, 'The provider is failing; the gateway is not calling it for a few seconds.', {
          provider,
          reason: 'CIRCUIT_OPEN',
        });
      }
      throw error;
    }
  }

  async function withRetries<R extends AttemptOutcome>(attempt: (n: number) => Promise<R>, run: GuardRunOptions): Promise<R> {
    budget.recordRequest();
    for (let n = 0; ; n++) {
      let outcome: { ok: true; value: R } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, value: await attemptThroughBreaker(attempt, n) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      const retryable = outcome.ok ? isRetryableStatus(outcome.value) : isRetryableError(outcome.error);
      const delay = retryable && run.retryable && n < options.maxRetries ? nextDelay(outcome, n, run.deadlineAt) : undefined;
      if (delay === undefined || !budget.tryRetry()) {
        if (outcome.ok) return outcome.value;
        throw outcome.error;
      }
      await options.clock.sleep(delay, run.signal);
    }
  }

  /** The wait before the next attempt, or undefined when there is no time left for one (the deadline is on the request's performance.now() clock). */
  function nextDelay(outcome: { ok: true; value: AttemptOutcome } | { ok: false; error: unknown }, n: number, deadlineAt: number): number | undefined {
    const left = deadlineAt - performance.now();
    const retryAfter = outcome.ok ? outcome.value.retryAfterSeconds : undefined;
    if (retryAfter !== undefined) {
      // The provider said when: honour it only if an attempt still fits after it.
      const ms = retryAfter * 1000;
      return ms < left ? ms : undefined;
    }
    if (outcome.ok && isThrottle(outcome.value)) return undefined; // throttled with no hint: do not guess
    const delay = Math.random() * Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** n);
    return delay < left ? delay : undefined;
  }

  return {
    provider,
    async run(attempt, run) {
      try {
        return await bulkheadPolicy.execute(async () => {
          inFlight++;
          try {
            return await withRetries(attempt, run);
          } finally {
            inFlight--;
          }
        });
      } catch (error) {
        if (error instanceof BulkheadRejectedError) {
          throw new GatewayError(ErrorCode.PROVIDER_UNAVAILABLE, 'Too many requests in flight to the provider; try again shortly.', {
            provider,
            reason: 'OVERLOADED',
          });
        }
        throw error;
      }
    },
    breakerState: () => toBreakerState(breaker.state),
    inFlight: () => inFlight,
    onBreakerStateChange(listener) {
      breaker.onStateChange((s) => listener(toBreakerState(s)));
    },
  };
}

/** Waits `ms`, or less if `signal` aborts (the caller then finds the deadline passed). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
