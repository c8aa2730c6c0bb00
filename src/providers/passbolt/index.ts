/**
 * The Passbolt adapter (API v5). Passbolt has no batch or multi-id read (`/users.json` has no id
 * filter), so a batch is parallel single views (the DataLoader has already removed
 * duplicates), and `me` is Passbolt's own `GET /users/me.json`. Listing is `GET /users.json`
 * (directory.ts).
 */
import type { AdapterDeps, FetchOptions, ProviderAdapter, ProviderConfigBase } from '../types.js';
import { ErrorCode, GatewayError } from '../../errors.js';
import { asSlotError, settleBatch } from '../batch.js';
import { parseJsonBody } from '../wire.js';
import { createPassboltClient } from './client.js';
import { readPassboltCredentials, tokenForMe, tokenForUserLookup, type PassboltCredentials } from './credentials.js';
import { credentialScope } from '../credentials.js';
import { createPassboltDirectory } from './directory.js';
import { toGatewayError } from './errors.js';
import { mapUser, type PassboltUserModel } from './map-user.js';
import { normalizePassboltId, parsePassboltUserWire } from './wire.js';

export type { PassboltCredentials } from './credentials.js';
export type { PassboltUserModel } from './map-user.js';

export interface PassboltConfig extends ProviderConfigBase {
  /**
   * A JWT access token for `user` lookups when the caller sends no `x-passbolt-token`. Never used
   * for `me`. Passbolt access tokens expire after 5 minutes by default, so this
   * suits installations configured with a long `PASSBOLT_AUTH_JWT_ACCESS_TOKEN` lifetime.
   */
  defaultToken?: string;
}

/** Parallel single views per batch; also the most concurrent requests one operation sends Passbolt. */
const MAX_BATCH_SIZE = 25;


export function createPassboltAdapter(config: PassboltConfig, deps: AdapterDeps): ProviderAdapter<PassboltCredentials, PassboltUserModel> {
  const client = createPassboltClient(config);
  const logger = deps.logger.child({ provider: 'PASSBOLT' });

  /** Views `userId` (a canonical UUID, or `me`); a UUID view must return that very user. */
  async function viewUser(userId: string, token: string, options: FetchOptions): Promise<PassboltUserModel> {
    const res = await client.viewUser(userId, token, options);
    if (res.status !== 200) {
      const error = toGatewayError(res.status, res.body, { headers: res.headers });
      logger[res.status >= 500 ? 'warn' : 'debug']({ status: res.status, code: error.code }, 'passbolt user view failed');
      throw error;
    }
    const wire = parsePassboltUserWire(parseJsonBody(res.body));
    if (userId !== 'me' && wire.id.toLowerCase() !== userId) {
      throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'passbolt: body.id is not the requested user', { provider: 'PASSBOLT' });
    }
    return mapUser(wire, { baseUrl: config.baseUrl });
  }

  return {
    provider: 'PASSBOLT',
    maxBatchSize: MAX_BATCH_SIZE,
    readCredentials: (headers) => readPassboltCredentials(headers, config.defaultToken),
    normalizeId: normalizePassboltId,
    // Scoped by what each read sends upstream (docs/providers/README.md, caching).
    cacheScope: (creds, read) => credentialScope(() => (read === 'me' ? tokenForMe(creds) : tokenForUserLookup(creds))),
    // The upstream request for one user is the same whatever is selected.
    cacheProjection: () => '',
    fetchUsers(ids, creds, options = {}) {
      return settleBatch(ids.length, () => {
        // Missing or malformed credentials fail every slot, before any upstream call.
        const token = tokenForUserLookup(creds);
        // Ids normally arrive normalised by the loader; checking again keeps a bad one from ever
        // reaching the path, and it fails its own slot only.
        const viewById = async (id: string) => viewUser(normalizePassboltId(id), token, options);
        return Promise.all(ids.map((id) => viewById(id).catch(asSlotError)));
      });
    },
    async fetchMe(creds, options = {}) {
      return viewUser('me', tokenForMe(creds), options);
    },
    directory: createPassboltDirectory({ client, baseUrl: config.baseUrl }),
    close: () => client.close(),
  };
}
