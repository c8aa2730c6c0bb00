/**
 * The SCIM 2.0 adapter (RFC 7643, RFC 7644), for any conforming server: `user` is
 * `GET /Users/{id}`, `me` is `GET /Me`, and two or more ids in one operation are one
 * `GET /Users?filter=id eq "a" or id eq "b"` per chunk (docs/providers/scim.md §6). A server that
 * cannot filter that way is read with single GETs instead, and the adapter remembers it for a while.
 * Listing users and groups is `directory.ts` (§11).
 */
import type { AdapterDeps, FetchOptions, ProviderAdapter, ProviderConfigBase } from '../types.js';
import { ErrorCode, GatewayError } from '../../errors.js';
import { asSlotError, settleBatch } from '../batch.js';
import { parseJsonBody } from '../wire.js';
import { createScimClient, type ScimResponse } from './client.js';
import { readScimCredentials, tokenForMe, tokenForUserLookup, type ScimCredentials } from './credentials.js';
import { credentialScope } from '../credentials.js';
import { scimTypeReason, toGatewayError, type ScimErrorContext } from './errors.js';
import { createScimDirectory } from './directory.js';
import { chunkIds, MAX_IDS_PER_FILTER } from './filter.js';
import { mapUser, type ScimUserModel } from './map-user.js';
import { normalizeScimId, parseScimListWire, parseScimUserWire } from './wire.js';

export type { ScimCredentials } from './credentials.js';
export type { ScimUserModel } from './map-user.js';

export interface ScimConfig extends ProviderConfigBase {
  /** A bearer token for `user` lookups when the caller sends no `X-Scim-Token`. Never used for `me`. */
  defaultToken?: string;
}

/** Ids per `fetchUsers` call: one filtered read, or as many parallel single reads when filtering is off. */
const MAX_BATCH_SIZE = MAX_IDS_PER_FILTER;
/**
 * How long a server's "cannot do that" (no filtering, no `/Me`) is remembered before it is asked
 * again, so an upgraded server is noticed and a 501 is not asked for on every request.
 */
const UNSUPPORTED_TTL_MS = 5 * 60_000;

type Slot = ScimUserModel | GatewayError;

const notFound = () => new GatewayError(ErrorCode.NOT_FOUND, 'scim: no such user.', { provider: 'SCIM' });

