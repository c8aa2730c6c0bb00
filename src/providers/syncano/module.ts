/**
 * Syncano (API v1.1) as the gateway sees it: settings, credential headers, adapter, playground tab
 * and `usergraph check` probe. See docs/providers/syncano.md.
 */
import { z } from 'zod';
import { dataString, defineProvider, setting, UNIFIED_USER_FIELDS } from '../module.js';
import { API_KEY_HEADER, USER_KEY_HEADER } from './credentials.js';
import { createSyncanoAdapter, type SyncanoConfig } from './index.js';
import { probeSyncano } from './probe.js';

/** The instance of the demo data when the simulator's data names none. */
const DEMO_INSTANCE = 'rivia';

export const syncanoModule = defineProvider({
  name: 'SYNCANO',
  typeName: 'SyncanoUser',
  credentialHeaders: [API_KEY_HEADER, USER_KEY_HEADER],
  // Syncano v1.1 authenticates with `X-API-KEY` and `X-USER-KEY`.
  upstreamSecretHeaders: ['x-api-key', 'x-user-key'],
  settings: {
    URL: setting.url,
    INSTANCE: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, - and _, at most 64'),
    API_KEY: setting.text,
  },
  configure(settings, common, problems): SyncanoConfig | null {
    if (!settings.URL) return null;
    if (!settings.INSTANCE) {
      problems.push('SYNCANO_INSTANCE: required when SYNCANO_URL is set');
      return null;
    }
    return { ...common, baseUrl: settings.URL, instance: settings.INSTANCE, defaultApiKey: settings.API_KEY };
  },
  // The instance comes from the simulator's data, so a custom SIMULATOR_DATA file just works.
  demo: (settings, common, simulator): SyncanoConfig => ({
    ...common,
    baseUrl: simulator.url,
    instance: dataString(simulator.data, 'instance') ?? settings.INSTANCE ?? DEMO_INSTANCE,
  }),
  createAdapter: createSyncanoAdapter,
  playground: {
    query: `query SyncanoUser($id: ID!) {
  user(provider: SYNCANO, id: $id) {
    ${UNIFIED_USER_FIELDS}
    ... on SyncanoUser {
      profile { id owner ownerPermissions groupPermissions otherPermissions channel channelRoom fields createdAt updatedAt revision }
      syncanoGroups { id label description }
      links { self resetKey }
    }
  }
}
`,
    variables: { id: '1' },
    placeholders: { [API_KEY_HEADER]: '<instance API key>', [USER_KEY_HEADER]: '<user key, for me>' },
  },
  probe: { exampleUrl: 'https://api.syncano.io', run: probeSyncano },
});
