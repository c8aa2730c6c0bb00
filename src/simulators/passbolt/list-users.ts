/**
 * `GET /users.json` (UsersIndexController; docs/providers/passbolt.md §6): contains, filters, sort and opt-in
 * pagination, with `header.pagination` on every answer as in the v5 OpenAPI example.
 */
import type { SimulatorRequest, SimulatorResponse } from '../http-simulator.js';
import { isVisible, present, type Caller, type Directory, type DirectoryUser } from './directory.js';
import { failure, success } from './envelope.js';
import { isUuid } from './uuid.js';

const ACTION = 'UsersIndex.index';

/** Contains that are on by default and dropped with `contain[x]=0` (the finder's defaults). */
const DEFAULT_CONTAINS = ['profile', 'gpgkey', 'role', 'groups_users'];

/** Allowed `sort` values (UsersIndexController `allowOrder`); anything else is a 400. */
const SORTS: Record<string, (u: DirectoryUser) => string> = {
  'Users.username': (u) => u.username,
  'Users.created': (u) => String(u.raw.created ?? ''),
  'Users.modified': (u) => String(u.raw.modified ?? ''),
  'Users.last_logged_in': (u) => String(u.raw.last_logged_in ?? ''),
  'Profiles.first_name': (u) => u.firstName,
  'Profiles.last_name': (u) => u.lastName,
  'Profiles.created': (u) => String((u.raw.profile as { created?: unknown } | undefined)?.created ?? ''),
  'Profiles.modified': (u) => String((u.raw.profile as { modified?: unknown } | undefined)?.modified ?? ''),
};

/** QueryStringComponent's boolean values. */
const BOOLEANS: Record<string, boolean> = { '1': true, true: true, '0': false, false: false };

export function listUsers(req: SimulatorRequest, directory: Directory, caller: Caller): SimulatorResponse {
  const q = req.query;
  const invalid = (message: string) => failure(req, ACTION, 400, message);

  // Contains: defaults on; `is_mfa_enabled` and `missing_metadata_key_ids` only on request, the
  // former for admins only (the MFA plugin whitelists it for admins, so others' request is dropped).
  const contain = new Map<string, boolean>();
  for (const [key, value] of q) {
    const name = /^contain\[([^\]]+)\]$/.exec(key)?.[1];
    if (name === undefined) continue;
    const on = BOOLEANS[value];
    if (on === undefined) return invalid(`Invalid contain. "${name}" should be a boolean.`);
    contain.set(name, on);
  }
  const drop = new Set(DEFAULT_CONTAINS.filter((name) => contain.get(name) === false));
  if (contain.get('missing_metadata_key_ids') !== true) drop.add('missing_metadata_key_ids');
  const mfaStatus = caller.isAdmin && contain.get('is_mfa_enabled') === true;

  // Filters.
  const hasGroups = [...q].filter(([key]) => /^filter\[has-groups\](\[\d*\])?$/.test(key)).map(([, v]) => v.toLowerCase());
  if (hasGroups.some((id) => !isUuid(id))) return invalid('Invalid filter. "has-groups" should be a list of valid UUIDs.');
  const hasAccess = [...q].filter(([key]) => /^filter\[has-access\](\[\d*\])?$/.test(key));
  if (hasAccess.length > 1) return invalid('Invalid filter. "has-access" accepts only one resource id.');
  // The caller must have access to the resource itself; the simulator holds no resources.
  if (hasAccess.length === 1) return failure(req, ACTION, 403, 'This operation is not allowed for this user.');
  const isActiveRaw = q.get('filter[is-active]');
  const isActive = isActiveRaw === null ? undefined : BOOLEANS[isActiveRaw];
  if (isActiveRaw !== null && isActive === undefined) return invalid('Invalid filter. "is-active" should be a boolean.');
  const search = q.get('filter[search]')?.toLowerCase();

  let users = directory.users.filter((u) => isVisible(u, caller));
  if (search) users = users.filter((u) => [u.username, u.firstName, u.lastName].some((v) => v.toLowerCase().includes(search)));
  if (hasGroups.length > 0) users = users.filter((u) => hasGroups.every((g) => u.groupIds.includes(g)));
  // The finder only checks that the key is present, so `filter[is-admin]=0` also means admins only.
  if (q.has('filter[is-admin]')) users = users.filter((u) => u.roleName === 'admin');
  if (caller.isAdmin && isActive !== undefined) users = users.filter((u) => u.active === isActive);

  // Sort (default `Users.username asc`).
  const sortName = q.get('sort') ?? 'Users.username';
  const sortKey = SORTS[sortName];
  if (!sortKey) return invalid(`Invalid order. "${sortName}" is not in the list of allowed order.`);
  const direction = (q.get('direction') ?? 'asc').toLowerCase();
  if (direction !== 'asc' && direction !== 'desc') return invalid('Invalid order. "direction" should be asc or desc.');
  users = users.slice().sort((a, b) => sortKey(a).localeCompare(sortKey(b)) * (direction === 'desc' ? -1 : 1));

  // Pagination is opt-in: without `limit` the server returns everything (limit shown as null).
  const page = readPositiveInt(q.get('page'), 1);
  const limit = readPositiveInt(q.get('limit'), null);
  if (page === undefined || limit === undefined) return invalid('Invalid pagination. "page" and "limit" should be positive integers.');
  const count = users.length;
  if (limit !== null) users = users.slice((page - 1) * limit, page * limit);

  const body = users.map((u) => present(u, { drop, mfaStatus }));
  return success(req, ACTION, body, { pagination: { count, page, limit } });
}

/** A positive integer, the fallback when absent, undefined when malformed. */
function readPositiveInt<T extends number | null>(raw: string | null, fallback: T): number | T | undefined {
  if (raw === null) return fallback;
  return /^[1-9]\d*$/.test(raw) ? Number(raw) : undefined;
}
