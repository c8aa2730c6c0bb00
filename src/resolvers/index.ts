/**
 * All resolvers, typed with the generated `Resolvers`. User fields need no resolvers but `groups`:
 * the adapters' models carry every field under its schema name, and `__typename` picks the
 * implementing type; `groups` tags each group with its provider for the gateway-wide `Group.id`.
 */
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Group, groupsOf } from './group.js';
import { Query } from './query.js';
import { DateTime, JSON } from './scalars.js';

export const resolvers: Resolvers = {
  Query,
  Group,
  SyncanoUser: { groups: groupsOf },
  DroplitUser: { groups: groupsOf },
  PassboltUser: { groups: groupsOf },
  BellaDatiUser: { groups: groupsOf },
  DateTime,
  JSON,
};
