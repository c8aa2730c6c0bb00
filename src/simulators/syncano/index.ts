/**
 * A Syncano (API v1.1) users API simulator, written from docs/providers/syncano.md (§14):
 *
 * - `GET /v1.1/instances/{instance}/user/`: API key (odd parity) + known user key, else 403.
 * - `GET /v1.1/instances/{instance}/users/{id}/`: account key → anyone; API key + user key → only the
 *   caller's own id (else 404); API key alone → 403 unless it has `ignore_acl`.
 * - `GET /v1.1/instances/{instance}/users/`: the cursor envelope `{objects, next, prev}`, `page_size`
 *   ≤ 100, `direction` + `last_pk` keyset paging, `username__startswith` (§6); a user key lists only
 *   the caller, an API key without one needs `ignore_acl`.
 * - `GET /v1.1/instances/{instance}/groups/{id}/`: the group (account key or any API key).
 * - `GET /v1.1/instances/{instance}/groups/{id}/users/`: memberships `{user, links}` in the same
 *   envelope, paged on the membership's own key; an account key sees every member, an API key only
 *   with a user key and then only the caller's own membership.
 * - `POST /v1.1/instances/{instance}/batch/`: ≤ 50 sub-requests, an array of `{code, content}`.
 * - Unknown instance → 404 "Instance was not found."; unknown key → 403 "No such API Key.".
 * - Optionally, 429 with `Retry-After: 1` above `rateLimitPerSecond` requests per second.
 *
 * Raw user records are served as given, `user_key` included: Syncano returns it on every read.
 */
import { decodeSegment, json, startSimulator } from '../http-simulator.js';
import type { RunningSimulator, SimulatorHandler, SimulatorRequest, SimulatorResponse, StartSimulatorOptions } from '../http-simulator.js';
import { authenticate, type Caller, type SyncanoAuthData } from './auth.js';

export interface SyncanoSimulatorData extends SyncanoAuthData {
  /** The one instance this simulator serves. */
  instance: string;
  /** Raw v1.1 user objects exactly as the API returns them, `user_key` included. */
  users: unknown[];
  /**
   * Groups without members, or with more detail than the users' `groups` arrays carry. Every group a
   * user belongs to exists anyway.
   */
  groups?: unknown[];
  /** Requests per second before 429 (docs/providers/syncano.md §11; the real default is 60). Absent: no limit. */
  rateLimitPerSecond?: number;
}

interface RawUser {
  id: number;
  username: string;
  user_key?: string;
  groups?: RawGroup[];
}

interface RawGroup {
  id: number;
  [field: string]: unknown;
}

/** A row of Syncano's membership table: its own key orders and pages a group's member list. */
interface Membership {
  pk: number;
  groupId: number;
  user: RawUser;
}

const PERMISSION_DENIED = { detail: 'You do not have permission to perform this action.' };
const NOT_FOUND = { detail: 'Not found.' };
const BATCH_MAX_SIZE = 50;
const PAGE_SIZE_MAX = 100;

