/**
 * All resolvers, typed with the generated `Resolvers`. User fields need no resolvers: the adapters'
 * models carry every field under its schema name, and `__typename` picks the implementing type.
 */
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Query } from './query.js';
import { DateTime, JSON } from './scalars.js';

export const resolvers: Resolvers = {
  Query,
  DateTime,
  JSON,
};
