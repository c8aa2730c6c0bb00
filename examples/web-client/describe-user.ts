/**
 * Renders a user card as one line: the unified fields, then what only that provider has. The
 * `switch` narrows the generated union on `__typename`; a provider this card does not know yet (the
 * gateway may add user sources) still gets the unified fields.
 */
import type { UserCardFragment } from './__generated__/graphql.js';

export function describeUser(user: UserCardFragment): string {
  const base = `${user.provider} ${user.id} ${user.displayName ?? user.username}${user.email ? ` <${user.email}>` : ''}`;
  return `${base} | ${extras(user)}`;
}

function extras(user: UserCardFragment): string {
  switch (user.__typename) {
    case 'SyncanoUser':
      return `profile revision ${user.profile?.revision ?? '-'}, groups ${user.syncanoGroups.map((g) => g.label).join(', ') || '-'}`;
    case 'DroplitUser':
      return `ecosystem ${user.ecosystemId}, access ${user.access.map((a) => `${a.environmentId}:${a.accessLevel}`).join(', ') || '-'}`;
    case 'PassboltUser':
      return `role ${user.role?.name ?? '-'}, key ${user.gpgkey?.keyId ?? '-'}`;
    case 'BellaDatiUser':
      return `domain ${user.domainId}, first login ${user.firstLoginAt ?? '-'}`;
    default:
      return 'no provider-specific fields shown';
  }
}
