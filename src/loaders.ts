/**
 * Per-request DataLoaders, one set per provider, created lazily the first time an operation touches
 * that provider. They capture this request's credentials (DataLoader's `createLoaders(authToken)`
 * pattern), so two requests never share a loader, a cache entry or a credential.
 *
 * - `<provider>.userById` is keyed by the adapter's normalised id: aliases, fragments and ids the
 *   provider treats as equal all cost one upstream call. Everything loaded in one tick reaches the
 *   adapter as one batch (split at the adapter's `maxBatchSize`).
 * - `loadMe()` fetches the caller once per request and primes `userById` with the returned id
 *   (DataLoader's "loading by alternative keys"). When `me` and `user` run in the same operation,
 *   the `userById` batch waits for `me` first and serves a matching id from it, so `me` plus
 *   `user(id: <my id>)` costs one upstream call whatever order the fields come in.
 *
 * - `listUsers`/`listGroupMembers` page through the provider's directory (its adapter's `directory`),
 *   with the arguments checked first (list-arguments.ts, cursor.ts: BAD_USER_INPUT, no call). Every
 *   listed user primes `userById`, and a `userById` batch dispatched while a list of the same tick is
 *   in flight waits for it and serves the ids it listed: `users {…}` plus `user(id: <a listed id>)`
 *   costs the list calls only. The same list asked twice in one request (aliases) is read once, and
 *   so is the same group.
 *
 * The batch contract, the same for every provider: an adapter's `fetchUsers` always resolves one slot
 * per id, a user or a GatewayError, and a failure shared by the whole batch (credentials missing,
 * malformed or refused, the provider down, throttling or too slow) is put in every slot. So the batch
 * function below never rejects, each field gets its own error with its code and provider, and
 * DataLoader caches a failed id like a found one: within one request an id is asked upstream at most
 * once, whether it succeeded or failed, and asking for it again (another field, a later tick) costs no
 * further call. A new request asks again.
 */
import DataLoader from 'dataloader';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import { inSpan, isFailureCode, recordErrorCode } from './tracing.js';
import { cacheModeOf, type CacheMode, type CachedRead, type CacheResult, type ProviderCache, type StoreTrace, type UserCache } from './cache/user-cache.js';
import { decodeCursor, membersListKey, toConnection, usersListKey, type ListKey, type UserConnectionModel } from './cursor.js';
import { ErrorCode, GatewayError } from './errors.js';
import { checkFirst, checkGroupId, checkState, normalizeUserFilter, type UserFilterInput } from './list-arguments.js';
import type { ProviderName, UserModel } from './model.js';
import type { GroupRecord, PageRequest, UserPage } from './providers/directory.js';
import { callOptions, createRequestScope, type RequestScope, type RequestLogFields, type UpstreamTally } from './providers/request-scope.js';
import type { RequestHeaders } from './providers/request-headers.js';
import type { FetchOptions, ProviderAdapter } from './providers/types.js';
import type { ProviderRegistry } from './providers/registry.js';

export interface ProviderLoaders {
  /** Whether a user may come stale from the cache (this provider caches): only then is `staleAge` worth asking. */
  readonly mayAnswerStale: boolean;
  /** Adds fields this operation selects on the provider (before loading; the union is fetched). */
  select(fields: ReadonlySet<string>): void;
  /** Validates the id (BAD_USER_INPUT before any upstream call) and loads the user. */
  loadUser(id: string): Promise<UserModel>;
  /** Loads the user the caller's credentials belong to. */
  loadMe(): Promise<UserModel>;
  /** A page of the provider's users (NOT_SUPPORTED without a directory; BAD_USER_INPUT before any call). */
  listUsers(filter: UserFilterInput | null | undefined, first: number | null | undefined, after: string | null | undefined): Promise<UserConnectionModel>;
  /** One group by the provider's own id (NOT_FOUND when there is none). */
  fetchGroup(id: string): Promise<GroupRecord>;
  /** A page of a group's members. */
  listGroupMembers(groupId: string, first: number | null | undefined, after: string | null | undefined): Promise<UserConnectionModel>;
}

export interface RequestLoaders {
  forProvider(provider: ProviderName): ProviderLoaders;
  /** Seconds since a user this request loaded was stored, when it came stale from the cache (the provider failing). */
  staleAge(user: object): number | undefined;
  /** The request is answered: ends its upstream scope (deadline timer). */
  dispose(): void;
}

