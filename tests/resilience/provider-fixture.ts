/**
 * What the resilience tests know of one provider (one file per provider in `providers/`, named after
 * the provider in lower case; fixtures.ts loads one for every registered provider).
 */
import type { ProviderName } from '../../src/providers/provider-name.js';
import type { SimulatorKey } from '../../src/simulators/registry.js';

export interface ProviderFixture {
  provider: ProviderName;
  sim: SimulatorKey;
  /** A demo user the credentials below may read. */
  id: string;
  headers: Record<string, string>;
  /** The same header set with a credential the provider refuses (UNAUTHENTICATED). */
  refusedHeaders: Record<string, string>;
  /** The credential value as it arrives upstream, to tell two callers apart in recorded requests. */
  upstreamCredential(headers: Record<string, string | string[] | undefined>): string | undefined;
  /** The upstream headers the gateway sends for a client credential `value` (as `upstreamCredential` reads them). */
  toUpstream(value: string): Record<string, string>;
  /** Error bodies as this provider sends them, by status. */
  errorBody(status: 400 | 401 | 403 | 404): unknown;
  /** The status a transient outage of this provider answers with (BellaDati throttles with 503, so 502 there). */
  outageStatus: number;
}

/** The first value of a header that may arrive repeated. */
export function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
