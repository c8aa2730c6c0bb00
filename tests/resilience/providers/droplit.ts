/** Droplit: the example user `test` of the demo ecosystem; error bodies as Droplit sends them. */
import { DEMO_CREDENTIALS } from '../../../src/simulators/demo-credentials.js';
import { first, type ProviderFixture } from '../provider-fixture.js';

export default {
  provider: 'DROPLIT',
  sim: 'droplit',
  id: DEMO_CREDENTIALS.DROPLIT['X-Droplit-User'],
  headers: { 'X-Droplit-Token': DEMO_CREDENTIALS.DROPLIT['X-Droplit-Token'] },
  refusedHeaders: { 'X-Droplit-Token': '_refused-token-0123456789' },
  toUpstream: (value) => ({ authorization: value }),
  upstreamCredential: (h) => first(h.authorization),
  errorBody: (status) =>
    ({
      400: { errorType: 'InvalidParams', errors: [{ in: 'path', message: 'invalid', path: 'userId' }] },
      401: '',
      403: 'Forbidden',
      404: 'Not Found',
    })[status],
  outageStatus: 503,
} satisfies ProviderFixture;