export interface LoaderOptions {
  /** The whole request's budget for upstream calls, retries included. */
  deadlineMs: number;
  /** Counts this request's upstream calls (for its log line). */
  tally?: UpstreamTally;
  /** Told the size of every batch a loader dispatches (metrics). */
  onBatch?: (provider: ProviderName, size: number) => void;
  /** The cache of user records between requests (src/cache/user-cache.ts); absent: none. */
  cache?: UserCache;
  /** Counts this request's cache reads by result (for its log line). */
  cacheTally?: CacheTally;
  /** The request span's context (tracing.ts): batch, `me` and list spans start under it. */
  trace?: Context;
  /** The tracer for those spans; absent when traces are off. */
  tracer?: Tracer;
  /** Batch and group spans may name the ids asked for (TRACE_USER_IDS); never by default. */
  traceUserIds?: boolean;
  /** The request's log fields (its id, its trace), on its upstream debug log lines. */
  logFields?: RequestLogFields;
}

/** One request's cache reads, by result. */
export type CacheTally = Record<CacheResult, number>;

export function createCacheTally(): CacheTally {
  return { hit: 0, miss: 0, stale: 0, bypass: 0 };
}

export function createLoaders(registry: ProviderRegistry, headers: RequestHeaders, options: LoaderOptions): RequestLoaders {
  const byProvider = new Map<ProviderName, ProviderLoaders>();
  // One deadline for every upstream call of this request, started when the first provider is touched.
  // Its signal, deadline and tally go to every adapter call in the FetchOptions (`callOptions`).
  let scope: RequestScope | undefined;
  let fetchOptions: FetchOptions | undefined;
  const getFetchOptions = () => (fetchOptions ??= { ...callOptions((scope = createRequestScope(options.deadlineMs, options.tally))), logFields: options.logFields });
  /** Users this request was answered stale, with their age in seconds. */
  const stale = new WeakMap<object, number>();
  const cacheMode = cacheModeOf(headers['cache-control']);
  const cached: CachedUse = {
    mode: cacheMode,
    record(read) {
      if (options.cacheTally) options.cacheTally[read.result]++;
      if (read.result === 'stale' && typeof read.value === 'object' && read.ageSeconds !== undefined) stale.set(read.value, read.ageSeconds);
    },
  };
  return {
    dispose: () => scope?.dispose(),
    staleAge: (user) => stale.get(user),
    forProvider(provider) {
      let loaders = byProvider.get(provider);
      if (!loaders) {
        const adapter = registry.get(provider);
        loaders = adapter
          ? createProviderLoaders(adapter, headers, getFetchOptions(), options.onBatch, { ...cached, cache: options.cache?.forProvider(provider) }, options)
          : createUnconfiguredLoaders(provider);
        byProvider.set(provider, loaders);
      }
      return loaders;
    },
  };
}

/** How a request's loaders use the cache: its mode (`Cache-Control`), and where each read is recorded. */
interface CachedUse {
  mode: CacheMode;
  record(read: CachedRead): void;
  /** This provider's cache; absent when it caches nothing. */
  cache?: ProviderCache | undefined;
}

