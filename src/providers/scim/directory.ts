/**
 * Listing users and reading groups on a SCIM server (docs/providers/scim.md §11).
 *
 * - A page of users is one `GET /Users?filter=…&startIndex=…&count=…` (RFC 7644 §3.4.2): the page
 *   state is the 1-based `startIndex` of the next user, and `hasNextPage` is worked out from
 *   `totalResults`, because a server may answer with fewer resources than `count` (§3.4.2.4).
 * - A group is `GET /Groups/{id}` (RFC 7643 §4.2); its members are the group's own `members[]`
 *   (core RFC, unlike filtering users by `groups`, which servers support unevenly), paged here and
 *   read with the batch path: one `id eq … or …` read per 50 members.
 */
import { ErrorCode, GatewayError } from '../../errors.js';
import type { FilterName, GroupRecord, PageRequest, PageState, UserFilter, UserPage } from '../directory.js';
import type { DirectoryAdapter, FetchOptions } from '../types.js';
import { parseJsonBody } from '../wire.js';
import type { ScimClient, ScimResponse } from './client.js';
import { tokenForUserLookup, type ScimCredentials } from './credentials.js';
import type { ScimErrorContext } from './errors.js';
import { userListFilter } from './filter.js';
import type { ScimUserModel } from './map-user.js';
import { normalizeScimId, parseScimGroupWire, parseScimListWire, type ScimGroupResourceWire } from './wire.js';

/** Largest `startIndex` a state may hold: far past any directory, small enough for every server's integer. */
export const MAX_START_INDEX = 1_000_000_000;
/** Users asked per page call; the gateway caps `first` at 100, so one call serves a page. */
const LIST_PAGE_SIZE = 100;
/** User reads one members page may make when whole slices of members turn out to be gone. */
const MAX_MEMBER_READS = 3;
const FILTERS: ReadonlySet<FilterName> = new Set<FilterName>(['search', 'email', 'active', 'groupId']);

export interface ScimDirectoryDeps {
  client: ScimClient;
  /** The adapter's batch read (one filtered call per 50 ids); never rejects. */
  fetchUsers(ids: readonly string[], creds: ScimCredentials, options: FetchOptions): Promise<Array<ScimUserModel | GatewayError>>;
  /** The error for a non-200 answer (logged with its status only). */
  failure(res: ScimResponse, context: ScimErrorContext, what: string): GatewayError;
  /** One User resource → the user model (the single-user mapper). */
  toUser(raw: unknown): ScimUserModel;
}

/**
 * A state is a `startIndex` after at least one user (so 2 or more): for users, the server's 1-based
 * index; for members, the 1-based position in the group's `members[]`.
 */
function checkPageState(state: unknown): number {
  if (typeof state === 'number' && Number.isSafeInteger(state) && state >= 2 && state <= MAX_START_INDEX) return state;
  throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'scim: the cursor does not name a position in this list.', { provider: 'SCIM' });
}

const startOf = (page: PageRequest): number => (page.after === undefined ? 1 : checkPageState(page.after));

/** RFC 7643 §4.2: a member is a User or a Group; without `type`, taken as a user. Nested groups are not listed. */
function isUserMember(member: ScimGroupResourceWire['members'][number]): boolean {
  return member.type === null || member.type === undefined || member.type.toLowerCase() === 'user';
}

export function createScimDirectory(deps: ScimDirectoryDeps): DirectoryAdapter<ScimCredentials, ScimUserModel> {
  const { client, failure, toUser } = deps;

  async function readGroup(id: string, withMembers: boolean, token: string, options: FetchOptions): Promise<ScimGroupResourceWire> {
    const res = await client.getGroup(id, withMembers, token, options);
    if (res.status !== 200) throw failure(res, { endpoint: 'group' }, 'group read');
    return parseScimGroupWire(parseJsonBody(res.body));
  }

  return {
    listFilters: FILTERS,
    listPageSize: LIST_PAGE_SIZE,
    checkPageState: (state): PageState => checkPageState(state),
    normalizeGroupId: normalizeScimId,

    async listUsers(filter: UserFilter, page: PageRequest, creds: ScimCredentials, options: FetchOptions = {}): Promise<UserPage<ScimUserModel>> {
      const token = tokenForUserLookup(creds);
      const startIndex = startOf(page);
      const res = await client.listUsers(userListFilter(filter), startIndex, page.first, token, options);
      if (res.status !== 200) {
        const filters = (Object.keys(filter) as FilterName[]).filter((name) => filter[name] !== undefined);
        throw failure(res, { endpoint: 'users', filters }, 'user list');
      }
      const list = parseScimListWire(parseJsonBody(res.body));
      // A server may send fewer than `count` (its maxResults) and, wrongly, more: never more than asked.
      const resources = list.resources.slice(0, page.first);
      const edges = resources.map((raw, i) => ({ user: toUser(raw), after: startIndex + i + 1 }));
      const next = startIndex + resources.length;
      // An empty page ends the list even if `totalResults` says more: paging could not advance.
      return { edges, hasNextPage: resources.length > 0 && next <= list.totalResults, totalCount: list.totalResults };
    },

    async fetchGroup(id: string, creds: ScimCredentials, options: FetchOptions = {}): Promise<GroupRecord> {
      const token = tokenForUserLookup(creds);
      const group = await readGroup(normalizeScimId(id), false, token, options);
      // The core Group schema has no description (RFC 7643 §4.2).
      return { id: group.id, name: group.displayName ?? null, description: null };
    },

    async listGroupMembers(groupId: string, page: PageRequest, creds: ScimCredentials, options: FetchOptions = {}): Promise<UserPage<ScimUserModel>> {
      const token = tokenForUserLookup(creds);
      const from = startOf(page);
      const group = await readGroup(normalizeScimId(groupId), true, token, options);
      // Each member user once, at its first position in `members[]` (1-based, stable while the group is).
      const seen = new Set<string>();
      const members: Array<{ id: string; position: number }> = [];
      group.members.forEach((member, i) => {
        if (!isUserMember(member) || seen.has(member.value)) return;
        seen.add(member.value);
        members.push({ id: member.value, position: i + 1 });
      });
      let remaining = members.filter((m) => m.position >= from);
      const edges: UserPage<ScimUserModel>['edges'] = [];
      // A member whose user is gone (membership not yet cleaned up) is left out; any other failure
      // fails the page. A page whose members all vanished reads the next ones (a page without edges
      // would leave the client no cursor), a bounded number of times.
      for (let reads = 0; edges.length === 0 && remaining.length > 0; reads++) {
        if (reads === MAX_MEMBER_READS) {
          throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'scim: the group lists too many members that are no longer users.', {
            provider: 'SCIM',
            reason: 'STALE_MEMBERS',
          });
        }
        const slice = remaining.slice(0, page.first);
        remaining = remaining.slice(slice.length);
        const users = await deps.fetchUsers(slice.map((m) => m.id), creds, options);
        slice.forEach((member, i) => {
          const user = users[i]!;
          if (!(user instanceof GatewayError)) edges.push({ user, after: member.position + 1 });
          else if (user.code !== ErrorCode.NOT_FOUND) throw user;
        });
      }
      return { edges, hasNextPage: remaining.length > 0, totalCount: members.length };
    },
  };
}
