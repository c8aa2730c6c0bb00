/**
 * The probes of `usergraph check`: one request (BellaDati: two) per configured provider whose answer
 * tells "this is the provider's API, at the path the gateway will call" from "something answered".
 * A bare 404 (or any answer outside the provider's documented error shapes) means the base URL, its
 * path or the instance is wrong; a refusal of a configured server-side credential means the
 * credential is wrong. Each probe documents why its answer is specific to the provider.
 *
 * Messages name the setting to fix and may show a base URL (without any userinfo) and a path; they
 * never show a credential, the consumer key or an upstream body (only fixed, documented phrases
 * are matched against bodies).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import type { SyncanoConfig } from '../providers/syncano/index.js';
import type { DroplitConfig } from '../providers/droplit/index.js';
import type { PassboltConfig } from '../providers/passbolt/index.js';
import type { BellaDatiConfig } from '../providers/belladati/index.js';
import { authHeaders as bellaDatiAuthHeaders, percentEncode } from '../providers/belladati/credentials.js';
import { parseJsonBody } from '../providers/wire.js';

export interface ProbeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A GET below the provider's base URL, exactly as the gateway joins them (origin + base path + path). */
export type ProbeGet = (path: string, headers: Record<string, string>) => Promise<ProbeResponse>;

export interface ProbeOutcome {
  ok: boolean;
  /** What was verified, or what is wrong and which setting to fix. */
  detail: string;
}

/** Error bodies worth reading are small; anything longer is cut (and never printed anyway). */
const MAX_PROBE_BODY_BYTES = 64 * 1024;

/** The base URL as printed: origin and path, never `user:password@`. */
export function displayUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function createProbeGet(baseUrl: string, timeoutMs: number): ProbeGet {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  return async (path, headers) => {
    // undici never follows redirects here: a redirect is reported, as the gateway refuses it too.
    const res = await request(`${base.origin}${basePath}${path}`, {
      method: 'GET',
      headers: { accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_PROBE_BODY_BYTES) {
        res.body.destroy();
        break;
      }
      chunks.push(chunk);
    }
    return { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
  };
}

const ok = (detail: string): ProbeOutcome => ({ ok: true, detail });
const wrong = (detail: string): ProbeOutcome => ({ ok: false, detail });

function jsonMember(body: string, name: string): unknown {
  const parsed = parseJsonBody(body);
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>)[name] : undefined;
}

function redirect(variable: string, res: ProbeResponse, path: string): ProbeOutcome | undefined {
  if (res.status < 300 || res.status >= 400) return undefined;
  return wrong(`${variable} answers a redirect (HTTP ${res.status}) at ${path}: the gateway never follows redirects; set the URL the redirect points to`);
}

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

/**
 * Passbolt: `GET /users/me.json`, with PASSBOLT_TOKEN as `Authorization: Bearer …` when set.
 *
 * Passbolt answers every `.json` request with its `{"header": {"status", "code", "message", …},
 * "body": …}` envelope, errors included, so:
 * - 401 envelope "Authentication is required to continue." (403 on servers before v3): Passbolt at
 *   the right path; with PASSBOLT_TOKEN set, the token is refused or expired;
 * - 403 envelope with `body.mfa_providers`: the token is valid but its session still needs MFA;
 * - 200 envelope: the token is accepted;
 * - 404 envelope: Passbolt, but PASSBOLT_URL has a path below which `/users/me.json` does not exist;
 * - a 404 without the envelope: not Passbolt at PASSBOLT_URL.
 */
export async function probePassbolt(config: PassboltConfig, get: ProbeGet): Promise<ProbeOutcome> {
  const path = '/users/me.json';
  const token = config.defaultToken;
  const res = await get(path, token ? { authorization: `Bearer ${token}` } : {});
  const at = displayUrl(config.baseUrl);
  const header = jsonMember(res.body, 'header');
  const envelope = typeof header === 'object' && header !== null ? (header as { status?: unknown; message?: unknown }) : undefined;
  const message = typeof envelope?.message === 'string' ? envelope.message : '';
  if (envelope && res.status === 200 && envelope.status === 'success') return ok(`Passbolt API at ${at}; PASSBOLT_TOKEN accepted`);
  if (envelope && res.status === 403) {
    const body = jsonMember(res.body, 'body');
    if (typeof body === 'object' && body !== null && Array.isArray((body as { mfa_providers?: unknown }).mfa_providers)) {
      return wrong(`PASSBOLT_TOKEN is valid on ${at} but its session still needs multi-factor authentication: use a token that has passed MFA`);
    }
  }
  if (envelope && (res.status === 401 || (res.status === 403 && /authentication is required/i.test(message)))) {
    return token
      ? wrong(`PASSBOLT_TOKEN was refused by ${at} (HTTP ${res.status}, authentication required): the token is invalid or expired`)
      : ok(`Passbolt API at ${at} (no PASSBOLT_TOKEN to check)`);
  }
  if (envelope && res.status === 404) {
    return wrong(`PASSBOLT_URL ${at} reaches Passbolt, but ${path} is not found below it: PASSBOLT_URL must be the installation's root URL`);
  }
  if (envelope && res.status !== 200) {
    return wrong(`PASSBOLT_URL ${at} reaches Passbolt, but ${path} answers HTTP ${res.status}${token ? ': check PASSBOLT_TOKEN' : ''}`);
  }
  return (
    redirect('PASSBOLT_URL', res, path) ??
    wrong(
      `PASSBOLT_URL answers HTTP ${res.status} at ${path} without Passbolt's JSON envelope: ` +
        "PASSBOLT_URL must be the Passbolt installation's root URL, e.g. https://passbolt.example.com",
    )
  );
}

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
  const withToken = await get(path, bellaDatiAuthHeaders({ consumerKey: config.consumerKey, realm: config.realm }, token));
  const tokenProblem = [400, 401, 403].includes(withToken.status) ? oauthProblem(withToken.body) : undefined;
  if (withToken.status === 401 || (tokenProblem !== undefined && TOKEN_PROBLEMS.test(tokenProblem))) {
    return wrong(`BELLADATI_TOKEN was refused by ${at} (HTTP ${withToken.status}${tokenProblem ? `, oauth_problem=${tokenProblem}` : ''}): the token is invalid or expired`);
  }
  if (tokenProblem === 'user_not_active') return wrong(`BELLADATI_TOKEN belongs to an inactive BellaDati user (oauth_problem=user_not_active): issue a token of an active user`);
  if (tokenProblem !== undefined) return wrong(`BELLADATI_TOKEN is not usable on ${at} (oauth_problem=${tokenProblem})`);
  return ok(`${found}; BELLADATI_TOKEN accepted`);
}
