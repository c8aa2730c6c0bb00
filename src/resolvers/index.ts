/**
 * All resolvers, typed with the generated `Resolvers`. User fields need no resolvers but `groups`:
 * the adapters' models carry every field under its schema name, and `__typename` picks the
 * implementing type; `groups` tags each group with its provider for the gateway-wide `Group.id`.
 * Every provider module's `typeName` gets that `groups` resolver.
 */
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { PROVIDER_MODULES } from '../providers/registry.js';
import { Group, groupsOf } from './group.js';
import { Query } from './query.js';
import { DateTime, JSON } from './scalars.js';

export const resolvers: Resolvers = {
  Query,
  Group,
  ...Object.fromEntries(PROVIDER_MODULES.map((m) => [m.typeName, { groups: groupsOf }])),
  DateTime,
  JSON,
};
