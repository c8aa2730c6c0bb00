/**
 * Query.user, Query.me, Query.users and Query.group. Each is one step: pick this request's loaders
 * for the provider and load. Argument checks, cursors, credentials and upstream calls live in the
 * loaders and adapters.
 */
import { responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import type { GatewayContext } from '../context.js';
import type { UserModel } from '../model.js';
import { selectedFieldNames, selectedNodeFieldNames } from './selection.js';

/** Notes the field's path when its user came stale from the cache (the stale-marker plugin reports them). */
async function noteStale(loaded: Promise<UserModel>, context: GatewayContext, info: GraphQLResolveInfo): Promise<UserModel> {
  const user = await loaded;
  const ageSeconds = context.loaders.staleAge(user);
  if (ageSeconds !== undefined) context.stale.push({ path: responsePathAsArray(info.path), provider: user.provider, ageSeconds });
  return user;
}

/**
 * Each field tells its provider's loaders what it selects before loading; the loaders dispatch on the
 * next tick, by when every root field has done so, and fetch the union.
 */
export const Query: QueryResolvers = {
  user: (_root, { provider, id }, context, info) => {
    const forProvider = context.loaders.forProvider(provider);
    forProvider.select(selectedFieldNames(info.fieldNodes, info.fragments));
    const loaded = forProvider.loadUser(id);
    // No cache, nothing stale: the loader's promise is the field's, with no step in between.
    return forProvider.mayAnswerStale ? noteStale(loaded, context, info) : loaded;
  },
  me: (_root, { provider }, context, info) => {
    const forProvider = context.loaders.forProvider(provider);
    forProvider.select(selectedFieldNames(info.fieldNodes, info.fragments));
    const loaded = forProvider.loadMe();
    return forProvider.mayAnswerStale ? noteStale(loaded, context, info) : loaded;
  },
  users: (_root, { provider, filter, first, after }, { loaders }, info) => {
    const forProvider = loaders.forProvider(provider);
    forProvider.select(selectedNodeFieldNames(info.fieldNodes, info.fragments));
    return forProvider.listUsers(filter, first, after);
  },
  group: async (_root, { provider, id }, { loaders }) => ({ ...(await loaders.forProvider(provider).fetchGroup(id)), provider }),
};