export function createScimAdapter(config: ScimConfig, deps: AdapterDeps): ProviderAdapter<ScimCredentials, ScimUserModel> {
  const client = createScimClient(config);
  const logger = deps.logger.child({ provider: 'SCIM' });
  const base = new URL(config.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  /** Until when (performance.now()) the server is taken not to filter by id / not to serve `/Me`. */
  let noFilterUntil = 0;
  let noMeUntil = 0;
  const filtering = () => performance.now() >= noFilterUntil;

  /** The error for a non-200 answer, logged with its status only (never the body). */
  function failure(res: ScimResponse, endpoint: ScimErrorContext['endpoint'] | ScimErrorContext, what: string): GatewayError {
    const context = typeof endpoint === 'object' ? endpoint : { endpoint };
    const error = toGatewayError(res.status, res.body, { ...context, headers: res.headers });
    logger[res.status >= 500 && res.status !== 501 ? 'warn' : 'debug']({ status: res.status, code: error.code }, `scim ${what} failed`);
    return error;
  }

  /** A user from a body; when `expectedId` is given it must be that very user. */
  function toUser(raw: unknown, expectedId?: string): ScimUserModel {
    const user = mapUser(parseScimUserWire(raw));
    if (expectedId !== undefined && !sameId(user.id, expectedId)) {
      throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'scim: body.id is not the requested user', { provider: 'SCIM' });
    }
    return user;
  }

  async function fetchOne(id: string, token: string, options: FetchOptions): Promise<ScimUserModel> {
    const res = await client.getUser(id, token, options);
    if (res.status !== 200) throw failure(res, 'user', 'user read');
    return toUser(parseJsonBody(res.body), id);
  }

  function fetchEach(ids: readonly string[], token: string, options: FetchOptions): Promise<Slot[]> {
    return Promise.all(ids.map((id) => fetchOne(id, token, options).catch(asSlotError)));
  }

  /**
   * One filtered read of `ids` (distinct). A server that refuses the filter (400, 501) or the
   * listing (403) is read id by id; an answer that cannot be the filter's (more results than ids:
   * the filter was ignored) too. Ids the answer left out are NOT_FOUND, unless the server cut the
   * page short, in which case they are read one by one.
   */
  async function fetchFiltered(ids: readonly string[], token: string, options: FetchOptions): Promise<Slot[]> {
    const res = await client.filterUsers(ids, token, options);
    if (res.status !== 200) {
      if (!fallsBack(res)) throw failure(res, 'list', 'filtered read');
      logger.debug({ status: res.status, reason: scimTypeReason(res.body) }, 'scim server did not filter by id; reading users one by one');
      return fetchEach(ids, token, options);
    }
    const list = parseScimListWire(parseJsonBody(res.body));
    if (list.totalResults > ids.length) {
      noFilterUntil = performance.now() + UNSUPPORTED_TTL_MS;
      logger.debug({ totalResults: list.totalResults, ids: ids.length }, 'scim server ignored the id filter; reading users one by one');
      return fetchEach(ids, token, options);
    }
    const found = matchResources(ids, list.resources);
    const cut = list.resources.length < list.totalResults;
    const missing = ids.filter((id) => !found.has(id));
    const reread = cut && missing.length > 0 ? await fetchEach(missing, token, options) : [];
    return ids.map((id) => found.get(id) ?? reread[missing.indexOf(id)] ?? notFound());
  }

  /** Whether a failed filtered read should be retried id by id; remembers a server that cannot filter. */
  function fallsBack(res: ScimResponse): boolean {
    const reason = res.status === 400 ? scimTypeReason(res.body) : undefined;
    // Our filter is valid RFC 7644 §3.4.2.2 syntax: any other 400, or a 501, means this server
    // cannot run it. `tooMany` and 403 may depend on the request or the token: not remembered.
    if (res.status === 501 || (res.status === 400 && reason !== 'TOO_MANY')) {
      noFilterUntil = performance.now() + UNSUPPORTED_TTL_MS;
      return true;
    }
    return res.status === 403 || reason === 'TOO_MANY';
  }

  /**
   * Pairs the listed resources with the requested ids: by exact `id` first (ids are case-exact),
   * then, for a server that treats ids case-insensitively, by the one remaining resource whose id
   * differs only in case. Resources nobody asked for are ignored; one that names a requested id but
   * cannot be read fails that id's slot only.
   */
  function matchResources(ids: readonly string[], resources: readonly unknown[]): Map<string, Slot> {
    const found = new Map<string, Slot>();
    const unclaimed: Array<{ id: string; slot: Slot }> = [];
    const wanted = new Set(ids);
    for (const raw of resources) {
      const rawId = (raw as { id?: unknown } | null)?.id;
      let slot: Slot;
      try {
        slot = toUser(raw);
      } catch (error) {
        slot = asSlotError(error);
      }
      if (typeof rawId !== 'string') continue;
      if (wanted.has(rawId) && !found.has(rawId)) found.set(rawId, slot);
      else unclaimed.push({ id: rawId, slot });
    }
    for (const id of ids) {
      if (found.has(id)) continue;
      const candidates = unclaimed.filter((u) => sameId(u.id, id));
      if (candidates.length === 1) found.set(id, candidates[0]!.slot);
    }
    return found;
  }

  /**
   * RFC 7644 §3.11 lets a server answer `/Me` with a redirect to the user's own resource. It is
   * followed only when it points at `/Users/{id}` below the configured base URL: the id is then read
   * with a plain `GET /Users/{id}`, so the token never leaves for another path or host.
   */
  function redirectedUserId(res: ScimResponse): string | undefined {
    if (res.status < 300 || res.status >= 400 || typeof res.headers.location !== 'string') return undefined;
    try {
      const target = new URL(res.headers.location, `${base.origin}${basePath}/Me`);
      if (target.origin !== base.origin || target.search !== '' || !target.pathname.startsWith(`${basePath}/Users/`)) return undefined;
      const segment = target.pathname.slice(`${basePath}/Users/`.length);
      if (segment === '' || segment.includes('/')) return undefined;
      return normalizeScimId(decodeURIComponent(segment));
    } catch {
      return undefined;
    }
  }

  const adapter: ProviderAdapter<ScimCredentials, ScimUserModel> = {
    provider: 'SCIM',
    maxBatchSize: MAX_BATCH_SIZE,
    // The operation budget counts calls with it: one filtered read per chunk, or one per id once the
    // server is known not to filter.
    get idsPerCall() {
      return filtering() ? MAX_IDS_PER_FILTER : 1;
    },
    readCredentials: (headers) => readScimCredentials(headers, config.defaultToken),
    normalizeId: normalizeScimId,
    // Scoped by what each read sends upstream (docs/providers/README.md, caching).
    cacheScope: (creds, read) => credentialScope(() => (read === 'me' ? tokenForMe(creds) : tokenForUserLookup(creds))),
    // The upstream request for one user is the same whatever is selected.
    cacheProjection: () => '',
    fetchUsers(ids, creds, options = {}) {
      return settleBatch(ids.length, async () => {
        // Missing or malformed credentials fail every slot, before any upstream call.
        const token = tokenForUserLookup(creds);
        const results = new Array<Slot>(ids.length);
        // Ids normally arrive normalised and distinct from the loader; a direct caller may repeat
        // one or send a bad one, which fails its own slot only.
        const slotsById = new Map<string, number[]>();
        ids.forEach((raw, slot) => {
          try {
            const id = normalizeScimId(raw);
            slotsById.set(id, [...(slotsById.get(id) ?? []), slot]);
          } catch (error) {
            results[slot] = asSlotError(error);
          }
        });
        const distinct = [...slotsById.keys()];
        const chunks = distinct.length > 1 && filtering() ? chunkIds(distinct) : distinct.map((id) => [id]);
        await Promise.all(
          chunks.map(async (chunk) => {
            const read = chunk.length === 1 ? fetchEach(chunk, token, options) : fetchFiltered(chunk, token, options);
            // A failure of the whole call (transport, status) lands in each of its slots.
            const got = await read.catch((error: unknown) => chunk.map(() => asSlotError(error)));
            chunk.forEach((id, i) => slotsById.get(id)!.forEach((slot) => (results[slot] = got[i]!)));
          }),
        );
        return results;
      });
    },
    async fetchMe(creds, options = {}) {
      const token = tokenForMe(creds);
      if (performance.now() < noMeUntil) throw toGatewayError(501, '', { endpoint: 'me' });
      const res = await client.getMe(token, options);
      if (res.status === 200) return toUser(parseJsonBody(res.body));
      const redirected = redirectedUserId(res);
      if (redirected !== undefined) return fetchOne(redirected, token, options);
      if (res.status === 501) noMeUntil = performance.now() + UNSUPPORTED_TTL_MS;
      throw failure(res, 'me', 'me read');
    },
    directory: createScimDirectory({
      client,
      failure,
      toUser: (raw) => toUser(raw),
      fetchUsers: (ids, creds, options) => adapter.fetchUsers(ids, creds, options),
    }),
    close: () => client.close(),
  };
  return adapter;
}

/** Ids are case-exact (RFC 7643 §3.1); a server that changes their case still names the same user. */
function sameId(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}