export function createSyncanoHandler(data: SyncanoSimulatorData): SimulatorHandler {
  const users = data.users as RawUser[];
  const userIdByKey = new Map(users.filter((u) => u.user_key).map((u) => [u.user_key!, u.id]));
  const { groups, memberships } = indexGroups(data.groups as RawGroup[] | undefined, users);

  /** Answers one GET path (also each batch sub-request) for an authenticated caller. */
  function get(path: string, query: URLSearchParams, caller: Caller): SimulatorResponse {
    const segments = path.split('/');
    // ['', 'v1.1', 'instances', '{instance}', ...rest, '']
    if (segments[1] !== 'v1.1' || segments[2] !== 'instances' || segments.at(-1) !== '') return json(404, NOT_FOUND);
    const instance = decodeSegment(segments[3] ?? '')?.toLowerCase();
    if (instance === undefined || instance !== data.instance.toLowerCase()) return json(404, { detail: 'Instance was not found.' });
    const rest = segments.slice(4, -1);
    const denied = authFailure(caller);
    if (denied) return denied;

    if (rest.length === 1 && rest[0] === 'user') {
      if (caller.kind !== 'api-key' || caller.userId === undefined) return json(403, PERMISSION_DENIED);
      return json(200, users.find((u) => u.id === caller.userId));
    }
    if (rest.length === 1 && rest[0] === 'users') return listUsers(query, caller);
    if (rest[0] === 'groups' && (rest.length === 2 || (rest.length === 3 && rest[2] === 'users'))) {
      return rest.length === 2 ? getGroup(rest[1]!, caller) : listGroupUsers(rest[1]!, query, caller);
    }
    if (rest.length === 2 && rest[0] === 'users') {
      const raw = decodeSegment(rest[1]!);
      // A non-integer id does not route (Django URL pattern `\d+`): 404.
      if (raw === null || !/^\d+$/.test(raw)) return json(404, NOT_FOUND);
      const visible = visibleUsers(caller);
      if (visible === null) return json(403, PERMISSION_DENIED);
      const user = visible.find((u) => u.id === Number(raw));
      return user ? json(200, user) : json(404, NOT_FOUND);
    }
    return json(404, NOT_FOUND);
  }

  /** Who the caller may see: everyone, only themselves, or nobody (null → 403). */
  function visibleUsers(caller: Caller): RawUser[] | null {
    if (caller.kind === 'account') return users;
    if (caller.kind !== 'api-key') return null;
    if (caller.userId !== undefined) return users.filter((u) => u.id === caller.userId);
    return caller.ignoreAcl ? users : null;
  }

  function listUsers(query: URLSearchParams, caller: Caller): SimulatorResponse {
    const visible = visibleUsers(caller);
    if (visible === null) return json(403, PERMISSION_DENIED);
    const prefix = query.get('username__startswith');
    const matching = prefix === null ? visible : visible.filter((u) => u.username.toLowerCase().startsWith(prefix.toLowerCase()));
    return paginate(matching, (u) => u.id, query, `/v1.1/instances/${data.instance}/users/`);
  }

  /** `…/groups/{id}/`: groups are readable by the account key and by any API key (read permission). */
  function getGroup(rawId: string, caller: Caller): SimulatorResponse {
    if (caller.kind !== 'account' && caller.kind !== 'api-key') return json(403, PERMISSION_DENIED);
    const group = findGroup(rawId);
    return group ? json(200, group) : json(404, NOT_FOUND);
  }

  /**
   * `…/groups/{id}/users/`: the account key sees every membership; an API key needs a user key
   * (`HasUser`) and then sees only the caller's own membership. Items are `{user, links}`.
   */
  function listGroupUsers(rawId: string, query: URLSearchParams, caller: Caller): SimulatorResponse {
    const scope = caller.kind === 'account' ? null : caller.kind === 'api-key' ? caller.userId : undefined;
    if (scope === undefined) return json(403, PERMISSION_DENIED);
    const group = findGroup(rawId);
    if (!group) return json(404, NOT_FOUND);
    const rows = memberships.filter((m) => m.groupId === group.id && (scope === null || m.user.id === scope));
    const base = `/v1.1/instances/${data.instance}/groups/${group.id}/users/`;
    return paginate(rows, (m) => m.pk, query, base, (m) => ({ user: m.user, links: { self: `${base}${m.user.id}/` } }));
  }

  function findGroup(rawId: string): RawGroup | undefined {
    const id = decodeSegment(rawId);
    return id !== null && /^\d+$/.test(id) ? groups.get(Number(id)) : undefined;
  }

  function batch(req: SimulatorRequest, caller: Caller): SimulatorResponse {
    const requests = readBatchRequests(req.body);
    if (requests === undefined) return json(400, { requests: ['This field is required.'] });
    if (requests.length > BATCH_MAX_SIZE) return json(400, { detail: `Max requests per batch exceeded (${BATCH_MAX_SIZE}).` });
    const prefix = `/v1.1/instances/${data.instance}/`;
    return json(
      200,
      requests.map((sub) => {
        // Each path must start with `/{version}/instances/{instance}/` (apps/batch/validators.py); only
        // reads are simulated.
        if (sub.method !== 'GET' || !sub.path.startsWith(prefix)) return { code: 404, content: 'Invalid endpoint specified.' };
        const q = sub.path.indexOf('?');
        const answer = get(q === -1 ? sub.path : sub.path.slice(0, q), new URLSearchParams(q === -1 ? '' : sub.path.slice(q + 1)), caller);
        return { code: answer.status, content: answer.body };
      }),
    );
  }

  const throttle = createThrottle(data.rateLimitPerSecond);

  return (req) => {
    if (throttle()) {
      return json(429, { detail: 'Request was throttled. Expected available in 1 second.' }, { 'retry-after': '1' });
    }
    const caller = authenticate(req, data, userIdByKey);
    if (req.method === 'GET') return get(req.pathname, req.query, caller);
    if (req.method === 'POST' && /^\/v1\.1\/instances\/[^/]+\/batch\/$/.test(req.pathname)) {
      const instance = decodeSegment(req.pathname.split('/')[3]!)?.toLowerCase();
      if (instance !== data.instance.toLowerCase()) return json(404, { detail: 'Instance was not found.' });
      return authFailure(caller) ?? batch(req, caller);
    }
    return json(405, { detail: `Method "${req.method}" not allowed.` });
  };
}

/**
 * Syncano's keyset paging (apps/core/pagination.py in the Syncano platform; docs/providers/syncano.md
 * §6): rows ordered by key; `page_size` (default and maximum 100, larger values cut to 100);
 * `direction=1` reads keys above `last_pk`, `direction=0` keys below it; without `direction` the
 * cursor is ignored. `next` is set whenever a full page came back (so the page after it may be empty),
 * `prev` once the client has moved; both are paths carrying `page_size` (when sent), `direction` and
 * `last_pk`, never the filter.
 */
