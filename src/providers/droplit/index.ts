/**
 * The Droplit.io adapter: get-a-user (`GET /api/users/{ecosystemId};{uniqueId}`) is the only read
 * Droplit offers, with no batch and no "me" endpoint, so a batch is parallel single
 * GETs (the DataLoader has already removed duplicates) and `me` fetches the caller's own id.
 */
import type { AdapterDeps, FetchOptions, ProviderAdapter, ProviderConfigBase } from '../types.js';
import { ErrorCode, GatewayError, isGatewayError } from '../../errors.js';
import { asSlotError, settleBatch } from '../batch.js';
import { parseJsonBody } from '../wire.js';
import { createDroplitClient } from './client.js';
import { credentialsForMe, readDroplitCredentials, tokenForUserLookup, type DroplitCredentials } from './credentials.js';
import { credentialScope } from '../credentials.js';
import { toGatewayError } from './errors.js';
import { mapUser, type DroplitUserModel } from './map-user.js';
import { normalizeDroplitId, parseDroplitId, parseDroplitUserWire } from './wire.js';

export type { DroplitCredentials } from './credentials.js';
export type { DroplitUserModel } from './map-user.js';

export interface DroplitConfig extends ProviderConfigBase {
  /**
   * A server (or account) token for `user` lookups when the caller sends no `x-droplit-token`.
   * Never used for `me`, which must run under the caller's own token.
   */
  defaultToken?: string;
}

/** Parallel single GETs per batch; also the most concurrent requests one operation sends Droplit. */
const MAX_BATCH_SIZE = 25;

export function createDroplitAdapter(config: DroplitConfig, deps: AdapterDeps): ProviderAdapter<DroplitCredentials, DroplitUserModel> {
  const client = createDroplitClient(config);
  const logger = deps.logger.child({ provider: 'DROPLIT' });

  async function fetchUser(id: string, token: string, options: FetchOptions): Promise<DroplitUserModel> {
    const key = normalizeDroplitId(id);
    const res = await client.getUser(parseDroplitId(key), token, options);
    if (res.status !== 200) {
      const error = toGatewayError(res.status, res.body, { headers: res.headers });
      logger[res.status >= 500 ? 'warn' : 'debug']({ status: res.status, code: error.code }, 'droplit get-a-user failed');
      throw error;
    }
    const wire = parseDroplitUserWire(parseJsonBody(res.body));
    // Droplit echoes the requested id (Get a user. example); another user's record in this slot
    // would be served under the wrong key.
    if (wire.id !== key) {
      throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'droplit: body.id is not the requested user', { provider: 'DROPLIT' });
    }
    return mapUser(wire);
  }

  return {
    provider: 'DROPLIT',
    maxBatchSize: MAX_BATCH_SIZE,
    readCredentials: (headers) => readDroplitCredentials(headers, config.defaultToken),
    normalizeId: normalizeDroplitId,
    // Scoped by what each read sends upstream (docs/providers/README.md, caching).
    cacheScope: (creds, read) => credentialScope(() => (read === 'me' ? credentialsForMe(creds) : tokenForUserLookup(creds))),
    // The upstream request for one user is the same whatever is selected.
    cacheProjection: () => '',
    fetchUsers(ids, creds, options = {}) {
      return settleBatch(ids.length, () => {
        // Missing or malformed credentials fail every slot, before any upstream call.
        const token = tokenForUserLookup(creds);
        return Promise.all(ids.map((id) => fetchUser(id, token, options).catch(asSlotError)));
      });
    },
    async fetchMe(creds, options = {}) {
      const { token, userId } = credentialsForMe(creds);
      return fetchUser(ownId(userId), token, options);
    },
    close: () => client.close(),
  };
}

/**
 * The caller's own id from `X-Droplit-User`. A malformed one is the caller's input error
 * (BAD_USER_INPUT), raised before any call, and the message names the header it came from.
 */
function ownId(userId: string): string {
  try {
    return normalizeDroplitId(userId);
  } catch (error) {
    if (!isGatewayError(error) || error.code !== ErrorCode.BAD_USER_INPUT) throw error;
    throw new GatewayError(
      ErrorCode.BAD_USER_INPUT,
      'droplit: the X-Droplit-User header must be your own id, "<ecosystemId>;<uniqueId>" with a C + 24 lower-case hex ecosystem id and a non-empty uniqueId (at most 256 characters).',
      { provider: 'DROPLIT' },
    );
  }
}
