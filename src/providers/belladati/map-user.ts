/**
 * A validated BellaDati user record → the gateway's `BellaDatiUser` model (the BellaDati column of
 * the unified mapping described in schema/). Pure: no I/O, no clock. A field the record left out
 * or sent unreadable is null here, or an error on that one field where the schema says non-null.
 */
import type { DateTimeValue, FieldValue, UserModelBase } from '../../model.js';
import { rfc1123ToRfc3339Utc, toDateTimeValue } from '../dates.js';
import { carryDropped, required } from '../tolerant.js';
import type { BellaDatiUserWire } from './wire.js';

export interface BellaDatiUserModel extends UserModelBase {
  __typename: 'BellaDatiUser';
  provider: 'BELLADATI';
  /** `domain_id`: the BellaDati domain (tenant) the user belongs to. */
  domainId: FieldValue<string>;
  /** Free-text "user detail information". */
  info: string | null;
  /** `firstLogin`; null for users who never logged in. */
  firstLoginAt: DateTimeValue | null;
}

export function mapUser(wire: BellaDatiUserWire): BellaDatiUserModel {
  // Docs and the iOS SDK say firstName/lastName; the Java SDK reads name/surname.
  const givenName = text(wire.firstName) ?? text(wire.name);
  const middleName = text(wire.middleName);
  const familyName = text(wire.lastName) ?? text(wire.surname);
  const fullName = [givenName, middleName, familyName].filter((part) => part !== null).join(' ');

  return carryDropped(wire, {
    __typename: 'BellaDatiUser',
    provider: 'BELLADATI',
    id: wire.id,
    username: wire.username,
    email: text(wire.email),
    displayName: fullName || wire.username,
    givenName,
    middleName,
    familyName,
    // No readable flag is an error on `active`, never a guess either way.
    active: required(wire.active, 'BELLADATI', 'active', 'boolean'),
    // BellaDati exposes neither; `firstLogin` is not the creation time.
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
    groups: wire.groups.map((group) => ({ id: group.id, name: group.name ?? null, description: group.description ?? null })),
    // Every user also holds the implicit "viewer" role, which BellaDati never lists (Permissions and Roles).
    roles: wire.roles.map((role) => ({ value: role.role, scope: null })),
    domainId: required(wire.domain_id, 'BELLADATI', 'domain_id', 'a digit string'),
    info: text(wire.info),
    firstLoginAt: loginDate(wire.firstLogin, 'firstLogin'),
  });
}

function loginDate(raw: unknown, field: string): DateTimeValue | null {
  return toDateTimeValue(raw, rfc1123ToRfc3339Utc, 'BELLADATI', field);
}

/** Free-text fields: an empty or blank string carries no value, so it reads as null. */
function text(value: string | null | undefined): string | null {
  return value === null || value === undefined || value.trim() === '' ? null : value;
}
