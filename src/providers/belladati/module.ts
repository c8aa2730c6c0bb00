/**
 * BellaDati as the gateway sees it: settings, credential headers, adapter, playground tab and
 * `usergraph check` probe. See docs/providers/belladati.md.
 */
import { z } from 'zod';
import { dataString, defineProvider, setting, UNIFIED_USER_FIELDS } from '../module.js';
import { TOKEN_HEADER, USERNAME_HEADER } from './credentials.js';
import { createBellaDatiAdapter, type BellaDatiConfig } from './index.js';
import { probeBellaDati } from './probe.js';

/** `BELLADATI_DOMAIN`: a domain id, digits like every BellaDati id (docs/providers/belladati.md §6). */
const domainSetting = z.string().regex(/^\d{1,18}$/, 'expected a BellaDati domain id (1 to 18 digits)');

/** The consumer key of the demo domain when the simulator's data names none. */
const DEMO_CONSUMER_KEY = 'usergraph-demo';

export const belladatiModule = defineProvider({
  name: 'BELLADATI',
  typeName: 'BellaDatiUser',
  credentialHeaders: [TOKEN_HEADER, USERNAME_HEADER],
  // BellaDati's OAuth 1.0 header carries the access token: `Authorization: OAuth …, oauth_token=…`.
  upstreamSecretHeaders: ['authorization'],
  settings: { URL: setting.url, CONSUMER_KEY: setting.text, REALM: setting.text, TOKEN: setting.text, DOMAIN: domainSetting },
  configure(settings, common, problems): BellaDatiConfig | null {
    if (!settings.URL) return null;
    if (!settings.CONSUMER_KEY) {
      problems.push('BELLADATI_CONSUMER_KEY: required when BELLADATI_URL is set');
      return null;
    }
    return {
      ...common,
      baseUrl: settings.URL,
      consumerKey: settings.CONSUMER_KEY,
      realm: settings.REALM,
      defaultToken: settings.TOKEN,
      domain: settings.DOMAIN,
    };
  },
  // BellaDati's API lives under /api (https://service.belladati.com/api/); the consumer key comes from
  // the simulator's data, so a custom SIMULATOR_DATA file just works.
  demo: (settings, common, simulator): BellaDatiConfig => ({
    ...common,
    baseUrl: `${simulator.url}/api`,
    consumerKey: dataString(simulator.data, 'consumerKey') ?? settings.CONSUMER_KEY ?? DEMO_CONSUMER_KEY,
    domain: settings.DOMAIN,
  }),
  createAdapter: createBellaDatiAdapter,
  playground: {
    query: `query BellaDatiUser($id: ID!) {
  user(provider: BELLADATI, id: $id) {
    ${UNIFIED_USER_FIELDS}
    ... on BellaDatiUser { domainId info firstLoginAt }
  }
}
`,
    variables: { id: '123' },
    placeholders: { [TOKEN_HEADER]: '<OAuth access token>', [USERNAME_HEADER]: '<username, for me>' },
  },
  probe: { exampleUrl: 'https://service.belladati.com/api', run: probeBellaDati },
});
