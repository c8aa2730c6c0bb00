/**
 * The operations the playground opens with: one tab per provider plus one over all four, each with
 * its header preset. In demo mode the presets carry the demo credentials (the simulators accept
 * them); otherwise they show which headers to fill in.
 */
import type { PlaygroundTab } from './playground.js';
import { DEMO_CREDENTIALS } from './simulators/demo-credentials.js';

const UNIFIED = `id
    provider
    username
    email
    displayName
    givenName
    familyName
    active
    createdAt
    updatedAt
    lastLoginAt
    avatarUrl
    groups { id groupId name }
    roles { value scope }`;

const PLACEHOLDERS = {
  SYNCANO: { 'X-Syncano-Api-Key': '<instance API key>', 'X-Syncano-User-Key': '<user key, for me>' },
  DROPLIT: { 'X-Droplit-Token': '<token>', 'X-Droplit-User': '<ecosystemId;uniqueId, for me>' },
  PASSBOLT: { 'X-Passbolt-Token': '<JWT access token>' },
  BELLADATI: { 'X-BellaDati-Token': '<OAuth access token>', 'X-BellaDati-Username': '<username, for me>' },
} as const;

export function playgroundTabs(demo: boolean): PlaygroundTab[] {
  const creds = demo ? DEMO_CREDENTIALS : PLACEHOLDERS;
  return [
    {
      query: `# Welcome to usergraph: one User schema over Syncano, Droplit, Passbolt and BellaDati.
# Each tab is an example with its credential headers already set (see the Headers pane).
# Press the run button (or Ctrl/Cmd+Enter).
query AllFourProviders {
  syncano: me(provider: SYNCANO) { ...Summary }
  droplit: me(provider: DROPLIT) { ...Summary }
  passbolt: me(provider: PASSBOLT) { ...Summary }
  belladati: me(provider: BELLADATI) { ...Summary }
}

fragment Summary on User {
  __typename
  id
  username
  displayName
  email
  createdAt
}
`,
      headers: { ...creds.SYNCANO, ...creds.DROPLIT, ...creds.PASSBOLT, ...creds.BELLADATI },
    },
    {
      query: `query SyncanoUser($id: ID!) {
  user(provider: SYNCANO, id: $id) {
    ${UNIFIED}
    ... on SyncanoUser {
      profile { id owner ownerPermissions groupPermissions otherPermissions channel channelRoom fields createdAt updatedAt revision }
      syncanoGroups { id label description }
      links { self resetKey }
    }
  }
}
`,
      variables: { id: '1' },
      headers: { ...creds.SYNCANO },
    },
    {
      query: `query DroplitMe {
  me(provider: DROPLIT) {
    ${UNIFIED}
    ... on DroplitUser { ecosystemId uniqueId meta access { environmentId accessLevel } }
  }
}
`,
      headers: { ...creds.DROPLIT },
    },
    {
      query: `query PassboltUser($id: ID!) {
  user(provider: PASSBOLT, id: $id) {
    ${UNIFIED}
    ... on PassboltUser {
      deleted
      disabled
      role { name }
      profile { firstName lastName avatar { urlMedium } }
      gpgkey { fingerprint keyId bits uid type expires keyCreated }
      groupsUsers { groupId isAdmin }
    }
  }
}
`,
      variables: { id: 'f848277c-5398-58f8-a82a-72397af2d450' },
      headers: { ...creds.PASSBOLT },
    },
    {
      query: `query BellaDatiUser($id: ID!) {
  user(provider: BELLADATI, id: $id) {
    ${UNIFIED}
    ... on BellaDatiUser { domainId info firstLoginAt }
  }
}
`,
      variables: { id: '123' },
      headers: { ...creds.BELLADATI },
    },
  ];
}
