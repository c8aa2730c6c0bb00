/**
 * Syncano user → the gateway's `SyncanoUser` model (unified mapping: providers/SUMMARY.md §3).
 *
 * Syncano keeps no email, names, active flag or timestamps on the user itself (contract §4): names and
 * email live in custom `user_profile` fields whose names vary per instance (configurable, defaults
 * `email`, `first_name`, `last_name`, `avatar`), and the user's timestamps are the profile's [INF].
 */
import type { DateTimeValue, GroupModel, UserModelBase } from '../../model.js';
import { isoToRfc3339Utc, toDateTimeValue } from '../dates.js';
import { PROFILE_BUILTIN_FIELDS, type SyncanoGroupWire, type SyncanoProfileWire, type SyncanoUserWire } from './wire.js';

export interface SyncanoProfileFields {
  email: string;
  givenName: string;
  familyName: string;
  avatarUrl: string;
}

export const DEFAULT_PROFILE_FIELDS: Readonly<SyncanoProfileFields> = Object.freeze({
  email: 'email',
  givenName: 'first_name',
  familyName: 'last_name',
  avatarUrl: 'avatar',
});

export interface SyncanoProfileModel {
  id: string;
  owner: string | null;
  revision: number;
  createdAt: DateTimeValue | null;
  updatedAt: DateTimeValue | null;
  ownerPermissions: string | null;
  groupPermissions: string | null;
  otherPermissions: string | null;
  group: string | null;
  channel: string | null;
  channelRoom: string | null;
  links: unknown;
  /** The instance's custom `user_profile` fields, as Syncano sends them (typed values still wrapped). */
  fields: Record<string, unknown>;
}

export interface SyncanoGroupModel {
  id: string;
  label: string;
  description: string | null;
  name: string | null;
  links: unknown;
}

export interface SyncanoUserLinksModel {
  self: string | null;
  groups: string | null;
  profile: string | null;
  resetKey: string | null;
}

export interface SyncanoUserModel extends UserModelBase {
  __typename: 'SyncanoUser';
  provider: 'SYNCANO';
  profile: SyncanoProfileModel | null;
  syncanoGroups: SyncanoGroupModel[];
  links: SyncanoUserLinksModel;
}

const BUILTIN = new Set<string>(PROFILE_BUILTIN_FIELDS);
/** Close enough to an email address to offer a username as one (contract §8: "john@doe.com"). */
const LOOKS_LIKE_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function mapUser(wire: SyncanoUserWire, profileFields: SyncanoProfileFields = DEFAULT_PROFILE_FIELDS): SyncanoUserModel {
  const profile = wire.profile ?? null;
  const custom = profile ? customFields(profile) : {};
  const givenName = text(custom[profileFields.givenName]);
  const familyName = text(custom[profileFields.familyName]);
  const email = text(custom[profileFields.email]) ?? (LOOKS_LIKE_EMAIL.test(wire.username) ? wire.username : null);
  const groups = wire.groups ?? [];
  return {
    __typename: 'SyncanoUser',
    provider: 'SYNCANO',
    id: String(wire.id),
    username: wire.username,
    email,
    displayName: [givenName, familyName].filter(Boolean).join(' ') || wire.username,
    givenName,
    middleName: null,
    familyName,
    // Syncano has no active flag: a user that can be read can sign in [INF].
    active: true,
    createdAt: toDateTimeValue(profile?.created_at, isoToRfc3339Utc, 'SYNCANO', 'profile.created_at'),
    updatedAt: toDateTimeValue(profile?.updated_at, isoToRfc3339Utc, 'SYNCANO', 'profile.updated_at'),
    lastLoginAt: null,
    locale: null,
    timezone: null,
    phone: null,
    avatarUrl: fileUrl(custom[profileFields.avatarUrl]),
    groups: groups.map(toGroup),
    // Profile permission strings are ACL on the profile object, not roles (SUMMARY §3).
    roles: [],
    profile: profile && mapProfile(profile, custom),
    syncanoGroups: groups.map(toSyncanoGroup),
    links: {
      self: link(wire.links, 'self'),
      groups: link(wire.links, 'groups'),
      profile: link(wire.links, 'profile'),
      resetKey: link(wire.links, 'reset-key'),
    },
  };
}

function mapProfile(profile: SyncanoProfileWire, fields: Record<string, unknown>): SyncanoProfileModel {
  return {
    id: String(profile.id),
    owner: profile.owner == null ? null : String(profile.owner),
    revision: profile.revision,
    createdAt: toDateTimeValue(profile.created_at, isoToRfc3339Utc, 'SYNCANO', 'profile.created_at'),
    updatedAt: toDateTimeValue(profile.updated_at, isoToRfc3339Utc, 'SYNCANO', 'profile.updated_at'),
    ownerPermissions: profile.owner_permissions ?? null,
    groupPermissions: profile.group_permissions ?? null,
    otherPermissions: profile.other_permissions ?? null,
    group: profile.group == null ? null : String(profile.group),
    channel: profile.channel ?? null,
    channelRoom: profile.channel_room ?? null,
    links: profile.links ?? null,
    fields,
  };
}

function customFields(profile: SyncanoProfileWire): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(profile)) if (!BUILTIN.has(key)) out[key] = value;
  return out;
}

function toGroup(group: SyncanoGroupWire): GroupModel {
  return { id: String(group.id), name: group.label, description: group.description || null };
}

function toSyncanoGroup(group: SyncanoGroupWire): SyncanoGroupModel {
  return { id: String(group.id), label: group.label, description: group.description ?? null, name: group.name ?? null, links: group.links ?? null };
}

/** A plain string field, or a typed wrapper's string value; empty means absent. */
function text(value: unknown): string | null {
  const raw = isTyped(value) ? value.value : value;
  return typeof raw === 'string' && raw.trim() !== '' ? raw : null;
}

/** A file field is `{"type":"file","value":"<url>"}` (contract §4); a bare URL string is accepted too. */
function fileUrl(value: unknown): string | null {
  if (isTyped(value)) return value.type === 'file' && typeof value.value === 'string' ? value.value : null;
  return typeof value === 'string' && /^https?:\/\//.test(value) ? value : null;
}

function isTyped(value: unknown): value is { type: unknown; value: unknown } {
  return typeof value === 'object' && value !== null && 'type' in value && 'value' in value;
}

function link(links: Record<string, unknown> | null | undefined, key: string): string | null {
  const value = links?.[key];
  return typeof value === 'string' ? value : null;
}
