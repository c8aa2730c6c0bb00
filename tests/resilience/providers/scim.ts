/** SCIM: Barbara Jensen of the demo data (RFC 7643 §8.2); errors in SCIM's own error schema (RFC 7644 §3.12). */
import { DEMO_CREDENTIALS } from '../../../src/simulators/demo-credentials.js';
import { first, type ProviderFixture } from '../provider-fixture.js';

const scimError = (status: number, detail: string, scimType?: string) => ({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
  status: String(status),
  ...(scimType && { scimType }),
  detail,
});

export default {
  provider: 'SCIM',
  sim: 'scim',
  id: '2819c223-7f76-453a-919d-413861904646',
  headers: { 'X-Scim-Token': DEMO_CREDENTIALS.SCIM['X-Scim-Token'] },
  refusedHeaders: { 'X-Scim-Token': 'scim-not-issued-token' },
  toUpstream: (value) => ({ authorization: `Bearer ${value}` }),
  upstreamCredential: (h) => first(h.authorization),
  errorBody: (status) =>
    ({
      400: scimError(400, 'The request is not valid.', 'invalidValue'),
      401: scimError(401, 'Authentication is required.'),
      403: scimError(403, 'The client may not read this resource.'),
      404: scimError(404, 'Resource not found.'),
    })[status],
  outageStatus: 503,
} satisfies ProviderFixture;
