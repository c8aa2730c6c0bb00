/**
 * What the upstream client knows of the GraphQL request it works for: the request's deadline and a
 * tally of the upstream calls made for it (for the per-operation log line). Adapters only pass an
 * AbortSignal along; the scope is found from that signal, so no adapter has to know about it.
 */
import type { ProviderName } from '../model.js';

export interface UpstreamTally {
  /** Upstream HTTP attempts made for this request, retries included. */
  calls: number;
  providers: Set<ProviderName>;
}

export interface RequestScope {
  /** Aborts when the request's deadline passes. */
  readonly signal: AbortSignal;
  /** When it passes, on the performance.now() clock. */
  readonly deadlineAt: number;
  readonly tally: UpstreamTally;
}

const scopes = new WeakMap<AbortSignal, RequestScope>();

export function createUpstreamTally(): UpstreamTally {
  return { calls: 0, providers: new Set() };
}

/** A scope whose signal aborts `deadlineMs` from now; every upstream call made with it shares the deadline. */
export function createRequestScope(deadlineMs: number, tally: UpstreamTally = createUpstreamTally()): RequestScope {
  const signal = AbortSignal.timeout(deadlineMs);
  const scope = { signal, deadlineAt: performance.now() + deadlineMs, tally };
  scopes.set(signal, scope);
  return scope;
}

export function scopeOf(signal: AbortSignal | undefined): RequestScope | undefined {
  return signal && scopes.get(signal);
}
