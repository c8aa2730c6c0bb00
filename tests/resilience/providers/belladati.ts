/** BellaDati: the demo user 123; BellaDati throttles with 503, so an outage is a 502 here. */
import { DEMO_CREDENTIALS } from '../../../src/simulators/demo-credentials.js';
import { first, type ProviderFixture } from '../provider-fixture.js';

export default {
  provider: 'BELLADATI',
  sim: 'belladati',
  id: '123',
  headers: { 'X-BellaDati-Token': DEMO_CREDENTIALS.BELLADATI['X-BellaDati-Token'] },
  refusedHeaders: { 'X-BellaDati-Token': 'refused-token-4f1a' },
  toUpstream: (value) => ({ authorization: `OAuth oauth_token="${value}"` }),
  upstreamCredential: (h) => /oauth_token="([^"]*)"/.exec(first(h.authorization) ?? '')?.[1],
  errorBody: () => '',
  outageStatus: 502,
} satisfies ProviderFixture;
