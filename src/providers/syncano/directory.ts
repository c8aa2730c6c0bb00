/**
 * Listing Syncano users and groups (docs/providers/syncano.md §6). Syncano pages every list by key
 * (`page_size` ≤ 100, `direction=1` + `last_pk` to resume), so a gateway page is exactly one upstream
 * call and every listed user is a full record, mapped like a single read.
 *
 * - Users: `GET …/users/`, keyed on the user id, so each edge resumes after its own user (`PageState`
 *   = that user's id, a number).
 * - A group's members: `GET …/groups/{id}/users/`, items `{user: {...}}`, keyed on the membership's
 *   own id, which the items do not carry; only `next` names it. An edge therefore resumes from the
 *   key its page started after plus how many members of that page to skip (`"<last_pk>.<skip>"`),
 *   except the page's last edge, which resumes from `next` itself.
 *
 * Filters: Syncano's one list filter, `username__startswith`, is not the gateway's `search` (contains
 * over name, username or email) and names and emails live in per-instance profile fields, so
 * `search` and `email` are refused (they would need the whole list). `groupId` reads the group's
 * member list; `active` is answered here: Syncano has no such flag and every user maps to active.
 */
import type { DirectoryAdapter, FetchOptions } from '../types.js';
import type { PageRequest, PageState, UserFilter, UserPage } from '../directory.js';
import { ErrorCode, GatewayError } from '../../errors.js';
import { parseJsonBody } from '../wire.js';
import type { SyncanoClient, SyncanoResponse } from './client.js';
import { headersForUserLookup, type SyncanoCredentials } from './credentials.js';
import type { SyncanoErrorContext } from './errors.js';
import type { SyncanoUserModel } from './map-user.js';
import { MEMBER_PAGE_STATE, normalizeSyncanoGroupId, parseSyncanoGroupWire, parseSyncanoListWire, readMembershipUser, readNextLastPk } from './wire.js';

/** Syncano's page size limit in v1.1 (docs/providers/syncano.md §6). */
export const SYNCANO_PAGE_SIZE = 100;

export interface SyncanoDirectoryDeps {
  client: SyncanoClient;
  /** The single-read mapper (strips `user_key`, validates, maps): every listed user goes through it. */
  toUser(raw: unknown): SyncanoUserModel;
  /** The error for a non-200 answer, logged with its status only. */
  failure(res: SyncanoResponse, endpoint: NonNullable<SyncanoErrorContext['endpoint']>, what: string): GatewayError;
}


/** Where a member page starts: after membership key `lastPk` (0 = from the first member), skipping `skip` members. */
interface MemberState {
  lastPk: number;
  skip: number;
}

function badState(): GatewayError {
  return new GatewayError(ErrorCode.BAD_USER_INPUT, 'syncano: the cursor is not valid for this list.', { provider: 'SYNCANO' });
}

function readMemberState(state: PageState | undefined): MemberState {
  if (state === undefined) return { lastPk: 0, skip: 0 };
  const match = typeof state === 'string' ? MEMBER_PAGE_STATE.exec(state) : null;
  if (!match) throw badState();
  const lastPk = Number(match[1]);
  const skip = Number(match[2]);
  if (!Number.isSafeInteger(lastPk) || skip > SYNCANO_PAGE_SIZE) throw badState();
  return { lastPk, skip };
}

function readUserState(state: PageState | undefined): number | undefined {
  if (state === undefined) return undefined;
  if (typeof state !== 'number' || !Number.isSafeInteger(state) || state < 1) throw badState();
  return state;
}

const emptyPage = (): UserPage<SyncanoUserModel> => ({ edges: [], hasNextPage: false, totalCount: null });

