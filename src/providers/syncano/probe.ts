/**
 * `usergraph check`'s probe of Syncano (see src/providers/probe.ts): one request whose answer tells Syncano's
 * API at the right base URL, path and instance from any other server that merely answers.
 */
import { displayUrl, jsonMember, ok, redirect, wrong, type ProbeGet, type ProbeOutcome } from '../probe.js';
import type { SyncanoConfig } from './index.js';

/**
 * Syncano: `GET /v1.1/instances/{instance}/users/?page_size=1`, with SYNCANO_API_KEY as `X-API-KEY`
 * when it is set, else without credentials.
 *
 * Syncano's server resolves the instance before it authenticates or checks permissions, so:
 * - 404 `{"detail": "Instance was not found."}`: the server is Syncano and the instance is wrong;
 * - 403 `{"detail": "No such API Key."}`: the instance exists and the key is refused;
 * - 401/403 with a DRF `{"detail": "…"}` body (no key, or a key that may not list users) or 200 with
 *   the list envelope `{"objects": […]}`: Syncano, at the right path, with an existing instance;
 * - anything else, a 404 without that detail in particular: not Syncano's v1.1 API at SYNCANO_URL.
 */
export async function probeSyncano(config: SyncanoConfig, get: ProbeGet): Promise<ProbeOutcome> {
  const instance = config.instance.toLowerCase();
  const path = `/v1.1/instances/${encodeURIComponent(instance)}/users/`;
  const res = await get(`${path}?page_size=1`, config.defaultApiKey ? { 'x-api-key': config.defaultApiKey } : {});
  const detail = jsonMember(res.body, 'detail');
  const at = displayUrl(config.baseUrl);
  if (res.status === 404 && typeof detail === 'string' && /instance was not found/i.test(detail)) {
    return wrong(`SYNCANO_INSTANCE '${config.instance}' does not exist on ${at}: check the instance name`);
  }
  if (res.status === 403 && typeof detail === 'string' && /no such api key/i.test(detail)) {
    return wrong(`SYNCANO_API_KEY was refused by ${at} ("No such API Key."): check the key, an instance API key of '${instance}'`);
  }
  const found = `instance '${instance}' found at ${at}`;
  if ((res.status === 401 || res.status === 403) && typeof detail === 'string') {
    return ok(config.defaultApiKey ? `${found}; SYNCANO_API_KEY accepted (it may not list users without a user key)` : `${found} (no SYNCANO_API_KEY to check)`);
  }
  if (res.status === 200 && Array.isArray(jsonMember(res.body, 'objects'))) return ok(config.defaultApiKey ? `${found}; SYNCANO_API_KEY accepted` : found);
  return (
    redirect('SYNCANO_URL', res, path) ??
    wrong(
      `SYNCANO_URL answers HTTP ${res.status} at ${path}, not as Syncano's v1.1 API: ` +
        'SYNCANO_URL must be the API host without a path, e.g. https://api.syncano.io',
    )
  );
}
