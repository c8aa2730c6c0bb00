/**
 * `usergraph check`'s probe of BellaDati (see src/providers/probe.ts): one request whose answer tells BellaDati's
 * API at the right base URL, path and consumer key from any other server that merely answers.
 */
import { randomBytes } from 'node:crypto';
import { displayUrl, jsonMember, ok, redirect, wrong, type ProbeGet, type ProbeOutcome } from '../probe.js';
import { parseJsonBody } from '../wire.js';
import { authHeaders, percentEncode } from './credentials.js';
import type { BellaDatiConfig } from './index.js';

/** OAuth problems that blame the consumer key (or signature), a server-side setting. */
const CONSUMER_PROBLEMS = /^(missing_consumer|invalid_consumer|consumer_key_unknown|consumer_key_rejected|consumer_key_refused|invalid_signature|signature_invalid|signature_method_rejected)$/;
/** OAuth problems that blame the access token. */
const TOKEN_PROBLEMS = /^(missing_token|invalid_token|token_expired|token_rejected|token_revoked|unauthorized_token|nonce_used|invalid_credentials|account_locked)$/;

/** `oauth_problem` of a BellaDati error body: form-encoded (what BellaDati's SDK parses) or a JSON member. */
function oauthProblem(body: string): string | undefined {
  const json = parseJsonBody(body);
  const raw = json === undefined ? new URLSearchParams(body.trim()).get('oauth_problem') : jsonMember(body, 'oauth_problem');
  return typeof raw === 'string' && /^[a-z_]{1,64}$/i.test(raw) ? raw.toLowerCase() : undefined;
}

/**
 * BellaDati: `GET /users/1` below BELLADATI_URL (the gateway's GET User Detail path), twice:
 *
 * 1. With the configured consumer key and no token. BellaDati's OAuth layer refuses it before any
 *    routing with 400/401/403 and an OAuth Problem Reporting body (`oauth_problem=…`, form-encoded
 *    or JSON): a consumer problem (`invalid_consumer`, …) means BELLADATI_CONSUMER_KEY is wrong;
 *    `timestamp_refused` means this machine's clock is off; a token problem means the consumer key
 *    passed and this is BellaDati's API. A plain 404 means no API at that path (the URL must end in
 *    `/api`); any other answer, without an `oauth_problem`, is not BellaDati's OAuth API.
 * 2. Only when BELLADATI_TOKEN is set and step 1 passed: the same request as the gateway sends it,
 *    with the token. A token problem (or a 401) means the token is refused; anything else (the user,
 *    or 403/404 for a user it may not read) means it was accepted.
 */
export async function probeBellaDati(config: BellaDatiConfig, get: ProbeGet): Promise<ProbeOutcome> {
  const path = '/users/1';
  const at = displayUrl(config.baseUrl);
  const parts = [
    `oauth_consumer_key="${percentEncode(config.consumerKey)}"`,
    `oauth_timestamp="${Math.floor(Date.now() / 1000)}"`,
    `oauth_nonce="${randomBytes(16).toString('hex')}"`,
  ];
  if (config.realm) parts.unshift(`realm="${config.realm.replace(/["\\]/g, '\\$&')}"`);
  const res = await get(path, { authorization: `OAuth ${parts.join(', ')}` });
  const problem = res.status === 400 || res.status === 401 || res.status === 403 ? oauthProblem(res.body) : undefined;

  if (problem !== undefined && CONSUMER_PROBLEMS.test(problem)) {
    return wrong(`BELLADATI_CONSUMER_KEY was refused by ${at} (oauth_problem=${problem}): set the OAuth consumer key of the BellaDati domain`);
  }
  if (problem === 'timestamp_refused') {
    return wrong(`${at} refused this machine's clock (oauth_problem=timestamp_refused): synchronise the clock (NTP)`);
  }
  if (problem === undefined) {
    const endsInApi = /\/api$/.test(new URL(config.baseUrl).pathname.replace(/\/+$/, ''));
    if (res.status === 404) {
      return wrong(
        endsInApi
          ? `BELLADATI_URL answers 404 at ${path}: no BellaDati API at ${at}; check the host and path (e.g. https://service.belladati.com/api)`
          : `BELLADATI_URL answers 404 at ${path}: the URL must end in /api (e.g. https://service.belladati.com/api or https://<host>/belladati/api)`,
      );
    }
    return (
      redirect('BELLADATI_URL', res, path) ??
      wrong(
        `BELLADATI_URL answers HTTP ${res.status} at ${path} without an oauth_problem, not as BellaDati's OAuth API: ` +
          `BELLADATI_URL must be the API root ending in /api${endsInApi ? '' : ' (it does not)'}`,
      )
    );
  }

  const found = `BellaDati API at ${at}; BELLADATI_CONSUMER_KEY accepted`;
  const token = config.defaultToken;
  if (!token) return ok(`${found} (no BELLADATI_TOKEN to check)`);
  const withToken = await get(path, authHeaders({ consumerKey: config.consumerKey, realm: config.realm }, token));
  const tokenProblem = [400, 401, 403].includes(withToken.status) ? oauthProblem(withToken.body) : undefined;
  if (withToken.status === 401 || (tokenProblem !== undefined && TOKEN_PROBLEMS.test(tokenProblem))) {
    return wrong(`BELLADATI_TOKEN was refused by ${at} (HTTP ${withToken.status}${tokenProblem ? `, oauth_problem=${tokenProblem}` : ''}): the token is invalid or expired`);
  }
  if (tokenProblem === 'user_not_active') return wrong(`BELLADATI_TOKEN belongs to an inactive BellaDati user (oauth_problem=user_not_active): issue a token of an active user`);
  if (tokenProblem !== undefined) return wrong(`BELLADATI_TOKEN is not usable on ${at} (oauth_problem=${tokenProblem})`);
  return ok(`${found}; BELLADATI_TOKEN accepted`);
}
