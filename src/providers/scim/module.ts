/**
 * SCIM 2.0 as a user source: its settings (`SCIM_URL`, `SCIM_TOKEN`), its credential header, its
 * playground tab and its `usergraph check` probe. docs/providers/scim.md describes what it relies on.
 */
import { defineProvider, setting, UNIFIED_USER_FIELDS } from '../module.js';
import { createScimAdapter, type ScimConfig } from './index.js';
import { TOKEN_HEADER } from './credentials.js';
import { probeScim } from './probe.js';

/** Where the simulator serves SCIM when its data says nothing else. */
const DEFAULT_SIMULATOR_BASE_PATH = '/scim/v2';

export const scimModule = defineProvider({
  name: 'SCIM',
  typeName: 'ScimUser',
  credentialHeaders: [TOKEN_HEADER],
  upstreamSecretHeaders: ['authorization'],
  settings: {
    /** The SCIM base URL, with any path prefix: `https://idp.example.com/scim/v2`. */
    URL: setting.url,
    /** A bearer token for `user` lookups when the caller sends no X-Scim-Token (never for `me`). */
    TOKEN: setting.text,
  },
  configure(settings, common, problems): ScimConfig | null {
    if (settings.URL === undefined) {
      if (settings.TOKEN !== undefined) problems.push('SCIM_TOKEN: set, but SCIM_URL is not: SCIM stays off without its base URL');
      return null;
    }
    return { ...common, baseUrl: settings.URL, defaultToken: settings.TOKEN };
  },
  demo(settings, common, simulator): ScimConfig {
    const data = simulator.data as { basePath?: unknown } | undefined;
    const basePath = typeof data?.basePath === 'string' ? data.basePath.replace(/\/+$/, '') : DEFAULT_SIMULATOR_BASE_PATH;
    return { ...common, baseUrl: `${simulator.url}${basePath}`, defaultToken: settings.TOKEN };
  },
  createAdapter: createScimAdapter,
  playground: {
    query: `query ScimMe {
  me(provider: SCIM) {
    ${UNIFIED_USER_FIELDS}
    ... on ScimUser {
      externalId
      title
      userType
      emails { value type primary }
      phoneNumbers { value type primary }
      enterprise { employeeNumber department organization manager { value displayName } }
      extensions
    }
  }
}`,
    placeholders: { [TOKEN_HEADER]: '<a bearer token your SCIM server issued>' },
  },
  probe: { exampleUrl: 'https://idp.example.com/scim/v2', run: probeScim },
});
