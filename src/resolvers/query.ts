/**
 * Query.user, Query.me, Query.users and Query.group. Each is one step: pick this request's loaders
 * for the provider and load. Argument checks, cursors, credentials and upstream calls live in the
 * loaders and adapters.
 */
import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { selectedFieldNames, selectedNodeFieldNames } from './selection.js';

/**
 * Each field tells its provider's loaders what it selects before loading; the loaders dispatch on the
 * next tick, by when every root field has done so, and fetch the union.
 */
export const Query: QueryResolvers = {
  user: (_root, { provider, id }, { loaders }, info) => {
    const forProvider = loaders.forProvider(provider);
    forProvider.select(selectedFieldNames(info.fieldNodes, info.fragments));
    return forProvider.loadUser(id);
  },
  me: (_root, { provider }, { loaders }, info) => {
    const forProvider = loaders.forProvider(provider);
    forProvider.select(selectedFieldNames(info.fieldNodes, info.fragments));
    return forProvider.loadMe();
  },
  users: (_root, { provider, filter, first, after }, { loaders }, info) => {
    const forProvider = loaders.forProvider(provider);
    forProvider.select(selectedNodeFieldNames(info.fieldNodes, info.fragments));
    return forProvider.listUsers(filter, first, after);
  },
  group: async (_root, { provider, id }, { loaders }) => ({ ...(await loaders.forProvider(provider).fetchGroup(id)), provider }),
};
