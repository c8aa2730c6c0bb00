/** Passbolt: Ada Lovelace of the demo data; errors in Passbolt's `{header, body}` envelope. */
import { DEMO_CREDENTIALS } from '../../../src/simulators/demo-credentials.js';
import { first, type ProviderFixture } from '../provider-fixture.js';

const passboltError = (message: string) => ({ header: { status: 'error', message, code: 0 }, body: '' });

export default {
  provider: 'PASSBOLT',
  sim: 'passbolt',
  id: 'f848277c-5398-58f8-a82a-72397af2d450',
  headers: { 'X-Passbolt-Token': DEMO_CREDENTIALS.PASSBOLT['X-Passbolt-Token'] },
  refusedHeaders: { 'X-Passbolt-Token': 'eyJ.not-issued.token' },
  toUpstream: (value) => ({ authorization: `Bearer ${value}` }),
  upstreamCredential: (h) => first(h.authorization),
  errorBody: (status) =>
    ({
      400: passboltError('The user identifier should be a valid UUID.'),
      401: passboltError('Authentication is required to continue'),
      403: passboltError('You are not authorized to access that location.'),
      404: passboltError('The user does not exist.'),
    })[status],
  outageStatus: 503,
} satisfies ProviderFixture;
