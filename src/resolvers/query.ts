/**
 * Query.user and Query.me. Each is one step: pick this request's loaders for the provider and load.
 * Id validation, credentials and upstream calls live in the loaders and adapters.
 */
import type { QueryResolvers } from '../__generated__/resolvers-types.js';

export const Query: QueryResolvers = {
  user: (_root, { provider, id }, { loaders }) => loaders.forProvider(provider).loadUser(id),
  me: (_root, { provider }, { loaders }) => loaders.forProvider(provider).loadMe(),
};
