/**
 * The simulator's user directory: the raw records as given, plus the few fields Passbolt's finders
 * look at (UsersFindersTrait::findIndex/findView, docs/providers/passbolt.md §4, visibility).
 */

/** The authenticated caller. */
export interface Caller {
  id: string;
  isAdmin: boolean;
}

export interface DirectoryUser {
  /** The record exactly as the data file holds it. */
  raw: Record<string, unknown>;
  id: string;
  username: string;
  firstName: string;
  lastName: string;
  active: boolean;
  deleted: boolean;
  disabled: boolean;
  roleName: string;
  groupIds: string[];
}

export interface Directory {
  users: DirectoryUser[];
  byId(id: string): DirectoryUser | undefined;
}

export function createDirectory(records: unknown[]): Directory {
  const users = records.map(toDirectoryUser);
  const index = new Map(users.map((u) => [u.id, u]));
  return { users, byId: (id) => index.get(id) };
}

function toDirectoryUser(value: unknown): DirectoryUser {
  const raw = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const profile = asRecord(raw.profile);
  const role = asRecord(raw.role);
  const groupsUsers = Array.isArray(raw.groups_users) ? raw.groups_users.map(asRecord) : [];
  return {
    raw,
    id: String(raw.id ?? '').toLowerCase(),
    username: String(raw.username ?? ''),
    firstName: String(profile.first_name ?? ''),
    lastName: String(profile.last_name ?? ''),
    active: raw.active === true,
    deleted: raw.deleted === true,
    disabled: raw.disabled !== null && raw.disabled !== undefined,
    roleName: String(role.name ?? ''),
    groupIds: groupsUsers.map((gu) => String(gu.group_id ?? '').toLowerCase()),
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/**
 * Whether `caller` may see `user`: soft-deleted users and guests never; users who have not finished
 * setup (`active` false) only for admins (findView/findIndex).
 */
export function isVisible(user: DirectoryUser, caller: Caller): boolean {
  if (user.deleted || user.roleName === 'guest') return false;
  return user.active || caller.isAdmin;
}

/** Which optional parts a user record is served with. */
export interface Presentation {
  /** `contain[...]=0` on the index drops these top-level keys. */
  drop: ReadonlySet<string>;
  /** `is_mfa_enabled` is only decorated for admins, or for the user themself on the view. */
  mfaStatus: boolean;
}

/** The record as served: the raw record minus what this caller or query does not get. */
export function present(user: DirectoryUser, presentation: Presentation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(user.raw)) {
    if (presentation.drop.has(key)) continue;
    if (key === 'is_mfa_enabled' && !presentation.mfaStatus) continue;
    out[key] = value;
  }
  return out;
}
