/**
 * Droplit.io as the gateway sees it: settings, credential headers, adapter, playground tab and
 * `usergraph check` probe. See docs/providers/droplit.md.
 */
import { defineProvider, setting, UNIFIED_USER_FIELDS } from '../module.js';
import { TOKEN_HEADER, USER_HEADER } from './credentials.js';
import { createDroplitAdapter, type DroplitConfig } from './index.js';
import { probeDroplit } from './probe.js';

export const droplitModule = defineProvider({
  name: 'DROPLIT',
  typeName: 'DroplitUser',
  credentialHeaders: [TOKEN_HEADER, USER_HEADER],
  // Droplit takes the token as the raw `Authorization` value.
  upstreamSecretHeaders: ['authorization'],
  settings: { URL: setting.url, TOKEN: setting.text },
  configure: (settings, common): DroplitConfig | null =>
    settings.URL ? { ...common, baseUrl: settings.URL, defaultToken: settings.TOKEN } : null,
  // No default token in demo mode: the caller's headers are the demo.
  demo: (_settings, common, simulator): DroplitConfig => ({ ...common, baseUrl: simulator.url }),
  createAdapter: createDroplitAdapter,
  playground: {
    query: `query DroplitMe {
  me(provider: DROPLIT) {
    ${UNIFIED_USER_FIELDS}
    ... on DroplitUser { ecosystemId uniqueId meta access { environmentId accessLevel } }
  }
}
`,
    placeholders: { [TOKEN_HEADER]: '<token>', [USER_HEADER]: '<ecosystemId;uniqueId, for me>' },
  },
  probe: { exampleUrl: 'https://ioe.droplit.io', run: probeDroplit },
});
