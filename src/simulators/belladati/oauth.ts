/**
 * BellaDati's OAuth 1.0a request check, as the simulator performs it (docs/providers/belladati.md §2,
 * §10, §14): the documented `Authorization: OAuth …` header, the consumer key of the domain, a known
 * access token, a timestamp within a window and a nonce not seen before within that window.
 *
 * Refusals carry an OAuth Problem Reporting body, form-encoded (`oauth_problem=<code>`), which is
 * what BellaDati's SDK parses (belladati-sdk-java `BellaDatiClient.buildException`). Statuses:
 *
 * | Problem | Status | Why this status |
 * |---|---|---|
 * | header missing or without `oauth_consumer_key` → `missing_consumer` | 400 | SDK `ExceptionTest` fixture |
 * | unparseable header or parameter → `parameter_rejected` | 400 | "400 bad input parameter" (REST API, Error Handling) |
 * | unknown consumer key → `invalid_consumer` | 403 | "403 bad OAuth request (wrong consumer key …)" (Error Handling) |
 * | missing or unknown token → `invalid_token` | 401 | "401 bad or expired token" (Error Handling) |
 * | missing timestamp or nonce → `parameter_absent` | 400 | OAuth Problem Reporting, `oauth_parameters_absent` |
 * | timestamp outside ±300 s → `timestamp_refused` + `oauth_acceptable_timestamps` | 400 | SDK `ExceptionTest` fixture |
 * | nonce reused within the window → `nonce_used` | 401 | replay: the request is not authenticated (status not documented) |
 * | the token's user is inactive → `user_not_active` | 403 | SDK `ExceptionTest` fixture |
 *
 * An `oauth_signature`, if sent, is not verified: the documented header has none and the Access
 * Control page makes signing optional (docs/providers/belladati.md §2).
 */
import { text, type SimulatorResponse } from '../http-simulator.js';

/** How far `oauth_timestamp` may be from the simulator's clock, in seconds (BellaDati publishes no number; docs/providers/belladati.md §14). */
export const TIMESTAMP_WINDOW_SECONDS = 300;

/** The OAuth parameters of one header (realm excluded), decoded. */
export type OAuthParams = Map<string, string>;

/** `OAuth name="value", name="value"`; optional whitespace around commas (RFC 5849 §3.5.1). */
const SCHEME = /^OAuth\s+/i;
const PARAM = /\s*([A-Za-z0-9_.~%-]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

/** Parses the header; null when it is not an OAuth header, undefined when it is but malformed. */
export function parseOAuthHeader(header: string | undefined): OAuthParams | null | undefined {
  if (header === undefined || !SCHEME.test(header)) return null;
  const rest = header.replace(SCHEME, '');
  const params: OAuthParams = new Map();
  PARAM.lastIndex = 0;
  while (PARAM.lastIndex < rest.length) {
    const start = PARAM.lastIndex;
    const m = PARAM.exec(rest);
    if (!m || PARAM.lastIndex === start) return rest.slice(start).trim() === '' ? params : undefined;
    const [, name, value] = m;
    // realm is an RFC 2617 quoted-string, not a percent-encoded OAuth parameter (RFC 5849 §3.5.1).
    if (name === 'realm') continue;
    const decodedName = safeDecode(name!);
    const decodedValue = safeDecode(value!);
    if (decodedName === null || decodedValue === null || params.has(decodedName)) return undefined;
    params.set(decodedName, decodedValue);
  }
  return params;
}

function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/** Remembers nonces per consumer, token and timestamp for as long as their timestamp is acceptable (RFC 5849 §3.3). */
export function createNonceStore() {
  const seen = new Map<string, number>();
  let sweptAt = -Infinity;
  return {
    /** True when the nonce is fresh (and records it); false on a replay. */
    use(key: string, timestamp: number, now: number): boolean {
      // Forget nonces whose timestamps have left the window, at most once a second (a scan per
      // request would make every request cost as much as the nonces of the last 300 s).
      if (now - sweptAt >= 1) {
        sweptAt = now;
        for (const [k, ts] of seen) if (ts < now - TIMESTAMP_WINDOW_SECONDS) seen.delete(k);
      }
      if (seen.has(key)) return false;
      seen.set(key, timestamp);
      return true;
    },
  };
}

export type NonceStore = ReturnType<typeof createNonceStore>;

export interface OAuthContext {
  consumerKey: string;
  /** Access token → user id. */
  tokens: Record<string, string>;
  nonces: NonceStore;
  /** Whether a user id belongs to an existing, active user (undefined: no such user). */
  isActive(userId: string): boolean | undefined;
}

/** Checks a request's `Authorization` header; the caller's user id, or the refusal to send. */
export function authenticate(header: string | undefined, context: OAuthContext): { userId: string } | SimulatorResponse {
  const params = parseOAuthHeader(header);
  if (params === undefined) return problem(400, { oauth_problem: 'parameter_rejected' });
  const consumerKey = params?.get('oauth_consumer_key');
  if (!params || !consumerKey) return problem(400, { oauth_problem: 'missing_consumer' });
  if (consumerKey !== context.consumerKey) return problem(403, { oauth_problem: 'invalid_consumer' });

  const token = params.get('oauth_token');
  const userId = token !== undefined && Object.hasOwn(context.tokens, token) ? context.tokens[token] : undefined;
  const active = userId === undefined ? undefined : context.isActive(userId);
  if (userId === undefined || active === undefined) return problem(401, { oauth_problem: 'invalid_token' });

  const rawTimestamp = params.get('oauth_timestamp');
  const nonce = params.get('oauth_nonce');
  if (!rawTimestamp || !nonce) {
    const absent = [!rawTimestamp && 'oauth_timestamp', !nonce && 'oauth_nonce'].filter(Boolean).join('&');
    return problem(400, { oauth_problem: 'parameter_absent', oauth_parameters_absent: absent });
  }
  const now = Math.floor(Date.now() / 1000);
  const timestamp = /^\d{1,12}$/.test(rawTimestamp) ? Number(rawTimestamp) : NaN;
  if (!(Math.abs(timestamp - now) <= TIMESTAMP_WINDOW_SECONDS)) {
    return problem(400, {
      oauth_problem: 'timestamp_refused',
      oauth_acceptable_timestamps: `${now - TIMESTAMP_WINDOW_SECONDS}-${now + TIMESTAMP_WINDOW_SECONDS}`,
    });
  }
  if (!context.nonces.use(`${consumerKey}\n${token}\n${timestamp}\n${nonce}`, timestamp, now)) {
    return problem(401, { oauth_problem: 'nonce_used' });
  }
  if (!active) return problem(403, { oauth_problem: 'user_not_active' });
  return { userId };
}

/** An OAuth Problem Reporting body, form-encoded. */
export function problem(status: number, fields: Record<string, string>): SimulatorResponse {
  return text(status, new URLSearchParams(fields).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
}
