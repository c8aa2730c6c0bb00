/**
 * Cross-origin access to `/graphql`: which web origins may read the gateway's responses from a
 * browser, and which request headers they may send. Built on the `cors` package; the front door runs
 * it before anything else on `/graphql` and answers a preflight (`OPTIONS`) itself with 204.
 *
 * Closed by default: only the origins in `CORS_ORIGINS` are allowed. In demo mode, unless
 * `CORS_ORIGINS` is set, any http(s) origin on localhost, 127.0.0.1 or [::1] (any port) is allowed,
 * so a web app under development on another port works out of the box.
 *
 * CORS only tells the browser whether a page may read a response; refusing cross-site requests that
 * need no preflight is CSRF prevention's job (`CSRF_PREFLIGHT_HEADERS`, used by server.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors, { type CorsOptions } from 'cors';
import type { CorsConfig } from './config.js';
import { PROVIDER_MODULES } from './providers/registry.js';

/** Every header a client sends a provider's credentials or caller identity in (lower case), from the provider modules. */
export const PROVIDER_CREDENTIAL_HEADERS: readonly string[] = PROVIDER_MODULES.flatMap((m) => m.credentialHeaders.map((name) => name.toLowerCase()));

/**
 * Headers whose presence proves a request was preflighted: a browser sends none of them
 * cross-origin without asking first (none is CORS-safelisted). Apollo's own two, plus every
 * provider credential header, so a GET carrying credentials (urql's default for short queries)
 * needs no extra `apollo-require-preflight`.
 */
export const CSRF_PREFLIGHT_HEADERS = ['apollo-require-preflight', 'x-apollo-operation-name', ...PROVIDER_CREDENTIAL_HEADERS];

/** The request headers a cross-origin page may send. */
export const CORS_ALLOWED_HEADERS = [
  'content-type',
  'accept',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
  ...PROVIDER_CREDENTIAL_HEADERS,
];

/** The response headers a cross-origin page may read (besides the CORS-safelisted ones). */
export const CORS_EXPOSED_HEADERS = ['x-request-id', 'retry-after'];

/** http(s) on a loopback host, any port; nothing after the port (an origin has no path). */
const LOOPBACK_ORIGIN = /^https?:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/;

/** Whether a request's `Origin` may read the gateway's responses. */
export function originAllowed(config: CorsConfig, origin: string | undefined): boolean {
  if (config.origins.includes('*')) return true;
  if (origin === undefined) return false;
  return config.origins.includes(origin) || (config.loopbackOrigins && LOOPBACK_ORIGIN.test(origin));
}

/** The `cors` package's options for an origin already allowed. */
export function corsOptions(config: CorsConfig): CorsOptions {
  const anyOrigin = config.origins.includes('*');
  return {
    // `true` reflects the caller's origin (with `Vary: Origin`); `*` when any origin may call.
    origin: anyOrigin ? '*' : true,
    credentials: config.credentials && !anyOrigin,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: config.maxAgeS > 0 ? config.maxAgeS : undefined,
    // The front door ends the preflight itself, so it never reaches Apollo (whose CSRF check would refuse it).
    preflightContinue: true,
  };
}

/**
 * The CORS step: sets the CORS headers for an allowed origin (none at all for any other) and
 * gives true when it answered the request itself (an `OPTIONS` preflight, 204 with no body), false
 * when the caller carries on: at once for an origin that is not allowed (or none), through a promise
 * when the `cors` middleware runs.
 */
export function createCors(config: CorsConfig): (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean> {
  const middleware = cors(corsOptions(config));
  const anyOrigin = config.origins.includes('*');
  const finish = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method?.toUpperCase() !== 'OPTIONS') return false;
    res.statusCode = 204;
    res.setHeader('content-length', '0');
    res.end();
    return true;
  };
  return (req, res) => {
    if (!originAllowed(config, req.headers.origin)) {
      // The answer depends on the origin: shared caches must keep one per origin.
      if (!anyOrigin) res.setHeader('vary', 'Origin');
      return finish(req, res);
    }
    return new Promise((resolve, reject) => {
      middleware(req, res, (error?: unknown) => {
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(finish(req, res));
      });
    });
  };
}
