/**
 * BellaDati's directory: a domain's users and groups (docs/providers/belladati.md §6).
 *
 * BellaDati answers a domain's whole user list in one call (`GET /api/domains/{domain}/users`, no
 * paging documented) and filters it natively by group only (`userGroup_id`). So one page costs one
 * list call, and the gateway does the rest on that answer: `search`, `email` and `active` are
 * matched here, and the page is a slice of the filtered list whose state is an offset (the position
 * right after the user). `totalCount` is the filtered count. Only global and domain administrators
 * may list; BellaDati's 403 says so.
 *
 * Which domain: `BELLADATI_DOMAIN` when configured. Otherwise the caller's own, the `domain_id` of
 * the record `me` reads (`GET /api/users/username/{username}` with the caller's token and
 * `X-BellaDati-Username`): one extra call, made once per request and shared by every list in it.
 */
import { ErrorCode, GatewayError } from '../../errors.js';
import type { FilterName, GroupRecord, PageRequest, PageState, UserFilter, UserPage } from '../directory.js';
import type { DirectoryAdapter, FetchOptions, Logger } from '../types.js';
import { parseJsonBody } from '../wire.js';
import type { BellaDatiClient, BellaDatiResponse } from './client.js';
import { credentialsForMe, ownUsername, tokenForUserLookup, USERNAME_HEADER, type BellaDatiCredentials } from './credentials.js';
import { toGatewayError } from './errors.js';
import { mapUser, type BellaDatiUserModel } from './map-user.js';
import { normalizeBellaDatiGroupId, parseBellaDatiGroupList, parseBellaDatiUserList, parseBellaDatiUserWire } from './wire.js';

export interface BellaDatiDirectoryDeps {
  client: BellaDatiClient;
  /** `BELLADATI_DOMAIN`: the domain to list; undefined to list the caller's own. */
  domain: string | undefined;
  logger: Logger;
}

/**
 * The largest offset a cursor may carry. A domain's list comes in one answer; a million users is
 * far beyond any domain that answer could carry, so a larger offset was not made by this adapter.
 */
export const MAX_OFFSET = 1_000_000;

/** How a plain 403/404 reads for a domain's lists, and for the lookup of the caller's own record. */
const LIST_WORDING = {
  '403': 'belladati: listing a domain needs a global or domain administrator.',
  '404': 'belladati: no such domain.',
};
const LOOKUP_WORDING = {
  '403': `belladati: the caller may not read their own record (${USERNAME_HEADER}), which names the domain to list.`,
  '404': `belladati: no user has the username in ${USERNAME_HEADER}, so the domain to list is unknown.`,
};

const LIST_FILTERS: ReadonlySet<FilterName> = new Set<FilterName>(['search', 'email', 'active', 'groupId']);

