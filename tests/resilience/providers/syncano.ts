/** Syncano: the docs' example user `geralt` (id 1); DRF `{detail}` error bodies. */
import { DEMO_CREDENTIALS } from '../../../src/simulators/demo-credentials.js';
import { first, type ProviderFixture } from '../provider-fixture.js';

export default {
  provider: 'SYNCANO',
  sim: 'syncano',
  id: '1',
  headers: { 'X-Syncano-Api-Key': DEMO_CREDENTIALS.SYNCANO['X-Syncano-Api-Key'] },
  // Odd last hex digit: an instance API key the demo instance does not know ("No such API Key.").
  refusedHeaders: { 'X-Syncano-Api-Key': `${DEMO_CREDENTIALS.SYNCANO['X-Syncano-Api-Key'].slice(0, -1)}1` },
  toUpstream: (value) => ({ 'x-api-key': value }),
  upstreamCredential: (h) => first(h['x-api-key']),
  errorBody: (status) =>
    ({
      400: { detail: 'Invalid request.' },
      401: { detail: 'Authentication credentials were not provided.' },
      403: { detail: 'You do not have permission to perform this action.' },
      404: { detail: 'Not found.' },
    })[status],
  outageStatus: 503,
} satisfies ProviderFixture;
