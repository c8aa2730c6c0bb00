/**
 * All resolvers, typed with the generated `Resolvers`. User fields need no resolvers but `groups`:
 * the adapters' models carry every field under its schema name, and `__typename` picks the
 * implementing type; `groups` tags each group with its provider for the gateway-wide `Group.id`.
 * Every provider module's `typeName` gets that `groups` resolver.
 */
import type { Resolvers, UserResolvers } from '../__generated__/resolvers-types.js';
import { PROVIDER_MODULES } from '../providers/registry.js';
import { Group, groupsOf } from './group.js';
import { Query } from './query.js';
import { DateTime, JSON } from './scalars.js';
import { resolveUserReference, type UserReference } from './entity.js';
import type { GatewayContext } from '../context.js';
import type { GraphQLResolveInfo } from 'graphql';

export const resolvers: Resolvers = {
  Query,
  Group,
  // Federation: a user referenced by another subgraph, as `User` or as a provider's own type.
  User: {
    // Each model names its implementing type (model.ts), as graphql-js's default type resolver reads it.
    __resolveType: (user) => user.__typename as ReturnType<NonNullable<UserResolvers['__resolveType']>> & string,
    __resolveReference: (reference, context, info) => resolveUserReference(reference, context, info),
  },
  ...Object.fromEntries(
    PROVIDER_MODULES.map((m) => [
      m.typeName,
      { groups: groupsOf, __resolveReference: (reference: UserReference, context: GatewayContext, info: GraphQLResolveInfo) => resolveUserReference(reference, context, info, m.name) },
    ]),
  ),
  DateTime,
  JSON,
};
