/**
 * Passbolt user → the gateway's `PassboltUser` model (the Passbolt column of the unified mapping
 * described in schema/). Passbolt's login is the email (`username`), names live in `profile`, and its
 * own `active` flag means "finished account setup", so the unified `active` also needs `disabled` to
 * be null. Passbolt keeps no locale, time zone or phone on the user. A part the record left out or
 * sent unreadable is null or empty here, or an error on that one field where the schema says non-null.
 */
import type { DateTimeValue, FieldValue, GroupModel, RoleModel, UserModelBase } from '../../model.js';
import { isoToRfc3339Utc, toDateTimeValue } from '../dates.js';
import { carryDropped, required } from '../tolerant.js';
import type {
  PassboltAvatarWire,
  PassboltGpgkeyWire,
  PassboltGroupUserWire,
  PassboltProfileWire,
  PassboltRoleWire,
  PassboltUserWire,
} from './wire.js';

export interface PassboltAvatarModel {
  id: string | null;
  urlMedium: string | null;
  urlSmall: string | null;
  createdAt: DateTimeValue | null;
  updatedAt: DateTimeValue | null;
}

export interface PassboltProfileModel {
  id: FieldValue<string>;
  firstName: string | null;
  lastName: string | null;
  createdAt: DateTimeValue | null;
  updatedAt: DateTimeValue | null;
  avatar: PassboltAvatarModel | null;
}

export interface PassboltRoleModel {
  id: FieldValue<string>;
  name: FieldValue<string>;
  description: string | null;
  createdAt: DateTimeValue | null;
  updatedAt: DateTimeValue | null;
}

export interface PassboltGpgkeyModel {
  id: FieldValue<string>;
  fingerprint: FieldValue<string>;
  keyId: FieldValue<string>;
  bits: number | null;
  uid: string | null;
  type: string | null;
  expires: DateTimeValue | null;
  keyCreated: DateTimeValue | null;
  armoredKey: string | null;
  deleted: boolean | null;
  createdAt: DateTimeValue | null;
  updatedAt: DateTimeValue | null;
}

export interface PassboltGroupUserModel {
  id: string;
  groupId: string;
  isAdmin: boolean;
  createdAt: DateTimeValue | null;
}

export interface PassboltUserModel extends UserModelBase {
  __typename: 'PassboltUser';
  provider: 'PASSBOLT';
  roleId: FieldValue<string>;
  /** Passbolt's own `active` flag. */
  setupCompleted: FieldValue<boolean>;
  deleted: FieldValue<boolean>;
  disabled: DateTimeValue | null;
  isMfaEnabled: boolean | null;
  profile: PassboltProfileModel | null;
  role: PassboltRoleModel | null;
  gpgkey: PassboltGpgkeyModel | null;
  groupsUsers: PassboltGroupUserModel[];
}

export interface MapUserOptions {
  /** The installation's base URL, against which relative avatar URLs (2019 servers) are resolved. */
  baseUrl: string;
}

export function mapUser(wire: PassboltUserWire, options: MapUserOptions): PassboltUserModel {
  const date = (raw: unknown, field: string) => toDateTimeValue(raw, isoToRfc3339Utc, 'PASSBOLT', field);
  const profile = wire.profile ? mapProfile(wire.profile, options.baseUrl, date) : null;
  const setupCompleted = required(wire.active, 'PASSBOLT', 'active', 'boolean');
  const roleName = wire.role?.name ?? null;
  return carryDropped(wire, {
    __typename: 'PassboltUser',
    provider: 'PASSBOLT',
    id: wire.id.toLowerCase(),
    username: wire.username,
    // The username is the login and Passbolt's only email field.
    email: wire.username,
    displayName: displayName(wire),
    givenName: profile?.firstName ?? null,
    middleName: null,
    familyName: profile?.lastName ?? null,
    // `active` is false until setup is finished; `disabled` (v4.3+) is set while an admin has
    // suspended the account. Only a set-up, not-disabled account can be used. A `disabled` that is
    // set, even unreadably, means inactive; an unreadable `active` is an error, never a guess.
    active: wire.disabled != null ? false : setupCompleted,
    createdAt: date(wire.created, 'createdAt'),
    updatedAt: date(wire.modified, 'updatedAt'),
    // 2019 servers sent "" for "never logged in", v5 sends null; both become null.
    lastLoginAt: date(wire.last_logged_in, 'lastLoginAt'),
    locale: null,
    timezone: null,
    phone: null,
    avatarUrl: profile?.avatar?.urlMedium ?? null,
    // Users carry only group ids; names need a second call (`/groups.json?filter[has-users][]=`).
    groups: wire.groups_users.map(toGroup),
    roles: roleName === null ? [] : [toRole(roleName)],
    roleId: required(wire.role_id, 'PASSBOLT', 'role_id', 'string'),
    setupCompleted,
    deleted: required(wire.deleted, 'PASSBOLT', 'deleted', 'boolean'),
    disabled: date(wire.disabled, 'disabled'),
    isMfaEnabled: wire.is_mfa_enabled ?? null,
    profile,
    role: wire.role ? mapRole(wire.role, date) : null,
    gpgkey: wire.gpgkey ? mapGpgkey(wire.gpgkey, date) : null,
    groupsUsers: wire.groups_users.flatMap((gu) => mapGroupUser(gu, date)),
  });
}

