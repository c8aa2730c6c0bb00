/**
 * Group identity and members. Adapters map a group with the provider's own id, which is unique only within that
 * provider; the gateway's `Group.id` prefixes it with the provider (`SYNCANO:3`, `BELLADATI:3`), so
 * two providers' groups never share an id and a normalized client cache keeps them apart.
 */
import type { GroupResolvers } from '../__generated__/resolvers-types.js';
import type { ProviderName, UserModelBase } from '../model.js';
import type { GroupParent } from './group-parent.js';
import { selectedNodeFieldNames } from './selection.js';

/** The gateway's id of a provider's group. */
export function globalGroupId(provider: ProviderName, groupId: string): string {
  return `${provider}:${groupId}`;
}

/** `<UserType>.groups`: the user's groups, each tagged with the user's provider. */
export function groupsOf(user: UserModelBase): GroupParent[] {
  return user.groups.map((group) => ({ ...group, provider: user.provider }));
}

export const Group: GroupResolvers = {
  id: (group) => globalGroupId(group.provider, group.id),
  groupId: (group) => group.id,
  /** A page of the group's members: the same for a group from `group(…)` and one from `User.groups`. */
  members: (group, { first, after }, { loaders }, info) => {
    const forProvider = loaders.forProvider(group.provider);
    forProvider.select(selectedNodeFieldNames(info.fieldNodes, info.fragments));
    return forProvider.listGroupMembers(group.id, first, after);
  },
};
