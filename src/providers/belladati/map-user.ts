/**
 * A validated BellaDati user record → the gateway's `BellaDatiUser` model (unified mapping:
 * providers/SUMMARY.md §3, BellaDati column). Pure: no I/O, no clock.
 */
import type { DateTimeValue, UserModelBase } from '../../model.js';
import { rfc1123ToRfc3339Utc, toDateTimeValue } from '../dates.js';
import type { BellaDatiUserWire } from './wire.js';

export interface BellaDatiUserModel extends UserModelBase {
  __typename: 'BellaDatiUser';
  provider: 'BELLADATI';
  /** `domain_id`: the BellaDati domain (tenant) the user belongs to. */
  domainId: string;
  /** Free-text "user detail information". */
  info: string | null;
  /** `firstLogin`; null for users who never logged in. */
  firstLoginAt: DateTimeValue | null;
}

export function mapUser(wire: BellaDatiUserWire): BellaDatiUserModel {
  // Docs and the iOS SDK say firstName/lastName; the Java SDK reads name/surname (contract §4 "Conflict").
  const givenName = text(wire.firstName) ?? text(wire.name);
  const middleName = text(wire.middleName);
  const familyName = text(wire.lastName) ?? text(wire.surname);
  const fullName = [givenName, middleName, familyName].filter((part) => part !== null).join(' ');

  return {
    __typename: 'BellaDatiUser',
    provider: 'BELLADATI',
    id: wire.id,
    username: wire.username,
    email: text(wire.email),
    displayName: fullName || wire.username,
    givenName,
    middleName,
    familyName,
    active: wire.active,
    // BellaDati exposes neither; `firstLogin` is not the creation time (SUMMARY.md §3).
    createdAt: null,
    updatedAt: null,
    // RFC 1123 with a weekday that may be wrong (the doc sample's 14 Jan 2012 was a Saturday, not
    // a Thursday): the parser ignores the weekday. Absent for users who never logged in.
    lastLoginAt: loginDate(wire.lastLogin, 'lastLogin'),
    locale: text(wire.locale),
    timezone: text(wire.timeZone),
    phone: text(wire.phone),
    // `/api/users/{id}/image` serves bytes that need BellaDati credentials; no URL a client could use.
    avatarUrl: null,
    groups: wire.groups.map((group) => ({ id: group.id, name: group.name, description: group.description ?? null })),
    // Every user also holds the implicit "viewer" role, which BellaDati never lists (Permissions and Roles).
    roles: wire.roles.map((role) => ({ value: role.role, scope: null })),
    domainId: wire.domain_id,
    info: text(wire.info),
    firstLoginAt: loginDate(wire.firstLogin, 'firstLogin'),
  };
}

function loginDate(raw: string | null | undefined, field: string): DateTimeValue | null {
  return toDateTimeValue(raw, rfc1123ToRfc3339Utc, 'BELLADATI', field);
}

/** Free-text fields: an empty or blank string carries no value, so it reads as null. */
function text(value: string | null | undefined): string | null {
  return value === null || value === undefined || value.trim() === '' ? null : value;
}
