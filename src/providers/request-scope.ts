/**
 * What the upstream client knows of the GraphQL request it works for: the request's abort signal,
 * its deadline and a tally of the upstream calls made for it (for the per-operation log line).
 *
 * The three travel explicitly, as `UpstreamCallOptions`, from the request's loaders through each
 * adapter's `FetchOptions` into every `HttpRequest`: nothing is looked up from a module-level table,
 * so two requests can never see each other's deadline or tally.
 */
import { setMaxListeners } from 'node:events';
import type { Context } from '@opentelemetry/api';
import type { ProviderName } from './provider-name.js';

export interface UpstreamTally {
  /** Upstream HTTP attempts made for this request, retries included. */
  calls: number;
  providers: Set<ProviderName>;
}

/**
 * The request's share of one upstream call. Every field is optional: an adapter used on its own
 * (a script, a test) has no request deadline, and one attempt's timeout is then the whole budget.
 */
export interface UpstreamCallOptions {
  /** Aborts the call: the request's deadline (`RequestScope.signal`) or any other abort signal. */
  signal?: AbortSignal;
  /** When the request's deadline passes, on the performance.now() clock: retries stop there. */
  deadlineAt?: number;
  /** Counts the upstream attempts made for the request. */
  tally?: UpstreamTally;
  /** The trace context upstream attempt spans start under (tracing.ts); absent: not traced. */
  trace?: Context;
  /** The GraphQL request's log fields, for the upstream debug log lines (as on its other lines). */
  logFields?: RequestLogFields;
}

/** What every log line of a request carries: its id and, when it has a trace, the trace fields (tracing.ts `logIds`). */
export interface RequestLogFields {
  requestId: string;
  trace_id?: string;
  span_id?: string;
  trace_flags?: '01' | '00';
}

/** One GraphQL request's upstream budget: pass it (it is an `UpstreamCallOptions`) to every upstream call. */
export interface RequestScope extends Required<Omit<UpstreamCallOptions, 'trace' | 'logFields'>> {
  /** Aborts (with a `TimeoutError`) when the request's deadline passes. */
  readonly signal: AbortSignal;
  readonly deadlineAt: number;
  readonly tally: UpstreamTally;
  /**
   * Ends the scope when the request is answered: its deadline timer is cleared. (`AbortSignal.timeout`
   * cannot be cleared: each request would leave a timer that fires seconds later and builds a
   * DOMException nobody reads.)
   */
  dispose(): void;
}

export function createUpstreamTally(): UpstreamTally {
  return { calls: 0, providers: new Set() };
}

/** A scope whose signal aborts `deadlineMs` from now; every upstream call made with it shares the deadline. */
export function createRequestScope(deadlineMs: number, tally: UpstreamTally = createUpstreamTally()): RequestScope {
  const controller = new AbortController();
  // Each upstream attempt listens for the deadline while it runs (and stops when it ends); an
  // operation may run more than EventTarget's default 10 at once.
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(() => controller.abort(new DOMException('The request deadline passed.', 'TimeoutError')), deadlineMs);
  timer.unref();
  return {
    signal: controller.signal,
    deadlineAt: performance.now() + deadlineMs,
    tally,
    dispose: () => clearTimeout(timer),
  };
}

/** Just the request's share of `options` (an adapter's `FetchOptions` carries more), for an `HttpRequest`. */
export function callOptions(options: UpstreamCallOptions | undefined): UpstreamCallOptions {
  return { signal: options?.signal, deadlineAt: options?.deadlineAt, tally: options?.tally, trace: options?.trace, logFields: options?.logFields };
}
