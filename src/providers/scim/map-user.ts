/**
 * SCIM User resource → the gateway's `ScimUser` model (RFC 7643 §4.1; docs/providers/scim.md §5).
 * The unified `User` already uses SCIM's names, so most fields map one to one; multi-valued
 * attributes give the unified field their `primary` value, else the first, and are kept whole on
 * `ScimUser`. An attribute the resource left out or sent unreadable is null or empty here.
 */
import type { DateTimeValue, GroupModel, RoleModel, UserModelBase } from '../../model.js';
import { isoToRfc3339Utc, toDateTimeValue } from '../dates.js';
import { carryDropped } from '../tolerant.js';
import type { ScimEnterpriseWire, ScimGroupWire, ScimMultiValueWire, ScimUserWire } from './wire.js';

export interface ScimMultiValueModel {
  value: string;
  type: string | null;
  primary: boolean;
  display: string | null;
}

export interface ScimNameModel {
  formatted: string | null;
  familyName: string | null;
  givenName: string | null;
  middleName: string | null;
  honorificPrefix: string | null;
  honorificSuffix: string | null;
}

export interface ScimEnterpriseUserModel {
  employeeNumber: string | null;
  costCenter: string | null;
  organization: string | null;
  division: string | null;
  department: string | null;
  manager: { value: string | null; displayName: string | null } | null;
}

export interface ScimUserModel extends UserModelBase {
  __typename: 'ScimUser';
  provider: 'SCIM';
  externalId: string | null;
  name: ScimNameModel | null;
  nickName: string | null;
  profileUrl: string | null;
  title: string | null;
  userType: string | null;
  preferredLanguage: string | null;
  emails: ScimMultiValueModel[];
  phoneNumbers: ScimMultiValueModel[];
  photos: ScimMultiValueModel[];
  schemas: string[];
  enterprise: ScimEnterpriseUserModel | null;
  /** Other extensions by URN, as the server sent them; null when there are none. */
  extensions: Record<string, unknown> | null;
}

export function mapUser(wire: ScimUserWire): ScimUserModel {
  const date = (raw: unknown, field: string): DateTimeValue | null => toDateTimeValue(raw, isoToRfc3339Utc, 'SCIM', field);
  const name = wire.name ?? null;
  return carryDropped(wire, {
    __typename: 'ScimUser',
    provider: 'SCIM',
    id: wire.id,
    username: wire.userName,
    email: preferred(wire.emails)?.value ?? null,
    displayName: displayName(wire),
    givenName: name?.givenName ?? null,
    middleName: name?.middleName ?? null,
    familyName: name?.familyName ?? null,
    // RFC 7643 §4.1.1 gives `active` no default; a server that leaves it out has no such notion.
    active: wire.active ?? true,
    createdAt: date(wire.meta?.created, 'meta.created'),
    updatedAt: date(wire.meta?.lastModified, 'meta.lastModified'),
    // SCIM has no last-login attribute.
    lastLoginAt: null,
    locale: wire.locale ?? null,
    timezone: wire.timezone ?? null,
    phone: preferred(wire.phoneNumbers)?.value ?? null,
    avatarUrl: avatarUrl(wire.photos),
    groups: wire.groups.map(toGroup),
    roles: wire.roles.map(toRole),
    externalId: wire.externalId ?? null,
    name: name
      ? {
          formatted: name.formatted ?? null,
          familyName: name.familyName ?? null,
          givenName: name.givenName ?? null,
          middleName: name.middleName ?? null,
          honorificPrefix: name.honorificPrefix ?? null,
          honorificSuffix: name.honorificSuffix ?? null,
        }
      : null,
    nickName: wire.nickName ?? null,
    profileUrl: wire.profileUrl ?? null,
    title: wire.title ?? null,
    userType: wire.userType ?? null,
    preferredLanguage: wire.preferredLanguage ?? null,
    emails: wire.emails.map(toMultiValue),
    phoneNumbers: wire.phoneNumbers.map(toMultiValue),
    photos: wire.photos.map(toMultiValue),
    schemas: wire.schemas,
    enterprise: wire.enterprise ? toEnterprise(wire.enterprise) : null,
    extensions: Object.keys(wire.extensions).length > 0 ? wire.extensions : null,
  });
}

/** RFC 7643 §2.4: the value marked `primary`, else the first. */
function preferred(values: readonly ScimMultiValueWire[]): ScimMultiValueWire | undefined {
  return values.find((v) => v.primary === true) ?? values[0];
}

/** `displayName`, else `name.formatted`, else the given and family names; null when none is sent. */
function displayName(wire: ScimUserWire): string | null {
  const parts = [wire.name?.givenName, wire.name?.familyName].map((p) => p?.trim()).filter(Boolean);
  return wire.displayName || wire.name?.formatted || (parts.length > 0 ? parts.join(' ') : null);
}

/**
 * A photo URL for an `<img src>`: the primary `photo` (RFC 7643 §4.1.2 types `photo` and
 * `thumbnail`), else any primary, else the first `photo`, else the first; http(s) only.
 */
function avatarUrl(photos: readonly ScimMultiValueWire[]): string | null {
  const usable = photos.filter((p) => /^https?:\/\//i.test(p.value));
  const photo = usable.filter((p) => p.type?.toLowerCase() === 'photo');
  const pick = photo.find((p) => p.primary === true) ?? usable.find((p) => p.primary === true) ?? photo[0] ?? usable[0];
  return pick?.value ?? null;
}

function toMultiValue(v: ScimMultiValueWire): ScimMultiValueModel {
  return { value: v.value, type: v.type ?? null, primary: v.primary === true, display: v.display ?? null };
}

function toGroup(group: ScimGroupWire): GroupModel {
  return { id: group.value, name: group.display ?? null, description: null };
}

/** `roles` (RFC 7643 §4.1.2) have no scope; `entitlements` are a different notion and stay unmapped. */
function toRole(role: ScimMultiValueWire): RoleModel {
  return { value: role.value, scope: null };
}

function toEnterprise(e: ScimEnterpriseWire): ScimEnterpriseUserModel {
  return {
    employeeNumber: e.employeeNumber ?? null,
    costCenter: e.costCenter ?? null,
    organization: e.organization ?? null,
    division: e.division ?? null,
    department: e.department ?? null,
    manager: e.manager ? { value: e.manager.value ?? null, displayName: e.manager.displayName ?? null } : null,
  };
}
