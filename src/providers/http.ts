/**
 * The upstream HTTP client every adapter uses: one undici Pool per provider origin (keep-alive,
 * bounded connections), a per-attempt deadline covering headers and body, the request's overall
 * deadline, a cap on the decoded body size, and redirects never followed (a 3xx is returned as is;
 * adapters treat it as a bad response). Retries, the circuit breaker and the in-flight bound come
 * from the provider's `UpstreamGuard` (resilience.ts).
 *
 * Each adapter's pool is bound to its own origin, so a provider's credential has no route to
 * another host. Paths are checked to stay inside the configured base path.
 *
 * Traces: when the call carries a trace context (`UpstreamCallOptions.trace`) and the registry gave a
 * tracer, every attempt is one CLIENT span under it, per the OpenTelemetry HTTP client conventions
 * (https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-client-span): named
 * `<METHOD> <route template>`, with `url.template` (`url.full`, the raw path and query with user ids,
 * emails and filters, only with TRACE_USER_IDS=true, secret-looking parameters redacted), no header,
 * credential or body. A retry is one more span, with
 * `http.request.resend_count`. The attempt span's `traceparent`/`tracestate` (W3C Trace Context) go
 * upstream only where `<PROVIDER>_TRACE_PROPAGATION=true`.
 */
import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import { Pool, errors as undiciErrors } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode, GatewayError } from '../errors.js';
import { logIds } from '../tracing.js';
import type { ProviderName } from './provider-name.js';
import type { UpstreamCallOptions } from './request-scope.js';
import { createUpstreamGuard, type AttemptOutcome, type BreakerState, type UpstreamGuard } from './resilience.js';
import type { ProviderConfigBase } from './types.js';

// The observer's types live apart (types.ts names them without importing this client); re-exported for its users.
export type { UpstreamAttempt, UpstreamObserver } from './upstream-observer.js';

/**
 * One upstream request. Its `signal`, `deadlineAt` and `tally` (`UpstreamCallOptions`) are the
 * GraphQL request's, passed down by the adapter from its `FetchOptions`.
 */
export interface HttpRequest extends UpstreamCallOptions {
  method: 'GET' | 'POST';
  /** Path below the provider's base URL, starting with `/`, every segment already percent-encoded. */
  path: string;
  /**
   * `path`'s route template, without the query (`/users/{id}.json`): the attempt span's name and
   * `url.template`. When absent, one is derived from `path` (`routeTemplate`).
   */
  route?: string;
  /**
   * The request headers, or a function building them for each attempt (BellaDati's OAuth header
   * carries a fresh nonce and timestamp per request, so a retry must not replay the first one's).
   */
  headers: Record<string, string> | (() => Record<string, string>);
  body?: string;
  /** A read sent as POST (Syncano's batch endpoint): may be retried like a GET. */
  idempotent?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body decoded as UTF-8 text (at most `maxBodyBytes`). */
  body: string;
}

export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

export interface HttpClientOptions extends ProviderConfigBase {
  provider: ProviderName;
  /** Statuses with which this provider throttles (default 429; BellaDati also uses 503). */
  throttleStatuses?: readonly number[];
}

/** `Retry-After` as seconds (delta-seconds or an HTTP-date, RFC 9110 §10.2.3); undefined if absent or unusable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Throws unless every segment of `path` is a plain, encoded segment: `.`/`..` (also as `%2e`) would
 * let the URL walk out of the provider's collection (the WHATWG URL parser resolves them).
 */
export function assertSafePath(path: string): void {
  if (!path.startsWith('/') || path.startsWith('//')) throw new Error('upstream path must start with a single /');
  const pathname = path.split('?', 1)[0]!;
  for (const segment of pathname.split('/')) {
    const decoded = safeDecode(segment).toLowerCase();
    if (decoded === '.' || decoded === '..') throw new Error('upstream path has a dot segment');
  }
  // Control characters and spaces never belong in a request target (RFC 9112 §3.2).
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(path) || /[#\\]/.test(path)) throw new Error('upstream path has a forbidden character');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Query parameter names whose values are secrets wherever they appear (keys, tokens, signatures). */
const SECRET_PARAMETER = /(^|_|-)(key|token|secret|password|passwd|signature|sig|nonce)$|^oauth_/i;

/**
 * `path` with the value of every secret-looking query parameter replaced by `REDACTED`, as the
 * semantic conventions ask of `url.full` (https://opentelemetry.io/docs/specs/semconv/registry/attributes/url/#url-full).
 */
export function redactQuery(path: string): string {
  const at = path.indexOf('?');
  if (at < 0) return path;
  const query = path
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name);
      } catch {
        // An undecodable name is compared as sent.
      }
      return SECRET_PARAMETER.test(name) ? `${pair.slice(0, eq)}=REDACTED` : pair;
    })
    .join('&');
  return `${path.slice(0, at)}?${query}`;
}

