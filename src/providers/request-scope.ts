/**
 * What the upstream client knows of the GraphQL request it works for: the request's deadline and a
 * tally of the upstream calls made for it (for the per-operation log line). Adapters only pass an
 * AbortSignal along; the scope is found from that signal, so no adapter has to know about it.
 */
import { setMaxListeners } from 'node:events';
import type { ProviderName } from '../model.js';

export interface UpstreamTally {
  /** Upstream HTTP attempts made for this request, retries included. */
  calls: number;
  providers: Set<ProviderName>;
}

export interface RequestScope {
  /** Aborts (with a `TimeoutError`) when the request's deadline passes. */
  readonly signal: AbortSignal;
  /** When it passes, on the performance.now() clock. */
  readonly deadlineAt: number;
  readonly tally: UpstreamTally;
  /**
   * Ends the scope when the request is answered: its deadline timer is cleared. (`AbortSignal.timeout`
   * cannot be cleared: each request would leave a timer that fires seconds later and builds a
   * DOMException nobody reads.)
   */
  dispose(): void;
}

const scopes = new WeakMap<AbortSignal, RequestScope>();

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
  const scope: RequestScope = {
    signal: controller.signal,
    deadlineAt: performance.now() + deadlineMs,
    tally,
    dispose: () => clearTimeout(timer),
  };
  scopes.set(controller.signal, scope);
  return scope;
}

export function scopeOf(signal: AbortSignal | undefined): RequestScope | undefined {
  return signal && scopes.get(signal);
}
