/**
 * Federation entities: another subgraph references a user as `{ provider, id }` (the `@key` of
 * `User` and of each provider's user type) and the router asks `_entities(representations: …)` for
 * it. Each representation resolves through this request's loaders exactly like `user(provider, id)`:
 * 40 representations of 10 distinct Syncano users are one batch call, a repeated id is read once,
 * the cache, errors and stale marks apply. A representation the gateway cannot read (an unknown
 * provider, a missing or malformed id, a provider's type named with another provider) gets its own
 * BAD_USER_INPUT: the other representations of the batch resolve.
 */
import { responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from '../context.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { ProviderName, UserModel } from '../model.js';
import { PROVIDERS } from '../providers/registry.js';
import { selectedFieldNames } from './selection.js';

/** A representation as the router sends it: the key fields and `__typename`. */
export interface UserReference {
  __typename?: unknown;
  provider?: unknown;
  id?: unknown;
}

/**
 * Resolves one representation (`__resolveReference`). Always returns a promise: `_entities` calls it
 * once per representation in one `map`, so a synchronous throw would fail the whole batch.
 * `typeProvider` is set for a provider's own type (`SyncanoUser`): its representations must name it.
 */
export async function resolveUserReference(
  reference: UserReference,
  context: GatewayContext,
  info: GraphQLResolveInfo,
  typeProvider?: ProviderName,
): Promise<UserModel> {
  const { provider, id } = reference;
  if (typeof provider !== 'string' || !(PROVIDERS as readonly string[]).includes(provider)) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, `The representation's provider must be one of ${PROVIDERS.join(', ')}.`, { reason: 'BAD_REPRESENTATION' });
  }
  const name = provider as ProviderName;
  if (typeProvider !== undefined && name !== typeProvider) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, `A ${String(reference.__typename)} representation must have provider ${typeProvider}.`, {
      provider: name,
      reason: 'BAD_REPRESENTATION',
    });
  }
  if (typeof id !== 'string' && typeof id !== 'number') {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'The representation needs an id.', { provider: name, reason: 'BAD_REPRESENTATION' });
  }
  const loaders = context.loaders.forProvider(name);
  // The router's selection is inline fragments on the entity types: every field named is selected.
  loaders.select(selectedFieldNames(info.fieldNodes, info.fragments));
  const user = await loaders.loadUser(String(id));
  const ageSeconds = context.loaders.staleAge(user);
  if (ageSeconds !== undefined) context.stale.push({ path: entityPath(reference, info), provider: name, ageSeconds });
  return user;
}

/** `['_entities', index]`: the representation's place in the batch. */
function entityPath(reference: UserReference, info: GraphQLResolveInfo): Array<string | number> {
  // Routers send the representations as the `representations` variable; an inline list has no index to find.
  const representations = info.variableValues.representations;
  const index = Array.isArray(representations) ? representations.indexOf(reference) : -1;
  return index >= 0 ? [...responsePathAsArray(info.path), index] : responsePathAsArray(info.path);
}
