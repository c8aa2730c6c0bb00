/**
 * What the `Group` resolvers receive. Its own module because the generated resolver types name it
 * (codegen.yml `mappers`) and group.ts imports those types: kept in group.ts, the two would import
 * each other.
 */
import type { GroupModel, ProviderName } from '../model.js';

/** A group as the `Group` resolvers see it: the adapter's model plus the provider it came from. */
export interface GroupParent extends GroupModel {
  provider: ProviderName;
}
