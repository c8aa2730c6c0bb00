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
 * The batch contract, the same for every provider: an adapter's `fetchUsers` always resolves one slot
 * per id, a user or a GatewayError, and a failure shared by the whole batch (credentials missing,
 * malformed or refused, the provider down, throttling or too slow) is put in every slot. So the batch
 * function below never rejects, each field gets its own error with its code and provider, and
 * DataLoader caches a failed id like a found one: within one request an id is asked upstream at most
 * once, whether it succeeded or failed, and asking for it again (another field, a later tick) costs no
 * further call. A new request asks again.
 */
import DataLoader from 'dataloader';
import { ErrorCode, GatewayError } from './errors.js';
import type { ProviderName, UserModel } from './model.js';
import { callOptions, createRequestScope, type RequestScope, type UpstreamTally } from './providers/request-scope.js';
import type { RequestHeaders } from './providers/request-headers.js';
import type { FetchOptions, ProviderAdapter } from './providers/types.js';
import type { ProviderRegistry } from './providers/registry.js';

export interface ProviderLoaders {
  /** Adds fields this operation selects on the provider (before loading; the union is fetched). */
  select(fields: ReadonlySet<string>): void;
  /** Validates the id (BAD_USER_INPUT before any upstream call) and loads the user. */
  loadUser(id: string): Promise<UserModel>;
  /** Loads the user the caller's credentials belong to. */
  loadMe(): Promise<UserModel>;
}

export interface RequestLoaders {
  forProvider(provider: ProviderName): ProviderLoaders;
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
}

export function createLoaders(registry: ProviderRegistry, headers: RequestHeaders, options: LoaderOptions): RequestLoaders {
  const byProvider = new Map<ProviderName, ProviderLoaders>();
  // One deadline for every upstream call of this request, started when the first provider is touched.
  // Its signal, deadline and tally go to every adapter call in the FetchOptions (`callOptions`).
  let scope: RequestScope | undefined;
  let fetchOptions: FetchOptions | undefined;
  const getFetchOptions = () => (fetchOptions ??= callOptions((scope = createRequestScope(options.deadlineMs, options.tally))));
  return {
    dispose: () => scope?.dispose(),
    forProvider(provider) {
      let loaders = byProvider.get(provider);
      if (!loaders) {
        const adapter = registry.get(provider);
        loaders = adapter ? createProviderLoaders(adapter, headers, getFetchOptions(), options.onBatch) : createUnconfiguredLoaders(provider);
        byProvider.set(provider, loaders);
      }
      return loaders;
    },
  };
}

function createProviderLoaders<Creds>(
  adapter: ProviderAdapter<Creds>,
  headers: RequestHeaders,
  fetchOptions: FetchOptions,
  onBatch: LoaderOptions['onBatch'],
): ProviderLoaders {
  const credentials = adapter.readCredentials(headers);
  let mePromise: Promise<UserModel> | undefined;
  const fields = new Set<string>();
  const options = (): FetchOptions => ({ ...fetchOptions, fields });

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
      if (missing.length > 0) {
        onBatch?.(adapter.provider, missing.length);
        // Adapters never reject (settleBatch) but for a bug; even then every slot gets the error,
        // so DataLoader treats all failures alike.
        const fetched = await adapter.fetchUsers(
          missing.map((i) => ids[i]!),
          credentials,
          options(),
        ).catch((error: unknown) => missing.map(() => (error instanceof Error ? error : new Error(String(error)))));
        missing.forEach((slot, j) => {
          results[slot] = fetched[j] ?? new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, undefined, { provider: adapter.provider });
        });
      }
      return results;
    },
    { name: `${adapter.provider.toLowerCase()}.userById`, maxBatchSize: adapter.maxBatchSize },
  );

  return {
    loadUser(id) {
      let key: string;
      try {
        key = adapter.normalizeId(id);
      } catch (error) {
        return Promise.reject(error);
      }
      return userById.load(key);
    },
    select(selected) {
      for (const name of selected) fields.add(name);
    },
    loadMe() {
      // Dispatched a tick later, like a DataLoader batch, so every root field has added its
      // selection first: `me` primes `userById`, so it must carry what a `user` of the same id selects.
      mePromise ??= Promise.resolve().then(() => adapter.fetchMe(credentials, options())).then((me) => {
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
  return { select: () => undefined, loadUser: fail, loadMe: fail };
}
