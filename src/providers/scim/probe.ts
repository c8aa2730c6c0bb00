/**
 * `usergraph check` for SCIM: `GET /ServiceProviderConfig` (RFC 7644 §4), with SCIM_TOKEN as a bearer
 * token when set. Its answer names SCIM's own schema URN, which tells a SCIM server at the right
 * path from anything else:
 * - 200 with the ServiceProviderConfig schema: SCIM at SCIM_URL (the token, if any, accepted, or the
 *   server serves discovery without authentication); it also says whether filtering is supported;
 * - 401/403 with a SCIM error body: SCIM at SCIM_URL; with SCIM_TOKEN set, the token is refused;
 * - 404 or any answer without SCIM's shapes: not a SCIM base URL (typically a missing `/scim/v2`).
 */
import { displayUrl, jsonMember, ok, redirect, wrong, type ProbeGet, type ProbeOutcome } from '../probe.js';
import type { ScimConfig } from './index.js';
import { readScimError } from './errors.js';
import { parseJsonBody } from '../wire.js';

const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

export async function probeScim(config: ScimConfig, get: ProbeGet): Promise<ProbeOutcome> {
  const path = '/ServiceProviderConfig';
  const token = config.defaultToken;
  const res = await get(path, { accept: 'application/scim+json, application/json;q=0.9', ...(token ? { authorization: `Bearer ${token}` } : {}) });
  const at = displayUrl(config.baseUrl);
  const redirected = redirect('SCIM_URL', res, path);
  if (redirected) return redirected;
  const schemas = jsonMember(res.body, 'schemas');
  if (res.status === 200 && Array.isArray(schemas) && schemas.includes(SPC_SCHEMA)) {
    const filter = jsonMember(res.body, 'filter') as { supported?: unknown } | undefined;
    const filtering = filter?.supported === true ? 'filtering supported' : 'no filtering: several ids cost one call each';
    return ok(`SCIM 2.0 service provider at ${at} (${filtering})${token ? '; SCIM_TOKEN accepted' : ''}`);
  }
  const scimError = readScimError(parseJsonBody(res.body)) !== undefined;
  if (scimError && (res.status === 401 || res.status === 403)) {
    return token
      ? wrong(`SCIM_TOKEN was refused by ${at} (HTTP ${res.status}): the token is invalid, expired or not allowed to read the configuration`)
      : ok(`SCIM 2.0 service provider at ${at} (no SCIM_TOKEN to check)`);
  }
  return wrong(`SCIM_URL ${at} does not serve SCIM's ${path} (HTTP ${res.status}): SCIM_URL must be the SCIM base URL, including any path such as /scim/v2`);
}
