/**
 * `usergraph check`'s probe of Droplit (see src/providers/probe.ts): one request whose answer tells Droplit's
 * API at the right base URL and path from any other server that merely answers.
 */
import { displayUrl, jsonMember, ok, redirect, wrong, type ProbeGet, type ProbeOutcome } from '../probe.js';
import { parseJsonBody } from '../wire.js';
import type { DroplitConfig } from './index.js';

/** A well-formed ecosystem id (`C` + 24 lower-case hex) that no ecosystem has. */
const PROBE_DROPLIT_USER = 'C000000000000000000000000;usergraph-check';

/**
 * Droplit: `GET /api/users/C000000000000000000000000;usergraph-check` (the gateway's get-a-user path,
 * a well-formed id, no query string), with DROPLIT_TOKEN as the raw `Authorization` value when set.
 *
 * - 401 (documented with an empty body) for a missing or unknown token: Droplit's users API at the
 *   right path; with DROPLIT_TOKEN set, the token is refused;
 * - 404 `Ecosystem with id … does not exist.` (Droplit's documented text): the token was accepted
 *   and the ecosystem looked up;
 * - "Token type not permitted!": the token is a user token, which may only read its own record;
 * - 400 with the standard error structure `{"errorType": "InvalidParams", …}`: Droplit as well;
 * - any other 404 (no route at all): not Droplit's API at DROPLIT_URL.
 */
export async function probeDroplit(config: DroplitConfig, get: ProbeGet): Promise<ProbeOutcome> {
  const path = `/api/users/${PROBE_DROPLIT_USER}`;
  const token = config.defaultToken;
  const res = await get(path, token ? { authorization: token } : {});
  const at = displayUrl(config.baseUrl);
  if ((res.status === 401 || res.status === 403) && /token type not permitted/i.test(res.body)) {
    return wrong(`DROPLIT_TOKEN is accepted by ${at} but may not read other users ("Token type not permitted!"): use a server or account token`);
  }
  if (res.status === 401) {
    return token ? wrong(`DROPLIT_TOKEN was refused by ${at} (HTTP 401): check the token`) : ok(`Droplit users API at ${at} (no DROPLIT_TOKEN to check)`);
  }
  if (res.status === 404 && /^\s*ecosystem with id .* does not exist/i.test(res.body)) {
    return ok(`Droplit users API at ${at}${token ? '; DROPLIT_TOKEN accepted' : ''}`);
  }
  if ((res.status === 400 && jsonMember(res.body, 'errorType') === 'InvalidParams') || (res.status === 200 && parseJsonBody(res.body) !== undefined)) {
    return ok(`Droplit users API at ${at}${token ? '; DROPLIT_TOKEN accepted' : ''}`);
  }
  return (
    redirect('DROPLIT_URL', res, path) ??
    wrong(
      `DROPLIT_URL answers HTTP ${res.status} at /api/users/…, not as Droplit's users API: ` +
        'DROPLIT_URL must be the API host without a path, e.g. https://ioe.droplit.io',
    )
  );
}