/**
 * A route template for a path that came without one: the query dropped, and every segment that is
 * not a plain lower-case word (`users`, `user-groups`) or an API version (`v2`, `v1.1`) replaced by
 * `{id}`, a `.json` suffix kept (`/users/f848….json` → `/users/{id}.json`). An id, email or filter
 * value thus never reaches a span; a lower-case word could still be a name, so every adapter passes
 * its own `route`.
 */
export function routeTemplate(path: string): string {
  const pathname = path.split('?', 1)[0]!;
  return pathname
    .split('/')
    .map((segment) => {
      const json = segment.endsWith('.json');
      const stem = json ? segment.slice(0, -'.json'.length) : segment;
      const safe = stem === '' || /^[a-z]+(?:[-_][a-z]+)*$/.test(stem) || /^v\d+(?:\.\d+)*$/.test(stem);
      return (safe ? stem : '{id}') + (json ? '.json' : '');
    })
    .join('/');
}

/** `url.template` is still in development in the conventions, so not exported by the stable package (copied, as its README advises). */
const ATTR_URL_TEMPLATE = 'url.template';
const ATTR_PROVIDER = 'usergraph.provider';
const ATTR_BREAKER_STATE = 'usergraph.breaker.state';

const w3c = new W3CTraceContextPropagator();

