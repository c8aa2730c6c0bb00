/**
 * What the HTTP client tells the rest of the gateway about each upstream attempt. Kept apart from
 * http.ts so provider settings (types.ts) can name the observer without importing the client.
 */
import type { ProviderName } from './provider-name.js';

/** One upstream attempt as the metrics and the debug log see it. */
export interface UpstreamAttempt {
  provider: ProviderName;
  method: string;
  /** The HTTP status, or what went wrong below HTTP. */
  outcome: number | 'timeout' | 'network' | 'too_large' | 'not_json';
  durationMs: number;
  /** 0 for the first attempt. */
  attempt: number;
  /** The GraphQL request it was made for, when there is one (the debug log line's `requestId`). */
  requestId?: string;
  /** The attempt's trace and span ids when the request is traced (for the debug log line). */
  trace_id?: string;
  span_id?: string;
  /** `01` when the attempt's span is sampled (exported): its ids are then the latency's exemplar (metrics.ts); `00` when not. */
  trace_flags?: '01' | '00';
}

/** Told of every upstream attempt (metrics, debug logs); never sees headers, bodies or URLs. */
export interface UpstreamObserver {
  onAttempt(attempt: UpstreamAttempt): void;
}
