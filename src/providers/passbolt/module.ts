/**
 * Passbolt as the gateway sees it: settings, credential headers, adapter, playground tab and
 * `usergraph check` probe. See docs/providers/passbolt.md.
 */
import { defineProvider, setting, UNIFIED_USER_FIELDS } from '../module.js';
import { TOKEN_HEADER } from './credentials.js';
import { createPassboltAdapter, type PassboltConfig } from './index.js';
import { probePassbolt } from './probe.js';

export const passboltModule = defineProvider({
  name: 'PASSBOLT',
  typeName: 'PassboltUser',
  credentialHeaders: [TOKEN_HEADER],
  // Passbolt's JWT authentication: `Authorization: Bearer <access token>`.
  upstreamSecretHeaders: ['authorization'],
  settings: { URL: setting.url, TOKEN: setting.text },
  configure: (settings, common): PassboltConfig | null =>
    settings.URL ? { ...common, baseUrl: settings.URL, defaultToken: settings.TOKEN } : null,
  demo: (_settings, common, simulator): PassboltConfig => ({ ...common, baseUrl: simulator.url }),
  createAdapter: createPassboltAdapter,
  playground: {
    query: `query PassboltUser($id: ID!) {
  user(provider: PASSBOLT, id: $id) {
    ${UNIFIED_USER_FIELDS}
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
    placeholders: { [TOKEN_HEADER]: '<JWT access token>' },
  },
  probe: { exampleUrl: 'https://passbolt.example.com', run: probePassbolt },
});
