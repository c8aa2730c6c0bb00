/**
 * The internal unified user model: what resolvers return and what codegen's `User` mapper points at.
 * Each provider's `map-user.ts` builds its own variant, extending `UserModelBase` with its own fields
 * and its `__typename`; fields are named exactly as in the schema, so graphql-js's default resolvers
 * serve them without per-field code. This file names no provider: provider folders import it, never
 * the other way round.
 */
import type { GatewayError } from './errors.js';
import type { ProviderName } from './providers/provider-name.js';

export type { ProviderName } from './providers/provider-name.js';

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
  /** The implementing GraphQL type (its module's `typeName`); graphql-js's default type resolver reads it. */
  __typename: string;
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

/** Any provider's user: each provider's model is a `UserModelBase` with its own fields added. */
export type UserModel = UserModelBase;
