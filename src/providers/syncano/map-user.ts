/**
 * Syncano user → the gateway's `SyncanoUser` model (the Syncano column of the unified mapping
 * described in schema/).
 *
 * Syncano keeps no email, names, active flag or timestamps on the user itself ("User - details"):
 * names and email live in custom `user_profile` fields whose names vary per instance (configurable,
 * defaults `email`, `first_name`, `last_name`, `avatar`), and the user's timestamps are the
 * profile's. A field the record left out or sent unreadable is null or empty here, or an error on
 * that one field where the schema says non-null.
 */
import type { DateTimeValue, FieldValue, GroupModel, UserModelBase } from '../../model.js';
import { isoToRfc3339Utc, toDateTimeValue } from '../dates.js';
import { carryDropped, required } from '../tolerant.js';
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
  id: FieldValue<string>;
  owner: string | null;
  revision: FieldValue<number>;
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
const HTTP_URL = /^https?:\/\//;

/** The pattern above, which runs on provider text: anchored, bounded, linear. */
export const UNTRUSTED_TEXT_PATTERNS: Readonly<Record<string, RegExp>> = { HTTP_URL };

/** Counts the characters a scan visits, so a test can bound its work without a clock. */
export interface StepMeter {
  steps: number;
}

/**
 * Close enough to an email address to offer a username as one (Syncano's docs sign users up as
 * "john@doe.com"): no white space, exactly one `@` with text before it, and a `.` in the domain with
 * text on both sides. One pass over the text, so an upstream username of any length costs linear
 * time (a backtracking regex for the same shape is quadratic on a long run of dots).
 */
export function looksLikeEmail(text: string, meter?: StepMeter): boolean {
  let at = -1;
  let dot = -1;
  for (let i = 0; i < text.length; i++) {
    if (meter) meter.steps++;
    const c = text.charCodeAt(i);
    if (isWhiteSpace(c)) return false;
    if (c === 0x40 /* @ */) {
      if (at !== -1 || i === 0) return false;
      at = i;
    } else if (c === 0x2e /* . */ && at !== -1 && dot === -1 && i >= at + 2) {
      dot = i;
    }
  }
  return dot !== -1 && dot < text.length - 1;
}

/** The characters JavaScript's `\s` matches (ECMAScript WhiteSpace and LineTerminator). */
export function isWhiteSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

export function mapUser(wire: SyncanoUserWire, profileFields: SyncanoProfileFields = DEFAULT_PROFILE_FIELDS): SyncanoUserModel {
  const profile = wire.profile ?? null;
  const custom = profile ? customFields(profile) : {};
  const givenName = text(custom[profileFields.givenName]);
  const familyName = text(custom[profileFields.familyName]);
  const email = text(custom[profileFields.email]) ?? (looksLikeEmail(wire.username) ? wire.username : null);
  const groups = wire.groups;
  return carryDropped(wire, {
    __typename: 'SyncanoUser',
    provider: 'SYNCANO',
    id: String(wire.id),
    username: wire.username,
    email,
    displayName: [givenName, familyName].filter(Boolean).join(' ') || wire.username,
    givenName,
    middleName: null,
    familyName,
    // Syncano has no active flag: a user that can be read can sign in.
    active: true,
    createdAt: toDateTimeValue(profile?.created_at, isoToRfc3339Utc, 'SYNCANO', 'profile.created_at'),
    updatedAt: toDateTimeValue(profile?.updated_at, isoToRfc3339Utc, 'SYNCANO', 'profile.updated_at'),
    lastLoginAt: null,
    locale: null,
    timezone: null,
    phone: null,
    avatarUrl: fileUrl(custom[profileFields.avatarUrl]),
    groups: groups.map(toGroup),
    // Profile permission strings are ACL on the profile object, not roles.
    roles: [],
    profile: profile && mapProfile(profile, custom),
    syncanoGroups: groups.flatMap(toSyncanoGroup),
    links: {
      self: link(wire.links, 'self'),
      groups: link(wire.links, 'groups'),
      profile: link(wire.links, 'profile'),
      resetKey: link(wire.links, 'reset-key'),
    },
  });
}

function mapProfile(profile: SyncanoProfileWire, fields: Record<string, unknown>): SyncanoProfileModel {
  return {
    id: required(profile.id == null ? null : String(profile.id), 'SYNCANO', 'profile.id', 'integer'),
    owner: profile.owner == null ? null : String(profile.owner),
    revision: required(profile.revision, 'SYNCANO', 'profile.revision', 'integer'),
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
  return { id: String(group.id), name: group.label ?? null, description: group.description || null };
}

/** `SyncanoGroup.label` is non-null: a group without a readable label is left out of this list only. */
function toSyncanoGroup(group: SyncanoGroupWire): SyncanoGroupModel[] {
  if (group.label == null) return [];
  return [{ id: String(group.id), label: group.label, description: group.description ?? null, name: group.name ?? null, links: group.links ?? null }];
}

/** A plain string field, or a typed wrapper's string value; empty means absent. */
function text(value: unknown): string | null {
  const raw = isTyped(value) ? value.value : value;
  return typeof raw === 'string' && raw.trim() !== '' ? raw : null;
}

/** A file field is `{"type":"file","value":"<url>"}` (Syncano's data object fields); a bare URL string is accepted too. */
function fileUrl(value: unknown): string | null {
  if (isTyped(value)) return value.type === 'file' && typeof value.value === 'string' ? value.value : null;
  return typeof value === 'string' && HTTP_URL.test(value) ? value : null;
}

function isTyped(value: unknown): value is { type: unknown; value: unknown } {
  return typeof value === 'object' && value !== null && 'type' in value && 'value' in value;
}

function link(links: Record<string, unknown> | null | undefined, key: string): string | null {
  const value = links?.[key];
  return typeof value === 'string' ? value : null;
}
