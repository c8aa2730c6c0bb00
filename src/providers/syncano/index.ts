/**
 * The Syncano adapter (API v1.1). Syncano has a real batch endpoint (`POST
 * …/batch/`, at most 50 sub-requests), so two or more distinct ids cost one upstream call; one id is a
 * plain GET. `me` is Syncano's own `GET …/user/`, which needs the API key and the caller's user key.
 * Listing users and groups is directory.ts.
 */
import type { AdapterDeps, FetchOptions, ProviderAdapter, ProviderConfigBase } from '../types.js';
import { ErrorCode, GatewayError } from '../../errors.js';
import { asSlotError, settleBatch } from '../batch.js';
import { parseJsonBody } from '../wire.js';
import { createSyncanoClient, type SyncanoResponse } from './client.js';
import { headersForMe, headersForUserLookup, readSyncanoCredentials, type SyncanoCredentials } from './credentials.js';
import { credentialScope } from '../credentials.js';
import { createSyncanoDirectory } from './directory.js';
import { toGatewayError, type SyncanoErrorContext } from './errors.js';
import { DEFAULT_PROFILE_FIELDS, mapUser, type SyncanoProfileFields, type SyncanoUserModel } from './map-user.js';
import { normalizeSyncanoId, parseSyncanoBatchWire, parseSyncanoUserWire } from './wire.js';

export type { SyncanoCredentials } from './credentials.js';
export type { SyncanoUserModel } from './map-user.js';

export interface SyncanoConfig extends ProviderConfigBase {
  /** The instance name (`/v1.1/instances/{instance}/`); lower-cased as Syncano does. */
  instance: string;
  /** An instance API key for `user` lookups and `me` when the caller sends none. Never stands in for the user key. */
  defaultApiKey?: string;
  /**
   * Names of the custom `user_profile` fields holding the unified fields (they vary per instance). Defaults: `email`, `first_name`, `last_name`, `avatar` (a file field).
   */
  profileFields?: Partial<SyncanoProfileFields>;
}

/** Syncano's batch endpoint takes at most 50 sub-requests (`BATCH_MAX_SIZE = 50`). */
const MAX_BATCH_SIZE = 50;
/** Syncano lower-cases the instance name, then requires `^[a-z0-9-_]{,64}$`. */
const INSTANCE_NAME = /^[a-z0-9_-]{1,64}$/;

type Slot = SyncanoUserModel | GatewayError;

export function createSyncanoAdapter(config: SyncanoConfig, deps: AdapterDeps): ProviderAdapter<SyncanoCredentials, SyncanoUserModel> {
  const instance = config.instance.toLowerCase();
  if (!INSTANCE_NAME.test(instance)) throw new TypeError('syncano: instance must match ^[a-z0-9-_]{1,64}$ after lower-casing');
  const client = createSyncanoClient({ ...config, instance });
  const profileFields: SyncanoProfileFields = { ...DEFAULT_PROFILE_FIELDS, ...config.profileFields };
  const logger = deps.logger.child({ provider: 'SYNCANO' });

  /** The error for a non-200 answer, logged with its status only (never the body). */
  function failure(res: SyncanoResponse, endpoint: NonNullable<SyncanoErrorContext['endpoint']>, what: string): GatewayError {
    const error = toGatewayError(res.status, res.body, { headers: res.headers, endpoint });
    logger[res.status >= 500 ? 'warn' : 'debug']({ status: res.status, code: error.code }, `syncano ${what} failed`);
    return error;
  }

  /** A user from a raw body or batch item; when `expectedId` is given it must be that very user. */
  function toUser(raw: unknown, expectedId?: string): SyncanoUserModel {
    const user = mapUser(parseSyncanoUserWire(raw), profileFields);
    if (expectedId !== undefined && user.id !== expectedId) {
      throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'syncano: body.id is not the requested user', { provider: 'SYNCANO' });
    }
    return user;
  }

  async function fetchOne(id: string, headers: Record<string, string>, options: FetchOptions): Promise<SyncanoUserModel> {
    const res = await client.getUser(id, headers, options);
    if (res.status !== 200) throw failure(res, 'user', 'user read');
    return toUser(parseJsonBody(res.body), id);
  }

  /** One `POST …/batch/`: an outer failure is every slot's; each item `{code, content}` is its own slot. */
  async function fetchBatch(ids: readonly string[], headers: Record<string, string>, options: FetchOptions): Promise<Slot[]> {
    const res = await client.batchGetUsers(ids, headers, options);
    if (res.status !== 200) throw failure(res, 'user', 'batch read');
    const items = parseSyncanoBatchWire(parseJsonBody(res.body), ids.length);
    return items.map((item, i): Slot => {
      try {
        return item.code === 200 ? toUser(item.content, ids[i]) : toGatewayError(item.code, item.content);
      } catch (error) {
        return asSlotError(error);
      }
    });
  }

  /** One id is a plain GET (the documented read); two or more are one batch. */
  function fetchChunk(ids: string[], headers: Record<string, string>, options: FetchOptions): Promise<Slot[]> {
    return ids.length === 1 ? fetchOne(ids[0]!, headers, options).then((user) => [user]) : fetchBatch(ids, headers, options);
  }

  return {
    provider: 'SYNCANO',
    maxBatchSize: MAX_BATCH_SIZE,
    idsPerCall: MAX_BATCH_SIZE,
    readCredentials: (headers) => readSyncanoCredentials(headers, config.defaultApiKey),
    normalizeId: normalizeSyncanoId,
    // Scoped by what each read sends upstream (docs/providers/README.md, caching).
    cacheScope: (creds, read) => credentialScope(() => (read === 'me' ? headersForMe(creds) : headersForUserLookup(creds))),
    // The upstream request for one user is the same whatever is selected.
    cacheProjection: () => '',
    fetchUsers(ids, creds, options = {}) {
      return settleBatch(ids.length, async () => {
        // Missing or malformed credentials fail every slot, before any upstream call.
        const headers = headersForUserLookup(creds);
        const results: Slot[] = new Array<Slot>(ids.length);
        // Ids normally arrive normalised by the loader; checking again keeps a bad one from ever
        // reaching a path, and it fails its own slot only.
        const pending: Array<{ slot: number; id: string }> = [];
        ids.forEach((raw, slot) => {
          try {
            pending.push({ slot, id: normalizeSyncanoId(raw) });
          } catch (error) {
            results[slot] = asSlotError(error);
          }
        });
        // The loader never sends more than 50; a direct caller may, so each 50 is its own batch.
        const chunks = Array.from({ length: Math.ceil(pending.length / MAX_BATCH_SIZE) }, (_, i) =>
          pending.slice(i * MAX_BATCH_SIZE, (i + 1) * MAX_BATCH_SIZE),
        );
        await Promise.all(
          chunks.map(async (chunk) => {
            const chunkIds = chunk.map((p) => p.id);
            // A failure of the whole call (transport, outer status) lands in each of its slots.
            const got = await fetchChunk(chunkIds, headers, options).catch((error: unknown) => chunk.map(() => asSlotError(error)));
            chunk.forEach((p, i) => (results[p.slot] = got[i]!));
          }),
        );
        return results;
      });
    },
    async fetchMe(creds, options = {}) {
      const res = await client.getMe(headersForMe(creds), options);
      if (res.status !== 200) throw failure(res, 'me', 'me read');
      return toUser(parseJsonBody(res.body));
    },
    directory: createSyncanoDirectory({ client, toUser: (raw) => toUser(raw), failure }),
    close: () => client.close(),
  };
}