function paginate<T>(
  rows: T[],
  keyOf: (row: T) => number,
  query: URLSearchParams,
  base: string,
  render: (row: T) => unknown = (row) => row,
): SimulatorResponse {
  const pageSizeRaw = query.get('page_size');
  const directionRaw = query.get('direction');
  const lastPkRaw = query.get('last_pk');
  if (
    (pageSizeRaw !== null && !/^\d+$/.test(pageSizeRaw)) ||
    (directionRaw !== null && directionRaw !== '0' && directionRaw !== '1') ||
    (lastPkRaw !== null && !/^\d+$/.test(lastPkRaw))
  ) {
    return json(400, { detail: 'Incorrect page parameter provided.' });
  }
  const pageSize = Math.min(pageSizeRaw === null ? PAGE_SIZE_MAX : Number(pageSizeRaw), PAGE_SIZE_MAX);
  const direction = directionRaw === null ? null : Number(directionRaw);
  const lastPk = lastPkRaw === null ? null : Number(lastPkRaw);
  const sorted = [...rows].sort((a, b) => keyOf(a) - keyOf(b));
  let page: T[];
  let hasNext: boolean | null = null;
  let hasPrev: boolean | null = null;
  if (direction === 0) {
    const below = lastPk === null ? sorted : sorted.filter((r) => keyOf(r) < lastPk);
    page = pageSize === 0 ? [] : below.slice(-pageSize);
    hasPrev = page.length >= pageSize;
  } else {
    const above = direction === 1 && lastPk !== null ? sorted.filter((r) => keyOf(r) > lastPk) : sorted;
    page = above.slice(0, pageSize);
    hasNext = page.length >= pageSize;
  }
  const link = (cursor: { direction?: number; lastPk?: number }) => {
    const params = new URLSearchParams();
    if (pageSizeRaw !== null) params.set('page_size', String(pageSize));
    if (cursor.direction !== undefined) params.set('direction', String(cursor.direction));
    if (cursor.lastPk !== undefined) params.set('last_pk', String(cursor.lastPk));
    const text = params.toString();
    return text ? `${base}?${text}` : base;
  };
  let next: string | null = null;
  if (hasNext !== false) {
    if (page.length > 0 && page.length === pageSize) next = link({ direction: 1, lastPk: keyOf(page.at(-1)!) });
    else if (direction === 0) next = link({});
  }
  let prev: string | null = null;
  if (direction !== null && hasPrev !== false) {
    if (page.length === 0) prev = direction === 1 ? link({ direction: 0 }) : null;
    else if (page.length === pageSize || direction === 1) prev = link({ direction: 0, lastPk: keyOf(page[0]!) });
  }
  return json(200, { objects: page.map(render), next, prev });
}

/**
 * The groups the simulator knows (the data's `groups`, then every group a user belongs to) and the
 * membership rows, numbered in user order so that a membership's key is not its user's id, as in
 * Syncano's own table.
 */
function indexGroups(extra: RawGroup[] | undefined, users: RawUser[]): { groups: Map<number, RawGroup>; memberships: Membership[] } {
  const groups = new Map<number, RawGroup>();
  for (const group of extra ?? []) groups.set(group.id, group);
  const memberships: Membership[] = [];
  let pk = 100;
  for (const user of [...users].sort((a, b) => a.id - b.id)) {
    for (const group of user.groups ?? []) {
      if (typeof group?.id !== 'number') continue;
      if (!groups.has(group.id)) groups.set(group.id, group);
      memberships.push({ pk: (pk += 3), groupId: group.id, user });
    }
  }
  return { groups, memberships };
}

/** 403 for an unknown key or no key at all (DRF answers 403 without a WWW-Authenticate scheme). */
function authFailure(caller: Caller): SimulatorResponse | undefined {
  if (caller.kind === 'bad-key') return json(403, { detail: 'No such API Key.' });
  if (caller.kind === 'anonymous') return json(403, PERMISSION_DENIED);
  return undefined;
}

/**
 * The batch body's sub-requests, or undefined when it is not `{"requests": [{method, path}, …]}`
 * (DRF then names the field; its exact wording is not documented).
 */
function readBatchRequests(body: string): Array<{ method: string; path: string }> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const requests = typeof parsed === 'object' && parsed !== null ? (parsed as { requests?: unknown }).requests : undefined;
  if (!Array.isArray(requests)) return undefined;
  const valid = requests.every(
    (r) => typeof r === 'object' && r !== null && typeof (r as { method?: unknown }).method === 'string' && typeof (r as { path?: unknown }).path === 'string',
  );
  return valid ? (requests as Array<{ method: string; path: string }>) : undefined;
}

/**
 * Syncano counts requests per instance in one-second fixed windows and answers 429 with
 * `Retry-After` above the plan's rate (docs/providers/syncano.md §11: 60 req/s by default). Off unless the data sets
 * `rateLimitPerSecond`. Returns true when this request is over the limit.
 */
function createThrottle(perSecond: number | undefined): () => boolean {
  let windowStart = 0;
  let count = 0;
  return () => {
    if (perSecond === undefined) return false;
    const now = Date.now();
    if (now - windowStart >= 1_000) {
      windowStart = now;
      count = 0;
    }
    return ++count > perSecond;
  };
}

export function startSyncanoSimulator(data: SyncanoSimulatorData, options?: StartSimulatorOptions): Promise<RunningSimulator> {
  return startSimulator('syncano', createSyncanoHandler(data), options);
}