type DateMapper = (raw: unknown, field: string) => DateTimeValue | null;

/** "first last"; the username when the profile holds no name. */
function displayName(wire: PassboltUserWire): string {
  const name = [wire.profile?.first_name, wire.profile?.last_name]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
  return name || wire.username;
}

function mapProfile(profile: PassboltProfileWire, baseUrl: string, date: DateMapper): PassboltProfileModel {
  return {
    id: required(profile.id, 'PASSBOLT', 'profile.id', 'string'),
    firstName: profile.first_name ?? null,
    lastName: profile.last_name ?? null,
    createdAt: date(profile.created, 'profile.createdAt'),
    updatedAt: date(profile.modified, 'profile.updatedAt'),
    avatar: profile.avatar ? mapAvatar(profile.avatar, baseUrl, date) : null,
  };
}

function mapAvatar(avatar: PassboltAvatarWire, baseUrl: string, date: DateMapper): PassboltAvatarModel {
  return {
    id: avatar.id ?? null,
    urlMedium: resolveAvatarUrl(avatar.url?.medium, baseUrl),
    urlSmall: resolveAvatarUrl(avatar.url?.small, baseUrl),
    createdAt: date(avatar.created, 'profile.avatar.createdAt'),
    updatedAt: date(avatar.modified, 'profile.avatar.updatedAt'),
  };
}

/**
 * v5 sends absolute URLs (`https://<host>/avatars/view/<id>/medium.jpg`); 2019 servers sent them
 * relative to the installation (`img/public/…png`), which a web app could not load, so
 * those are resolved against the base URL. Only http(s) survives: the value ends up in an `<img src>`.
 */
export function resolveAvatarUrl(raw: string | null | undefined, baseUrl: string): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

function mapRole(role: PassboltRoleWire, date: DateMapper): PassboltRoleModel {
  return {
    id: required(role.id, 'PASSBOLT', 'role.id', 'string'),
    name: required(role.name, 'PASSBOLT', 'role.name', 'string'),
    description: role.description ?? null,
    createdAt: date(role.created, 'role.createdAt'),
    updatedAt: date(role.modified, 'role.updatedAt'),
  };
}

function mapGpgkey(key: PassboltGpgkeyWire, date: DateMapper): PassboltGpgkeyModel {
  return {
    id: required(key.id, 'PASSBOLT', 'gpgkey.id', 'string'),
    fingerprint: required(key.fingerprint, 'PASSBOLT', 'gpgkey.fingerprint', 'string'),
    keyId: required(key.key_id, 'PASSBOLT', 'gpgkey.key_id', 'string'),
    bits: key.bits ?? null,
    uid: key.uid ?? null,
    type: key.type ?? null,
    expires: date(key.expires, 'gpgkey.expires'),
    keyCreated: date(key.key_created, 'gpgkey.keyCreated'),
    armoredKey: key.armored_key ?? null,
    deleted: key.deleted ?? null,
    createdAt: date(key.created, 'gpgkey.createdAt'),
    updatedAt: date(key.modified, 'gpgkey.updatedAt'),
  };
}

/** A membership without a readable id or admin flag still counts in `groups`, but is left out here. */
function mapGroupUser(gu: PassboltGroupUserWire, date: DateMapper): PassboltGroupUserModel[] {
  if (gu.id == null || gu.is_admin == null) return [];
  return [{ id: gu.id, groupId: gu.group_id, isAdmin: gu.is_admin, createdAt: date(gu.created, 'groupsUsers.createdAt') }];
}

function toGroup(gu: PassboltGroupUserWire): GroupModel {
  return { id: gu.group_id, name: null, description: null };
}

/** Role names are Passbolt's constants (`admin`, `user`); roles are not scoped. */
function toRole(name: string): RoleModel {
  return { value: name, scope: null };
}
