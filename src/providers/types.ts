/**
 * The interface every provider adapter implements. A fifth provider is one folder under
 * `src/providers/`, one SDL file under `schema/providers/` and one line in `registry.ts`.
 */
import type { Logger } from '../logger.js';
import type { ProviderName, UserModel } from '../model.js';
import type { GatewayError } from '../errors.js';
import type { ResilienceOptions, UpstreamGuard } from './resilience.js';
import type { UpstreamObserver } from './http.js';
import type { RequestHeaders } from './request-headers.js';

/** Settings every provider has; each adapter's config type extends this. */
export interface ProviderConfigBase {
  /** Base URL of the provider's API, e.g. `https://api.syncano.io`. May carry a path prefix. */
  baseUrl: string;
  /** Deadline for one upstream request, headers and body together. */
  timeoutMs: number;
  /** Keep-alive connections in this provider's pool; also the bound on concurrent upstream requests. */
  connections: number;
  /** Largest upstream response body accepted, decoded. */
  maxBodyBytes: number;
  /** How long an idle keep-alive socket stays open. */
  keepAliveTimeoutMs: number;
  /** Overrides of the retry, breaker and in-flight defaults (resilience.ts) for this provider. */
  resilience?: Partial<ResilienceOptions>;
  /**
   * Retries, circuit breaker and in-flight bound for this provider, shared by all its requests.
   * The registry creates one per provider; when absent the HTTP client makes its own with defaults.
   */
  guard?: UpstreamGuard;
  /** Told of every upstream attempt (metrics, debug log); the registry sets it. */
  observer?: UpstreamObserver;
}

/** Per-call options. */
export interface FetchOptions {
  /**
   * Aborts the upstream call: the GraphQL request's scope signal (request-scope.ts), which also
   * tells retries how much time is left and tallies the calls.
   */
  signal?: AbortSignal;
  /**
   * The `User` fields (unified and provider-specific, by GraphQL name) the operation selects on this
   * provider, or undefined for all. Adapters may leave out of the upstream request what nobody asked
   * for, where the provider allows it.
   */
  fields?: ReadonlySet<string>;
}

/** What the gateway hands every adapter factory. */
export interface AdapterDeps {
  logger: Logger;
}

/**
 * One provider. `Creds` is this provider's typed credentials object, read from the incoming
 * request's headers by `readCredentials` and passed back to `fetchUsers`/`fetchMe` unchanged.
 */
export interface ProviderAdapter<Creds = unknown> {
  readonly provider: ProviderName;
  /** Most ids one `fetchUsers` call may receive (DataLoader `maxBatchSize`). */
  readonly maxBatchSize: number;
  /**
   * How many ids one upstream call can read (Syncano's batch endpoint: 50). Absent: one call per id.
   * The operation budget counts upstream calls with it.
   */
  readonly idsPerCall?: number;
  /**
   * Reads this provider's credentials from the GraphQL request's headers (`req.headersDistinct`:
   * lower-case names, every value received, so a repeated header is seen as such), falling back to
   * configured defaults where the provider allows it. Never throws and never calls upstream: absent
   * or malformed credentials are reported by `fetchUsers`/`fetchMe` as `UNAUTHENTICATED` without an
   * upstream call.
   */
  readCredentials(headers: RequestHeaders): Creds;
  /**
   * Validates a user id and returns its canonical form (ids the provider treats as equal map to
   * the same string; used as the DataLoader cache key). Throws `GatewayError(BAD_USER_INPUT)` for an
   * id the provider could never accept.
   */
  normalizeId(id: string): string;
  /**
   * Fetches users by normalised id. Always resolves to an array in key order and of the same length,
   * with a `GatewayError` in each failed slot (DataLoader's batch contract), and never rejects: a
   * failure shared by the whole batch (missing, malformed or refused credentials, the provider down,
   * throttling or too slow) is put in every slot. `settleBatch` (batch.ts) implements this.
   */
  fetchUsers(ids: readonly string[], creds: Creds, options?: FetchOptions): Promise<Array<UserModel | GatewayError>>;
  /** Fetches the user the credentials belong to. Rejects with a `GatewayError`. */
  fetchMe(creds: Creds, options?: FetchOptions): Promise<UserModel>;
  /** Closes the adapter's connection pool. */
  close(): Promise<void>;
}
