/**
 * Listing Passbolt users and viewing groups (docs/providers/passbolt.md, "Listing users").
 *
 * `GET /users.json` is one list ordered by username that Passbolt pages with `page`/`limit` and
 * counts in `header.pagination.count`. The page state is an offset into that list: each user's
 * `after` is its position + 1, so a page can resume right after any user. A page of `first` users
 * from offset `o` is one upstream call: the smallest `limit` ≥ `first` whose page holds the whole
 * window `[o, o + first)` is requested and the window cut out of it (while the client keeps the same
 * `first`, that is exactly `limit = first`).
 *
 * Filters: `search` is Passbolt's `filter[search]` (username — the email — first or last name
 * contains) and `groupId` is `filter[has-groups][]`; both native, with Passbolt's count. `email` has
 * no filter of its own: it is sent as `filter[search]`, which narrows the list to the few users whose
 * username contains it, and the exact, case-insensitive match is checked here. `active: true` is sent
 * as `filter[is-active]=1`, which Passbolt honours for admins only and which ignores `disabled`, so
 * the unified `active` (set up and not disabled) is checked here for either value. When users are checked here, the narrowed list is read whole
 * in one call (Passbolt's index without `limit`) and paged here, with the offset counting checked
 * users: a page is never cut short and `totalCount` stays exact.
 */
import type { DirectoryAdapter, FetchOptions } from '../types.js';
import type { FilterName, GroupRecord, PageRequest, PageState, UserFilter, UserPage } from '../directory.js';
import { ErrorCode, GatewayError } from '../../errors.js';
import { parseJsonBody } from '../wire.js';
import type { PassboltClient } from './client.js';
import { tokenForUserLookup, type PassboltCredentials } from './credentials.js';
import { toGatewayError } from './errors.js';
import { mapUser, type PassboltUserModel } from './map-user.js';
import { normalizePassboltGroupId, parsePassboltGroupWire, parsePassboltUserListWire, type PassboltUserWire } from './wire.js';

/** Largest offset a cursor may carry: far beyond any installation, small enough to stay exact. */
const MAX_OFFSET = 10_000_000;

/**
 * The contains of `/users.json` (on by default) and the `User` fields each one feeds; a contain no
 * selected field needs is turned off with `contain[x]=0` (the GPG key alone is several kilobytes).
 */
const CONTAINS: ReadonlyArray<readonly [contain: string, fields: readonly string[]]> = [
  ['profile', ['displayName', 'givenName', 'familyName', 'avatarUrl', 'profile']],
  ['role', ['roles', 'role']],
  ['gpgkey', ['gpgkey']],
  ['groups_users', ['groups', 'groupsUsers']],
];

export interface PassboltDirectoryDeps {
  client: PassboltClient;
  baseUrl: string;
}

export function createPassboltDirectory({ client, baseUrl }: PassboltDirectoryDeps): DirectoryAdapter<PassboltCredentials, PassboltUserModel> {
  async function list(filter: UserFilter, page: PageRequest, creds: PassboltCredentials, options: FetchOptions): Promise<UserPage<PassboltUserModel>> {
    const token = tokenForUserLookup(creds);
    const offset = page.after === undefined ? 0 : checkOffset(page.after);
    const checks = adapterChecks(filter);
    const query = indexQuery(filter, options.fields, filter.search !== undefined && filter.email !== undefined);
    // Paged by Passbolt unless users are checked here: then the (natively narrowed) list is read
    // whole, which Passbolt does when no `limit` is sent, and paged here.
    const paged = checks.length === 0 ? windowPage(offset, page.first) : undefined;
    if (paged) {
      query.set('page', String(paged.pageNumber));
      query.set('limit', String(paged.limit));
    }

    const res = await client.listUsers(query.toString(), token, options);
    if (res.status !== 200) throw toGatewayError(res.status, res.body, { headers: res.headers });
    const { users, count } = parsePassboltUserListWire(parseJsonBody(res.body));

    if (!paged) {
      const matching = users.filter((wire) => checks.every((check) => check(wire)));
      return cut(matching, 0, offset, page.first, matching.length);
    }
    const skip = offset - (paged.pageNumber - 1) * paged.limit;
    const window = users.slice(skip, skip + page.first);
    const windowEnd = offset + window.length;
    const result = cut(window, offset, offset, page.first, count);
    // With Passbolt's count the end is known; without it (a server that sends no pagination
    // header), more may follow when the page held users past the window or was full.
    result.hasNextPage = count !== null ? windowEnd < count : users.length > skip + page.first || (window.length === page.first && users.length === paged.limit);
    return result;
  }

  /**
   * Users `[offset, offset + first)` of `list` as a page, each edge resuming right after its user.
   * `listStart` is the offset `list[0]` sits at (0 when `list` is the whole list).
   */
  function cut(list: PassboltUserWire[], listStart: number, offset: number, first: number, totalCount: number | null): UserPage<PassboltUserModel> {
    const from = offset - listStart;
    const slice = list.slice(from, from + first);
    return {
      edges: slice.map((wire, i) => ({ user: mapUser(wire, { baseUrl }), after: offset + i + 1 })),
      hasNextPage: from + first < list.length,
      totalCount,
    };
  }

  return {
    listFilters: new Set<FilterName>(['search', 'email', 'active', 'groupId']),
    // One `/users.json` page holds any `first` the gateway allows (1 to 100).
    listPageSize: 100,
    checkPageState(state: unknown): PageState {
      return checkOffset(state);
    },
    listUsers: (filter, page, creds, options = {}) => list(filter, page, creds, options),
    normalizeGroupId: normalizePassboltGroupId,
    async fetchGroup(id, creds, options = {}): Promise<GroupRecord> {
      const token = tokenForUserLookup(creds);
      const groupId = normalizePassboltGroupId(id);
      const res = await client.viewGroup(groupId, token, options);
      if (res.status !== 200) {
        const error = toGatewayError(res.status, res.body, { headers: res.headers });
        if (error.code === ErrorCode.NOT_FOUND) throw new GatewayError(ErrorCode.NOT_FOUND, 'passbolt: no such group.', { provider: 'PASSBOLT' });
        throw error;
      }
      const group = parsePassboltGroupWire(parseJsonBody(res.body));
      if (group.id.toLowerCase() !== groupId) {
        throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'passbolt: body.id is not the requested group', { provider: 'PASSBOLT' });
      }
      // Passbolt groups have a name and no description (OpenAPI `groupIndexAndView`).
      return { id: groupId, name: group.name ?? null, description: null };
    },
    listGroupMembers: (groupId, page, creds, options = {}) => list({ groupId: normalizePassboltGroupId(groupId) }, page, creds, options),
  };
}