/** `application/json` and its `+json` relatives, any parameters (RFC 6839). */
const JSON_CONTENT_TYPE = /^\s*application\/([\w.+-]+\+)?json\s*(;|$)/i;

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = new URL(options.baseUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new TypeError(`${options.provider}: baseUrl must be http(s), got ${base.protocol}`);
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  // The base path is configuration, but may still name a tenant: templated like a path without a route.
  const baseTemplate = routeTemplate(basePath);
  const serverAttributes: Attributes = {
    [ATTR_SERVER_ADDRESS]: base.hostname.replace(/^\[(.*)\]$/, '$1'),
    [ATTR_SERVER_PORT]: base.port ? Number(base.port) : base.protocol === 'https:' ? 443 : 80,
  };
  const pool = new Pool(base.origin, {
    connections: options.connections,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    keepAliveMaxTimeout: Math.max(options.keepAliveTimeoutMs, 1_000),
    connect: { timeout: Math.min(options.timeoutMs, 2_000) },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const provider = options.provider;

  const guard: UpstreamGuard = options.guard ?? createUpstreamGuard(provider, options.resilience);

  /** One attempt: bounded by the attempt timeout and by whatever is left of the request's deadline. */
  const throttleStatuses = new Set(options.throttleStatuses ?? [429]);

  const observer = options.observer;
  const tracer = options.tracing?.tracer;
  const propagate = options.tracePropagation === true;
  const fullUrls = options.tracing?.fullUrls === true;

  /**
   * The breaker's state as the attempt starts. An attempt is only let through an open breaker as its
   * half-open probe, and cockatiel marks the breaker half-open only once that probe has begun.
   */
  function attemptBreakerState(): BreakerState {
    const state = guard.breakerState();
    return state === 'open' ? 'half-open' : state;
  }

  /** The attempt's CLIENT span under the call's trace context; none when the call is not traced. */
  function startAttemptSpan(req: HttpRequest, n: number): Span | undefined {
    if (!tracer || !req.trace) return undefined;
    const template = baseTemplate + (req.route ?? routeTemplate(req.path));
    return tracer.startSpan(
      `${req.method} ${template}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: req.method,
          [ATTR_URL_TEMPLATE]: template,
          ...serverAttributes,
          // Set if and only if the request is a retry (the conventions' requirement level).
          ...(n > 0 && { [ATTR_HTTP_REQUEST_RESEND_COUNT]: n }),
          ...(fullUrls && { [ATTR_URL_FULL]: base.origin + redactQuery(basePath + req.path) }),
          [ATTR_PROVIDER]: provider,
          [ATTR_BREAKER_STATE]: attemptBreakerState(),
        },
      },
      req.trace,
    );
  }

  /** The attempt's headers, with the attempt span's `traceparent`/`tracestate` where this provider takes them. */
  function attemptHeaders(req: HttpRequest, span: Span | undefined): Record<string, string> {
    const headers = typeof req.headers === 'function' ? req.headers() : req.headers;
    if (!span || !propagate || !req.trace) return headers;
    const out = { ...headers };
    w3c.inject(trace.setSpan(req.trace, span), out, { set: (carrier, key, value) => (carrier[key] = value) });
    return out;
  }

  async function attempt(req: HttpRequest, deadlineAt: number, n: number): Promise<HttpResponse & AttemptOutcome> {
    const started = performance.now();
    const left = deadlineAt - started;
    const tally = req.tally;
    if (tally && left > 0) {
      tally.calls++;
      tally.providers.add(provider);
    }
    if (left <= 0) throw new GatewayError(ErrorCode.PROVIDER_TIMEOUT, undefined, { provider, detail: { cause: 'deadline' } });
    const span = startAttemptSpan(req, n);
    // One controller per attempt, aborted by its own timer or by the request's signal; both are
    // cleared when the attempt ends (AbortSignal.timeout/any cannot be, and cost a timer each).
    const controller = new AbortController();
    const signal = controller.signal;
    const timer = setTimeout(() => controller.abort(new DOMException('The upstream attempt timed out.', 'TimeoutError')), Math.min(options.timeoutMs, Math.ceil(left)));
    const parent = req.signal;
    const onParentAbort = () => controller.abort(parent!.reason);
    if (parent) {
      if (parent.aborted) controller.abort(parent.reason);
      else parent.addEventListener('abort', onParentAbort, { once: true });
    }
    try {
      const res = await pool.request({
        method: req.method,
        path: basePath + req.path,
        headers: attemptHeaders(req, span),
        body: req.body,
        signal,
      });
      span?.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      // A success must be JSON: an HTML login page or a proxy's text answer with
      // 200 is a bad response, not a body to parse. Error statuses are read whatever their type.
      if (res.statusCode >= 200 && res.statusCode < 300 && !JSON_CONTENT_TYPE.test(String(res.headers['content-type'] ?? ''))) {
        // Discarded unread: undici reports the destroyed body as an 'error' event, expected here.
        res.body.on('error', () => undefined).destroy();
        throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, undefined, {
          provider,
          reason: 'NOT_JSON',
          detail: { status: res.statusCode, contentType: String(res.headers['content-type'] ?? '').slice(0, 100) },
        });
      }
      let size = 0;
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > options.maxBodyBytes) {
          res.body.destroy();
          throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, undefined, {
            provider,
            reason: 'RESPONSE_TOO_LARGE',
            detail: { status: res.statusCode, limitBytes: options.maxBodyBytes },
          });
        }
        chunks.push(chunk as Buffer);
      }
      const headers = res.headers as IncomingHttpHeaders;
      const throttled = throttleStatuses.has(res.statusCode);
      const retryAfterSeconds = throttled || res.statusCode === 503 ? parseRetryAfter(headers['retry-after']) : undefined;
      observer?.onAttempt({ provider, method: req.method, outcome: res.statusCode, durationMs: performance.now() - started, attempt: n, ...req.logFields, ...(span && logIds(span)) });
      // 4xx is an error on a client span, 5xx on any (https://opentelemetry.io/docs/specs/semconv/http/http-spans/#status).
      if (span && res.statusCode >= 400) {
        span.setAttribute(ATTR_ERROR_TYPE, String(res.statusCode));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      return { status: res.statusCode, headers, body: Buffer.concat(chunks).toString('utf8'), throttled, retryAfterSeconds };
    } catch (error) {
      const failure = toTransportError(error, provider, signal);
      const outcome = failure.extensions.reason === 'RESPONSE_TOO_LARGE' ? 'too_large' : failure.extensions.reason === 'NOT_JSON' ? 'not_json' : failure.code === ErrorCode.PROVIDER_TIMEOUT ? 'timeout' : 'network';
      observer?.onAttempt({ provider, method: req.method, outcome, durationMs: performance.now() - started, attempt: n, ...req.logFields, ...(span && logIds(span)) });
      if (span) {
        // A low-cardinality name for what went wrong, never the error's text (it may quote the provider).
        span.setAttribute(ATTR_ERROR_TYPE, outcome);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      throw failure;
    } finally {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
      span?.end();
    }
  }

  async function request(req: HttpRequest): Promise<HttpResponse> {
    assertSafePath(req.path);
    // Without a request deadline (an adapter used on its own), one attempt's timeout is the whole budget.
    const deadlineAt = req.deadlineAt ?? performance.now() + options.timeoutMs;
    const { retryAfterSeconds: _, throttled: __, ...response } = await guard.run((n) => attempt(req, deadlineAt, n), {
      retryable: req.method === 'GET' || req.idempotent === true,
      deadlineAt,
      signal: req.signal,
    });
    return response;
  }

  return {
    request,
    close: () => pool.close(),
  };
}


/** Maps a failure below HTTP (timeout, refused connection, reset) to a gateway error. */
function toTransportError(error: unknown, provider: ProviderName, signal: AbortSignal): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = (error as { code?: string } | undefined)?.code;
  const timedOut =
    signal.aborted ||
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError ||
    (error as Error | undefined)?.name === 'TimeoutError';
  if (timedOut) {
    return new GatewayError(ErrorCode.PROVIDER_TIMEOUT, undefined, { provider, detail: { cause: code ?? String(error) } });
  }
  return new GatewayError(ErrorCode.PROVIDER_UNAVAILABLE, undefined, { provider, detail: { cause: code ?? String(error) } });
}