function createProviderLoaders<Creds>(
  adapter: ProviderAdapter<Creds>,
  headers: RequestHeaders,
  fetchOptions: FetchOptions,
  onBatch: LoaderOptions['onBatch'],
  cached: CachedUse,
  traced: Pick<LoaderOptions, 'trace' | 'tracer' | 'traceUserIds'>,
): ProviderLoaders {
  const credentials = adapter.readCredentials(headers);
  const { cache } = cached;
  /** A span for one batch, `me` read or list page, under the request's span (no-op when traces are off). */
  const span = <T>(name: string, attributes: Attributes, work: (trace: Context | undefined, span: Span | undefined) => Promise<T>) =>
    inSpan(traced.tracer, traced.trace, name, { 'usergraph.provider': adapter.provider, ...attributes }, work);
  /** The cache's store calls as spans under a batch's or `me` read's span, when traced. */
  const storeTrace = (trace: Context | undefined): StoreTrace | undefined => (traced.tracer && trace ? { tracer: traced.tracer, context: trace } : undefined);
  let mePromise: Promise<UserModel> | undefined;
  /** Lists dispatched and not yet answered: a `userById` batch waits for them (see the module comment). */
  const pendingLists = new Set<Promise<unknown>>();
  /** Users listed in this request, by normalised id. */
  const listed = new Map<string, UserModel>();
  const lists = new Map<string, Promise<UserConnectionModel>>();
  const groups = new Map<string, Promise<GroupRecord>>();
  const fields = new Set<string>();
  const options = (trace?: Context): FetchOptions => ({ ...fetchOptions, fields, ...(trace && { trace }) });

  const userById = new DataLoader<string, UserModel>(
    async (ids) => {
      const results = new Array<UserModel | Error>(ids.length);
      let missing = ids.map((_, i) => i);
      if (mePromise) {
        const me = await mePromise.catch(() => undefined);
        const meKey = me ? safeNormalize(adapter, me.id) : undefined;
        if (me && meKey !== undefined) {
          missing = missing.filter((i) => (ids[i] === meKey ? ((results[i] = me), false) : true));
        }
      }
      if (pendingLists.size > 0) await Promise.all([...pendingLists]);
      if (listed.size > 0) {
        missing = missing.filter((i) => {
          const user = listed.get(ids[i]!);
          return user ? ((results[i] = user), false) : true;
        });
      }
      if (missing.length > 0) {
        const wanted = missing.map((i) => ids[i]!);
        // `usergraph.user.ids`: the ids asked for, only where TRACE_USER_IDS allows (ids name people).
        const batchAttributes: Attributes = { 'usergraph.batch.size': wanted.length, ...(traced.traceUserIds && { 'usergraph.user.ids': wanted }) };
        await span('usergraph.batch', batchAttributes, async (trace, batchSpan) => {
          const fetchUsers = (asked: readonly string[]) => {
            onBatch?.(adapter.provider, asked.length);
            // Adapters never reject (settleBatch) but for a bug; even then every slot gets the error,
            // so DataLoader treats all failures alike.
            return adapter
              .fetchUsers(asked, credentials, options(trace))
              .catch((error: unknown) => asked.map(() => (error instanceof Error ? error : new Error(String(error)))) as GatewayError[]);
          };
          const scope = cache && adapter.cacheScope(credentials, 'user');
          if (cache && scope !== undefined) {
            const reads = await cache.readUsers(scope, adapter.cacheProjection(fields), wanted, cached.mode, fetchUsers, storeTrace(trace));
            const byResult: Record<string, number> = {};
            missing.forEach((slot, j) => {
              cached.record(reads[j]!);
              byResult[reads[j]!.result] = (byResult[reads[j]!.result] ?? 0) + 1;
              results[slot] = reads[j]!.value;
            });
            // How the cache answered this batch (`usergraph.cache.hit`, `.miss`, `.stale`, `.bypass`).
            for (const [result, count] of Object.entries(byResult)) batchSpan?.setAttribute(`usergraph.cache.${result}`, count);
          } else {
            const fetched = await fetchUsers(wanted);
            missing.forEach((slot, j) => {
              results[slot] = fetched[j] ?? new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, undefined, { provider: adapter.provider });
            });
          }
          if (batchSpan) {
            const failed = missing.map((slot) => results[slot]).filter((r): r is GatewayError => r instanceof Error);
            if (failed.length > 0) {
              batchSpan.setAttribute('usergraph.batch.errors', failed.length);
              // A provider's failure names the span's error before a user's absence does.
              const codes = failed.map((e) => (e as { code?: unknown }).code);
              recordErrorCode(batchSpan, codes.find((code) => typeof code === 'string' && isFailureCode(code)) ?? codes[0]);
            }
          }
        });
      }
      return results;
    },
    { name: `${adapter.provider.toLowerCase()}.userById`, maxBatchSize: adapter.maxBatchSize },
  );

  const directory = adapter.directory;
  const unsupported = () =>
    new GatewayError(ErrorCode.NOT_SUPPORTED, `${adapter.provider} offers no way to list users or read groups.`, { provider: adapter.provider });

  /**
   * Reads one page (once per request for the same list, cursor and size), a tick later like a
   * DataLoader batch so every root field has added its selection, and primes `userById` with it.
   */
  const page = (key: ListKey, first: number, after: string | null | undefined, read: (page: PageRequest) => Promise<UserPage>) => {
    const request: PageRequest = { first };
    if (after != null) request.after = checkState(decodeCursor(after, adapter.provider, key), adapter.provider, directory!);
    const cacheKey = JSON.stringify([key, first, after ?? null]);
    let promise = lists.get(cacheKey);
    if (!promise) {
      const dispatched = Promise.resolve()
        .then(() => read(request))
        .then((result) => {
          for (const { user } of result.edges) {
            const id = safeNormalize(adapter, user.id);
            if (id === undefined) continue;
            listed.set(id, user);
            userById.prime(id, user);
          }
          return toConnection(result, adapter.provider, key);
        });
      const settled = dispatched.then(
        () => undefined,
        () => undefined,
      );
      pendingLists.add(settled);
      void settled.then(() => pendingLists.delete(settled));
      lists.set(cacheKey, (promise = dispatched));
    }
    return promise;
  };

  /** `me`, through the cache when this provider has one and the credentials allow a scope. */
  const readMe = (): Promise<UserModel> =>
    span('usergraph.me', {}, async (trace, meSpan) => {
      const scope = cache && adapter.cacheScope(credentials, 'me');
      if (!cache || scope === undefined) return adapter.fetchMe(credentials, options(trace));
      const read = await cache.readMe(scope, adapter.cacheProjection(fields), cached.mode, () => adapter.fetchMe(credentials, options(trace)), storeTrace(trace));
      cached.record(read);
      meSpan?.setAttribute(`usergraph.cache.${read.result}`, 1);
      if (read.value instanceof Error) throw read.value;
      return read.value;
    });

  return {
    async listUsers(filterInput, firstInput, after) {
      if (!directory) throw unsupported();
      const first = checkFirst(firstInput, adapter.provider);
      const filter = normalizeUserFilter(filterInput, adapter.provider, directory);
      return page(usersListKey(filter), first, after, (request) =>
        span('usergraph.list', { 'usergraph.list.first': first }, (trace) => directory.listUsers(filter, request, credentials, options(trace))),
      );
    },
    async fetchGroup(id) {
      if (!directory) throw unsupported();
      const groupId = checkGroupId(id, 'id', adapter.provider, directory);
      let promise = groups.get(groupId);
      if (!promise) groups.set(groupId, (promise = Promise.resolve().then(() => span('usergraph.group', traced.traceUserIds ? { 'usergraph.group.id': groupId } : {}, (trace) => directory.fetchGroup(groupId, credentials, options(trace))))));
      return promise;
    },
    async listGroupMembers(id, firstInput, after) {
      if (!directory) throw unsupported();
      const first = checkFirst(firstInput, adapter.provider);
      const groupId = checkGroupId(id, 'id', adapter.provider, directory);
      return page(membersListKey(groupId), first, after, (request) =>
        span('usergraph.list', { 'usergraph.list.first': first }, (trace) => directory.listGroupMembers(groupId, request, credentials, options(trace))),
      );
    },
    loadUser(id) {
      let key: string;
      try {
        key = adapter.normalizeId(id);
      } catch (error) {
        return Promise.reject(error);
      }
      return userById.load(key);
    },
    mayAnswerStale: cache !== undefined,
    select(selected) {
      for (const name of selected) fields.add(name);
    },
    loadMe() {
      // Dispatched a tick later, like a DataLoader batch, so every root field has added its
      // selection first: `me` primes `userById`, so it must carry what a `user` of the same id selects.
      mePromise ??= Promise.resolve().then(() => readMe()).then((me) => {
        const key = safeNormalize(adapter, me.id);
        if (key !== undefined) userById.prime(key, me);
        return me;
      });
      return mePromise;
    },
  };
}

function safeNormalize(adapter: ProviderAdapter<unknown>, id: string): string | undefined {
  try {
    return adapter.normalizeId(id);
  } catch {
    return undefined;
  }
}

/** A provider with no configuration: its fields fail fast, the other providers are unaffected. */
function createUnconfiguredLoaders(provider: ProviderName): ProviderLoaders {
  const fail = () =>
    Promise.reject(
      new GatewayError(ErrorCode.PROVIDER_UNAVAILABLE, 'The provider is not configured on this gateway.', {
        provider,
        reason: 'NOT_CONFIGURED',
      }),
    );
  return { mayAnswerStale: false, select: () => undefined, loadUser: fail, loadMe: fail, listUsers: fail, fetchGroup: fail, listGroupMembers: fail };
}