/** An offset this adapter could have made: a whole number from 1 (after the first user) up. */
function checkOffset(state: unknown): number {
  if (typeof state === 'number' && Number.isSafeInteger(state) && state >= 1 && state <= MAX_OFFSET) return state;
  throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'passbolt: the cursor does not point into a user list.', { provider: 'PASSBOLT' });
}

/**
 * The Passbolt page that holds the users at `[offset, offset + first)`: the smallest `limit` ≥ `first`
 * for which no page boundary falls inside the window. `limit = offset + first` (page 1) always
 * qualifies, so the search ends; with a steady `first` it stops at once.
 */
export function windowPage(offset: number, first: number): { limit: number; pageNumber: number } {
  for (let limit = first; ; limit++) {
    const pageNumber = Math.floor(offset / limit) + 1;
    if (offset + first <= pageNumber * limit) return { limit, pageNumber };
  }
}

/**
 * The index query for `filter`: native filters, and `contain[x]=0` for what no selected field needs.
 * `keepProfile` keeps names for a `search` checked here (when `email` took `filter[search]`).
 */
function indexQuery(filter: UserFilter, fields: ReadonlySet<string> | undefined, keepProfile: boolean): URLSearchParams {
  const query = new URLSearchParams();
  const search = filter.email ?? filter.search;
  if (search !== undefined) query.set('filter[search]', search);
  if (filter.groupId !== undefined) query.append('filter[has-groups][]', normalizePassboltGroupId(filter.groupId));
  // Narrows to set-up users for admins (others only ever see those); the unified `active` is
  // checked here in any case. Not sent for `active: false`: a disabled user is set up.
  if (filter.active === true) query.set('filter[is-active]', '1');
  for (const [contain, feeds] of CONTAINS) {
    const needed = !fields || feeds.some((field) => fields.has(field)) || (contain === 'profile' && keepProfile);
    if (!needed) query.set(`contain[${contain}]`, '0');
  }
  // Off by default; Passbolt sends it to admins only and drops the request for everyone else.
  if (!fields || fields.has('isMfaEnabled')) query.set('contain[is_mfa_enabled]', '1');
  return query;
}

type WireCheck = (wire: PassboltUserWire) => boolean;

/** The parts of `filter` Passbolt cannot answer exactly, as checks on each listed user. */
function adapterChecks(filter: UserFilter): WireCheck[] {
  const checks: WireCheck[] = [];
  if (filter.email !== undefined) {
    const email = filter.email.toLowerCase();
    checks.push((wire) => wire.username.toLowerCase() === email);
    // `filter[search]` carried the email, so the search is Passbolt's own, done here.
    if (filter.search !== undefined) {
      const search = filter.search.toLowerCase();
      checks.push((wire) => [wire.username, wire.profile?.first_name, wire.profile?.last_name].some((v) => v?.toLowerCase().includes(search) ?? false));
    }
  }
  if (filter.active !== undefined) {
    const active = filter.active;
    // The unified `active` (map-user.ts): set up and not disabled.
    checks.push((wire) => (wire.active === true && wire.disabled == null) === active);
  }
  return checks;
}
