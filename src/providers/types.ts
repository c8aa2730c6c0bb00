/**
 * The interface every provider adapter implements; its module (`<name>/module.ts`) says how to build
 * it. See README, "Adding a provider".
 */
import type { Logger as PinoLogger } from 'pino';
import type { Tracer } from '@opentelemetry/api';
import type { FilterName, GroupRecord, PageRequest, PageState, UserFilter, UserPage } from './directory.js';
import type { UserModelBase } from '../model.js';
import type { ProviderName } from './provider-name.js';
import type { GatewayError } from '../errors.js';
import type { ResilienceOptions, UpstreamGuard } from './resilience.js';
import type { UpstreamCallOptions } from './request-scope.js';
import type { UpstreamObserver } from './upstream-observer.js';
import type { RequestHeaders } from './request-headers.js';

/**
 * The gateway's logger as adapters and plugins see it (logger.ts creates it). Declared here, not in
 * logger.ts, because logger.ts reads the provider modules (their headers to redact).
 */
export type Logger = Pick<PinoLogger, 'debug' | 'info' | 'warn' | 'error' | 'child' | 'isLevelEnabled'>;

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
  /**
   * Starts a span per upstream attempt of a traced call (src/tracing.ts); the registry sets it.
   * Absent: no spans.
   */
  tracing?: {
    readonly tracer: Tracer;
    /**
     * Attempt spans also carry `url.full`, the request's real URL with its ids (TRACE_USER_IDS);
     * otherwise only `url.template`. Secret-looking query parameters are redacted either way.
     */
    readonly fullUrls?: boolean;
  };
  /**
   * Send the attempt's W3C trace context (`traceparent`, `tracestate`) to this provider
   * (`<NAME>_TRACE_PROPAGATION`); off unless true: providers are third parties.
   */
  tracePropagation?: boolean;
}

/**
 * Per-call options. The GraphQL request's signal, deadline and call tally (`UpstreamCallOptions`,
 * request-scope.ts) ride along explicitly: an adapter passes them on to every upstream request.
 */
export interface FetchOptions extends UpstreamCallOptions {
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
 * request's headers by `readCredentials` and passed back to `fetchUsers`/`fetchMe` unchanged;
 * `Model` is its user model (`UserModelBase` plus its own fields).
 */
export interface ProviderAdapter<Creds = unknown, Model extends UserModelBase = UserModelBase> {
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
  fetchUsers(ids: readonly string[], creds: Creds, options?: FetchOptions): Promise<Array<Model | GatewayError>>;
  /** Fetches the user the credentials belong to. Rejects with a `GatewayError`. */
  fetchMe(creds: Creds, options?: FetchOptions): Promise<Model>;
  /**
   * The credential material that authorizes a read of this kind, exactly what the adapter sends
   * upstream for it (the caller's token, or the configured default when the caller sent none). The
   * cache scopes its entries by it (src/cache/user-cache.ts), so a read is shared only with requests
   * the provider would answer the same way. Undefined when the credentials are absent or malformed:
   * such a read is never cached (`credentialScope` in credentials.ts does this).
   */
  cacheScope(creds: Creds, read: 'user' | 'me'): string | undefined;
  /**
   * The part of the selection (`FetchOptions.fields`) the upstream request for one user depends on,
   * as a stable string: `''` when the request is the same whatever is selected. Cache entries are kept
   * per projection, so a narrow read never answers a wider one.
   */
  cacheProjection(fields: ReadonlySet<string> | undefined): string;
  /** Listing users and groups (directory.ts); absent when the provider documents no list endpoint. */
  readonly directory?: DirectoryAdapter<Creds, Model>;
  /** Closes the adapter's connection pool. */
  close(): Promise<void>;
}

/** Listing users and groups: see directory.ts. */
export interface DirectoryAdapter<Creds = unknown, Model extends UserModelBase = UserModelBase> {
  /**
   * The filters `listUsers` honours, natively or in the adapter. The gateway refuses any other with
   * BAD_USER_INPUT naming the filter, before any upstream call: a filter is never silently ignored.
   */
  readonly listFilters: ReadonlySet<FilterName>;
  /**
   * Most users one upstream list call returns; the operation budget counts ceil(first / listPageSize)
   * calls for a list (Infinity: the provider answers the whole list in one call).
   */
  readonly listPageSize: number;
  /** A state decoded from a client's cursor: returned as is when this adapter could have made it, else throws BAD_USER_INPUT. */
  checkPageState(state: unknown): PageState;
  listUsers(filter: UserFilter, page: PageRequest, creds: Creds, options?: FetchOptions): Promise<UserPage<Model>>;
  /** Like `normalizeId`, for group ids: BAD_USER_INPUT for an id the provider could never accept. */
  normalizeGroupId(id: string): string;
  /** Rejects with NOT_FOUND when there is no such group (or the caller may not see it). */
  fetchGroup(id: string, creds: Creds, options?: FetchOptions): Promise<GroupRecord>;
  listGroupMembers(groupId: string, page: PageRequest, creds: Creds, options?: FetchOptions): Promise<UserPage<Model>>;
}
