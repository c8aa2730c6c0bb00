/**
 * The Syncano adapter (API v1.1). Syncano has a real batch endpoint (contract §2: `POST
 * …/batch/`, at most 50 sub-requests), so two or more distinct ids cost one upstream call; one id is a
 * plain GET. `me` is Syncano's own `GET …/user/`, which needs the API key and the caller's user key.
 */
import type { AdapterDeps, FetchOptions, ProviderAdapter, ProviderConfigBase } from '../types.js';
import { ErrorCode, GatewayError, isGatewayError } from '../../errors.js';
import { asSlotError, throwIfAllFailedAlike } from '../batch.js';
import { parseJsonBody } from '../wire.js';
import { createSyncanoClient, type SyncanoResponse } from './client.js';
import { headersForMe, headersForUserLookup, readSyncanoCredentials, type SyncanoCredentials } from './credentials.js';
import { toGatewayError } from './errors.js';
import { DEFAULT_PROFILE_FIELDS, mapUser, type SyncanoProfileFields, type SyncanoUserModel } from './map-user.js';
import { normalizeSyncanoId, parseSyncanoBatchWire, parseSyncanoUserWire } from './wire.js';

export type { SyncanoCredentials } from './credentials.js';
export type { SyncanoUserModel } from './map-user.js';

export interface SyncanoConfig extends ProviderConfigBase {
  /** The instance name (`/v1.1/instances/{instance}/`); lower-cased as Syncano does (contract §1). */
  instance: string;
  /** An instance API key for `user` lookups when the caller sends none. Never enough for `me`. */
  defaultApiKey?: string;
  /**
   * Names of the custom `user_profile` fields holding the unified fields (contract §10: they vary per
   * instance). Defaults: `email`, `first_name`, `last_name`, `avatar` (a file field).
   */
  profileFields?: Partial<SyncanoProfileFields>;
}

/** `BATCH_MAX_SIZE = 50` (contract §2). */
const MAX_BATCH_SIZE = 50;
const INSTANCE_NAME = /^[a-z0-9_-]{1,64}$/;

export function createSyncanoAdapter(config: SyncanoConfig, deps: AdapterDeps): ProviderAdapter<SyncanoCredentials> {
  const instance = config.instance.toLowerCase();
  if (!INSTANCE_NAME.test(instance)) throw new TypeError('syncano: instance must match ^[a-z0-9-_]{1,64}$ after lower-casing');
  const client = createSyncanoClient({ ...config, instance });
  const profileFields: SyncanoProfileFields = { ...DEFAULT_PROFILE_FIELDS, ...config.profileFields };
  const logger = deps.logger.child({ provider: 'SYNCANO' });

  /** A user from a 200 body; anything else through the error table. */
  function readUser(res: SyncanoResponse, what: string): SyncanoUserModel {
    if (res.status !== 200) {
      const error = toGatewayError(res.status, res.body, { headers: res.headers });
      logger[res.status >= 500 ? 'warn' : 'debug']({ status: res.status, code: error.code }, `syncano ${what} failed`);
      throw error;
    }
    return mapUser(parseSyncanoUserWire(parseJsonBody(res.body)), profileFields);
  }

  async function fetchOne(id: string, headers: Record<string, string>, options: FetchOptions): Promise<SyncanoUserModel> {
    const user = readUser(await client.getUser(id, headers, options.signal), 'user read');
    if (user.id !== id) throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'syncano: body.id is not the requested user', { provider: 'SYNCANO' });
    return user;
  }

  async function fetchBatch(ids: readonly string[], headers: Record<string, string>, options: FetchOptions) {
    const res = await client.batchGetUsers(ids, headers, options.signal);
    if (res.status !== 200) throw toGatewayError(res.status, res.body, { headers: res.headers });
    const items = parseSyncanoBatchWire(parseJsonBody(res.body), ids.length);
    return items.map((item, i): SyncanoUserModel | GatewayError => {
      try {
        if (item.code !== 200) return toGatewayError(item.code, item.content);
        const user = mapUser(parseSyncanoUserWire(item.content), profileFields);
        if (user.id !== ids[i]) throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'syncano: a batch item is not the requested user', { provider: 'SYNCANO' });
        return user;
      } catch (error) {
        return asSlotError(error);
      }
    });
  }

  return {
    provider: 'SYNCANO',
    maxBatchSize: MAX_BATCH_SIZE,
    readCredentials: (headers) => readSyncanoCredentials(headers, config.defaultApiKey),
    normalizeId: normalizeSyncanoId,
    async fetchUsers(ids, creds, options = {}) {
      // Missing or malformed credentials fail the whole batch, before any upstream call.
      const headers = headersForUserLookup(creds);
      const canonical = ids.map(normalizeSyncanoId);
      if (canonical.length === 1) return [await fetchOne(canonical[0]!, headers, options).catch(asSlotError)];
      const results = await fetchBatch(canonical, headers, options);
      throwIfAllFailedAlike(results);
      return results;
    },
    async fetchMe(creds, options = {}) {
      return readUser(await client.getMe(headersForMe(creds), options.signal), 'me read');
    },
    close: () => client.close(),
  };
}
