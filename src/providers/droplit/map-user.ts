/**
 * Droplit user → the gateway's `DroplitUser` model (the Droplit column of the unified mapping
 * described in schema/). Droplit stores no names, flags, update or login times, groups or roles
 * ("Get a user."): those fields are null or empty, and the per-environment `access` grants become
 * `roles`.
 */
import type { RoleModel, UserModelBase } from '../../model.js';
import { isoToRfc3339Utc, toDateTimeValue } from '../dates.js';
import { carryDropped } from '../tolerant.js';
import type { DroplitUserWire } from './wire.js';

export interface DroplitAccessModel {
  environmentId: string;
  accessLevel: string;
}

export interface DroplitUserModel extends UserModelBase {
  __typename: 'DroplitUser';
  provider: 'DROPLIT';
  ecosystemId: string;
  uniqueId: string;
  /** Free-form metadata as Droplit sent it; system keys start with `$`. */
  meta: unknown;
  access: DroplitAccessModel[];
}

/** Old Droplit data stores the `@` of an email as `:::at:::` (2016 example `test:::at:::test.com`). */
const ENCODED_AT = ':::at:::';

export function mapUser(wire: DroplitUserWire): DroplitUserModel {
  const access = wire.access.map(({ environmentId, accessLevel }) => ({ environmentId, accessLevel }));
  return carryDropped(wire, {
    __typename: 'DroplitUser',
    provider: 'DROPLIT',
    id: wire.id,
    username: wire.uniqueId,
    email: decodeEmail(wire.email),
    displayName: label(wire.meta) ?? wire.uniqueId,
    givenName: null,
    middleName: null,
    familyName: null,
    // Droplit has no account flag; a user it returns can be used.
    active: true,
    // The docs' placeholder reads "YYYY-MM-DD HH:MM:SS ENCODED" but real data is ISO 8601, with or
    // without milliseconds; the shared ISO parser reads both and the space form.
    createdAt: toDateTimeValue(wire.createdAt, isoToRfc3339Utc, 'DROPLIT', 'createdAt'),
    updatedAt: null,
    lastLoginAt: null,
    locale: null,
    timezone: null,
    phone: null,
    avatarUrl: null,
    groups: [],
    roles: access.map(toRole),
    ecosystemId: wire.ecosystemId,
    uniqueId: wire.uniqueId,
    meta: wire.meta,
    access,
  });
}

function decodeEmail(email: string | null | undefined): string | null {
  if (!email) return null;
  return email.replaceAll(ENCODED_AT, '@');
}

/** `meta.$label` is Droplit's display label system key (2016 example `{"$label": "Test"}`). */
function label(meta: Record<string, unknown>): string | null {
  const value = meta.$label;
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** Access is "all or nothing" per environment (Droplit "Users" overview), so the level is the role and the environment its scope. */
function toRole(access: DroplitAccessModel): RoleModel {
  return { value: access.accessLevel, scope: access.environmentId };
}