export function createBellaDatiDirectory({ client, domain, logger }: BellaDatiDirectoryDeps): DirectoryAdapter<BellaDatiCredentials, BellaDatiUserModel> {
  /** The caller's domain per request (credentials are read once per request): one lookup, shared. */
  const ownDomains = new WeakMap<BellaDatiCredentials, Promise<string>>();

  /** The token and domain a list runs with. Missing or malformed credentials throw before any call. */
  function listing(creds: BellaDatiCredentials, options: FetchOptions): { token: string; domain: Promise<string> } {
    if (domain !== undefined) return { token: tokenForUserLookup(creds), domain: Promise.resolve(domain) };
    if (creds.username.state === 'absent' && creds.token.state === 'present') {
      throw new GatewayError(
        ErrorCode.UNAUTHENTICATED,
        `belladati: listing users needs the ${USERNAME_HEADER} header (the caller's own username, whose domain is listed) when no BellaDati domain is configured.`,
        { provider: 'BELLADATI', reason: 'MISSING_CREDENTIALS' },
      );
    }
    // The caller's own token and username, as for `me`: the configured default token never stands in here.
    const { token, username } = credentialsForMe(creds);
    ownUsername(username);
    let lookup = ownDomains.get(creds);
    if (!lookup) {
      lookup = lookupDomain(username, token, options);
      ownDomains.set(creds, lookup);
    }
    return { token, domain: lookup };
  }

  /** `domain_id` of the caller's own record. */
  async function lookupDomain(username: string, token: string, options: FetchOptions): Promise<string> {
    const res = await client.getUserByUsername(username, token, options);
    const wire = parseBellaDatiUserWire(parseJsonBody(check(res, 'user detail by username (domain lookup)', LOOKUP_WORDING)));
    if (wire.username.toLowerCase() !== username.toLowerCase()) throw badResponse('body.username is not the requested user');
    if (!wire.domain_id) throw badResponse('body.domain_id: expected a digit string');
    return wire.domain_id;
  }

  /**
   * A non-200 becomes the gateway error of BellaDati's table (docs/providers/belladati.md §10); a
   * plain 403/404 is reworded for what was asked (BellaDati's own reason, an OAuth problem, is kept
   * as it is). A 200 yields its body.
   */
  function check(res: BellaDatiResponse, operation: string, wording: Partial<Record<'403' | '404', string>> = LIST_WORDING): string {
    if (res.status === 200) return res.body;
    let error = toGatewayError(res.status, res.body, { headers: res.headers });
    const message = error.extensions.reason === undefined ? wording[String(res.status) as '403' | '404'] : undefined;
    if (message !== undefined) error = new GatewayError(error.code, message, { provider: 'BELLADATI', detail: error.detail });
    logger[res.status >= 500 ? 'warn' : 'debug']({ status: res.status, code: error.code, reason: error.extensions.reason }, `belladati ${operation} failed`);
    throw error;
  }

  async function list(filter: UserFilter, page: PageRequest, creds: BellaDatiCredentials, options: FetchOptions): Promise<UserPage<BellaDatiUserModel>> {
    const groupId = filter.groupId === undefined ? undefined : normalizeBellaDatiGroupId(filter.groupId);
    const offset = page.after === undefined ? 0 : (checkPageState(page.after) as number);
    const { token, domain: domainId } = listing(creds, options);
    const res = await client.getDomainUsers(await domainId, groupId, token, options);
    const users = parseBellaDatiUserList(parseJsonBody(check(res, 'domain user list'))).map(mapUser).filter(matches(filter));
    const slice = users.slice(offset, offset + page.first);
    return {
      edges: slice.map((user, i) => ({ user, after: offset + i + 1 })),
      hasNextPage: offset + page.first < users.length,
      totalCount: users.length,
    };
  }

  return {
    listFilters: LIST_FILTERS,
    listPageSize: Infinity,
    checkPageState,
    normalizeGroupId: normalizeBellaDatiGroupId,
    listUsers: (filter, page, creds, options = {}) => list(filter, page, creds, options),
    listGroupMembers: (groupId, page, creds, options = {}) => list({ groupId }, page, creds, options),
    async fetchGroup(id, creds, options = {}): Promise<GroupRecord> {
      const key = normalizeBellaDatiGroupId(id);
      const { token, domain: domainId } = listing(creds, options);
      const res = await client.getDomainGroups(await domainId, token, options);
      const group = parseBellaDatiGroupList(parseJsonBody(check(res, 'domain group list'))).find((g) => g.id === key);
      if (!group) throw new GatewayError(ErrorCode.NOT_FOUND, 'belladati: no such group.', { provider: 'BELLADATI' });
      return { id: group.id, name: group.name ?? null, description: group.description ?? null };
    },
  };
}

/** States are offsets this adapter made: the position right after a user, 1 to MAX_OFFSET. */
function checkPageState(state: unknown): PageState {
  if (typeof state === 'number' && Number.isSafeInteger(state) && state >= 1 && state <= MAX_OFFSET) return state;
  throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'belladati: the cursor is not one this list produced.', { provider: 'BELLADATI', reason: 'INVALID_CURSOR' });
}

/**
 * The filters BellaDati does not apply itself. `search`: the name parts, the display name, the
 * username or the email contains the text; `email`: equal; both without regard to case. `active`
 * matches only a readable flag: a user whose flag is unreadable matches neither value.
 */
function matches(filter: UserFilter): (user: BellaDatiUserModel) => boolean {
  const search = filter.search?.toLowerCase();
  const email = filter.email?.toLowerCase();
  return (user) => {
    if (filter.active !== undefined && user.active !== filter.active) return false;
    if (email !== undefined && user.email?.toLowerCase() !== email) return false;
    if (search !== undefined) {
      const texts = [user.displayName, user.givenName, user.middleName, user.familyName, user.username, user.email];
      if (!texts.some((t) => typeof t === 'string' && t.toLowerCase().includes(search))) return false;
    }
    return true;
  };
}

function badResponse(what: string): GatewayError {
  return new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, `belladati: ${what}`, { provider: 'BELLADATI' });
}
