/**
 * The BellaDati adapter. BellaDati reads one user per call (`GET /api/users/{id}`) and has no batch
 * endpoint and no "me" endpoint, so a batch is parallel single GETs (the
 * DataLoader has already removed duplicates) and `me` reads `GET /api/users/username/{username}`
 * with the caller's own token. Listing is `directory.ts`.
 */
import type { AdapterDeps, FetchOptions, ProviderAdapter, ProviderConfigBase } from '../types.js';
import { ErrorCode, GatewayError } from '../../errors.js';
import { asSlotError, settleBatch } from '../batch.js';
import { parseJsonBody } from '../wire.js';
import { createBellaDatiClient, type BellaDatiResponse } from './client.js';
import { credentialsForMe, ownUsername, readBellaDatiCredentials, tokenForUserLookup, type BellaDatiCredentials } from './credentials.js';
import { credentialScope } from '../credentials.js';
import { createBellaDatiDirectory } from './directory.js';
import { toGatewayError } from './errors.js';
import { mapUser, type BellaDatiUserModel } from './map-user.js';
import { normalizeBellaDatiId, parseBellaDatiUserWire, type BellaDatiUserWire } from './wire.js';

export type { BellaDatiCredentials } from './credentials.js';
export type { BellaDatiUserModel } from './map-user.js';

export interface BellaDatiConfig extends ProviderConfigBase {
  /** The BellaDati domain's OAuth consumer key (domain settings → REST API). Required. */
  consumerKey: string;
  /** Optional OAuth `realm`, e.g. `https://service.belladati.com/`; omitted from the header when unset. */
  realm?: string | undefined;
  /**
   * An access token for `user` lookups when the caller sends no `x-belladati-token`. Never used for
   * `me`, which must run under the caller's own token.
   */
  defaultToken?: string | undefined;
  /**
   * The domain whose users `users`/`group` list (`BELLADATI_DOMAIN`). Unset: the caller's own domain,
   * learnt from their record (one extra call per request; docs/providers/belladati.md §6).
   */
  domain?: string | undefined;
}

/** Parallel single GETs per batch; also the most concurrent requests one operation sends BellaDati. */
const MAX_BATCH_SIZE = 25;
// eslint-disable-next-line no-control-regex
const HEADER_UNSAFE = /[\u0000-\u001f\u007f]/;

export function createBellaDatiAdapter(config: BellaDatiConfig, deps: AdapterDeps): ProviderAdapter<BellaDatiCredentials, BellaDatiUserModel> {
  if (!config.consumerKey || HEADER_UNSAFE.test(config.consumerKey) || (config.realm && HEADER_UNSAFE.test(config.realm))) {
    throw new TypeError('BELLADATI: consumerKey must be a non-empty string and realm must not contain control characters');
  }
  const client = createBellaDatiClient(config);
  const logger = deps.logger.child({ provider: 'BELLADATI' });

  /** Checks the status, then the body: a non-200 becomes a gateway error, a 200 a validated record. */
  function readUser(res: BellaDatiResponse, operation: string): BellaDatiUserWire {
    if (res.status !== 200) {
      const error = toGatewayError(res.status, res.body, { headers: res.headers });
      logger[res.status >= 500 ? 'warn' : 'debug']({ status: res.status, code: error.code, reason: error.extensions.reason }, `belladati ${operation} failed`);
      throw error;
    }
    return parseBellaDatiUserWire(parseJsonBody(res.body));
  }

  async function fetchUser(id: string, token: string, options: FetchOptions): Promise<BellaDatiUserModel> {
    const key = normalizeBellaDatiId(id);
    const wire = readUser(await client.getUser(key, token, options, excludable(options.fields)), 'user detail');
    // Ids are compared as strings (`"0123"` is not `"123"`); another user's record in this slot
    // would be served under the wrong key.
    if (wire.id !== key) throw wrongUser('body.id is not the requested user');
    return mapUser(wire);
  }

  return {
    provider: 'BELLADATI',
    maxBatchSize: MAX_BATCH_SIZE,
    readCredentials: (headers) => readBellaDatiCredentials(headers, config.defaultToken),
    normalizeId: normalizeBellaDatiId,
    // Scoped by what each read sends upstream (docs/providers/README.md, caching).
    cacheScope: (creds, read) => credentialScope(() => (read === 'me' ? credentialsForMe(creds) : tokenForUserLookup(creds))),
    // GET User Detail leaves out what `exclude` names, so entries are kept per excluded set.
    cacheProjection: (fields) => excludable(fields).join(','),
    fetchUsers(ids, creds, options = {}) {
      return settleBatch(ids.length, () => {
        // Missing or malformed credentials fail every slot, before any upstream call.
        const token = tokenForUserLookup(creds);
        return Promise.all(ids.map((id) => fetchUser(id, token, options).catch(asSlotError)));
      });
    },
    async fetchMe(creds, options = {}) {
      const { token, username } = credentialsForMe(creds);
      // A malformed own username is the caller's input error (BAD_USER_INPUT), raised before any call.
      ownUsername(username);
      const wire = readUser(await client.getUserByUsername(username, token, options, excludable(options.fields)), 'user detail by username');
      // Usernames are usually emails, which BellaDati may match without regard to case.
      if (wire.username.toLowerCase() !== username.toLowerCase()) throw wrongUser('body.username is not the requested user');
      return mapUser(wire);
    },
    directory: createBellaDatiDirectory({ client, domain: config.domain, logger }),
    close: () => client.close(),
  };
}

/**
 * BellaDati fields the operation does not need, for `exclude` (GET User Detail's documented example
 * is `email,lastLogin`): each only feeds one GraphQL field. Everything else is read whatever the
 * selection (names feed displayName, and so on), so nothing else is left out.
 */
const EXCLUDABLE: ReadonlyArray<[wire: string, field: string]> = [
  ['email', 'email'],
  ['lastLogin', 'lastLoginAt'],
];

function excludable(fields: ReadonlySet<string> | undefined): string[] {
  if (!fields) return [];
  return EXCLUDABLE.filter(([, field]) => !fields.has(field)).map(([wire]) => wire);
}

function wrongUser(what: string): GatewayError {
  return new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, `belladati: ${what}`, { provider: 'BELLADATI' });
}
