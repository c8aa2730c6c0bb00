/**
 * The internal unified user model: what resolvers return and what codegen's `mappers` point at.
 * Each provider's `map-user.ts` builds its own variant; fields are named exactly as in the schema,
 * so graphql-js's default resolvers serve them without per-field code.
 */
import type { GatewayError } from './errors.js';
import type { SyncanoUserModel } from './providers/syncano/map-user.js';
import type { DroplitUserModel } from './providers/droplit/map-user.js';
import type { PassboltUserModel } from './providers/passbolt/map-user.js';
import type { BellaDatiUserModel } from './providers/belladati/map-user.js';

export const PROVIDERS = ['SYNCANO', 'DROPLIT', 'PASSBOLT', 'BELLADATI'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/**
 * A timestamp already normalised to RFC 3339 UTC, or the error explaining why the provider's
 * value could not be read. graphql-js turns a returned Error into an error on that one field
 * (the field is null, the rest of the user still resolves).
 */
export type DateTimeValue = string | GatewayError;

/**
 * A non-null field's value, or the error explaining why the provider's record held none that could
 * be read: the error lands on that one field, the rest of the user still resolves (as DateTimeValue).
 */
export type FieldValue<T> = T | GatewayError;

export interface GroupModel {
  id: string;
  name: string | null;
  description: string | null;
}

export interface RoleModel {
  value: string;
  scope: string | null;
}

/** The unified fields every provider fills (null where the provider lacks the data). */
export interface UserModelBase {
  /** The implementing GraphQL type; graphql-js's default type resolver reads it. */
  __typename: 'SyncanoUser' | 'DroplitUser' | 'PassboltUser' | 'BellaDatiUser';
  provider: ProviderName;
  id: string;
  username: string;
  email: string | null;
  displayName: string | null;
  givenName: string | null;
  middleName: string | null;
  familyName: string | null;
  /** An error only when the provider's record carries no readable flag (never guessed). */
  active: FieldValue<boolean>;
  createdAt: DateTimeValue | null;
  updatedAt: DateTimeValue | null;
  lastLoginAt: DateTimeValue | null;
  locale: string | null;
  timezone: string | null;
  phone: string | null;
  avatarUrl: string | null;
  groups: GroupModel[];
  roles: RoleModel[];
}

export type UserModel = SyncanoUserModel | DroplitUserModel | PassboltUserModel | BellaDatiUserModel;