export function createSyncanoDirectory(deps: SyncanoDirectoryDeps): DirectoryAdapter<SyncanoCredentials, SyncanoUserModel> {
  const { client, toUser, failure } = deps;

  /** One page of a group's members; `missingGroup` says what a 404 (no such group) means to the caller. */
  async function memberPage(
    groupId: string,
    page: PageRequest,
    creds: SyncanoCredentials,
    options: FetchOptions,
    missingGroup: 'empty' | 'error',
  ): Promise<UserPage<SyncanoUserModel>> {
    const groupKey = normalizeSyncanoGroupId(groupId);
    const start = readMemberState(page.after);
    const headers = headersForUserLookup(creds);
    // The skipped members are re-read with the page: still one call (page_size ≤ 100).
    const pageSize = Math.min(SYNCANO_PAGE_SIZE, start.skip + page.first);
    const res = await client.listGroupUsers(groupKey, { pageSize, ...(start.lastPk > 0 ? { lastPk: start.lastPk } : {}) }, headers, options);
    if (res.status === 404 && missingGroup === 'empty') {
      // Only "Not found." (the group); an unknown instance is still an error.
      const error = failure(res, 'members', 'group members read');
      if (error.code === ErrorCode.NOT_FOUND) return emptyPage();
      throw error;
    }
    if (res.status !== 200) throw failure(res, 'members', 'group members read');
    const list = parseSyncanoListWire(parseJsonBody(res.body));
    const nextLastPk = list.next === null ? undefined : readNextLastPk(list.next);
    if (list.next !== null && nextLastPk === undefined) {
      throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'syncano: the next page link carries no last_pk.', { provider: 'SYNCANO' });
    }
    const edges = list.objects.slice(start.skip, start.skip + page.first).map((item, j) => {
      const index = start.skip + j + 1;
      const last = index === list.objects.length && nextLastPk !== undefined;
      return { user: toUser(readMembershipUser(item)), after: last ? `${nextLastPk}.0` : `${start.lastPk}.${index}` };
    });
    const more = start.skip + edges.length < list.objects.length || list.next !== null;
    return { edges, hasNextPage: more, totalCount: null };
  }

  return {
    listFilters: new Set(['groupId', 'active']),
    listPageSize: SYNCANO_PAGE_SIZE,
    checkPageState(state) {
      if (typeof state === 'number') return readUserState(state)!;
      if (typeof state === 'string') {
        readMemberState(state);
        return state;
      }
      throw badState();
    },
    normalizeGroupId: normalizeSyncanoGroupId,
    async listUsers(filter: UserFilter, page, creds, options = {}) {
      // Every Syncano user maps to active: `active: false` matches nobody, without a call.
      if (filter.active === false) {
        // Credentials are still required, as for any list (UNAUTHENTICATED when absent).
        headersForUserLookup(creds);
        return emptyPage();
      }
      if (filter.groupId !== undefined) return memberPage(filter.groupId, page, creds, options, 'empty');
      const lastPk = readUserState(page.after);
      const headers = headersForUserLookup(creds);
      const res = await client.listUsers({ pageSize: page.first, ...(lastPk !== undefined ? { lastPk } : {}) }, headers, options);
      if (res.status !== 200) throw failure(res, 'list', 'user list read');
      const list = parseSyncanoListWire(parseJsonBody(res.body));
      const edges = list.objects.slice(0, page.first).map((raw) => {
        const user = toUser(raw);
        return { user, after: Number(user.id) };
      });
      return { edges, hasNextPage: list.next !== null, totalCount: null };
    },
    async fetchGroup(id, creds, options = {}) {
      const groupKey = normalizeSyncanoGroupId(id);
      const res = await client.getGroup(groupKey, headersForUserLookup(creds), options);
      if (res.status !== 200) throw failure(res, 'group', 'group read');
      const group = parseSyncanoGroupWire(parseJsonBody(res.body));
      if (String(group.id) !== groupKey) {
        throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'syncano: body.id is not the requested group', { provider: 'SYNCANO' });
      }
      return { id: groupKey, name: group.label ?? group.name ?? null, description: group.description ?? null };
    },
    listGroupMembers(groupId, page, creds, options = {}) {
      return memberPage(groupId, page, creds, options, 'error');
    },
  };
}
