/**
 * The gateway: Apollo Server behind a thin node:http front door. No environment reads here
 * (main.ts does that), so tests can build as many gateways as they like.
 *
 * The front door serves `/graphql` (GET and POST, per the GraphQL-over-HTTP spec), `/healthz`
 * (liveness), `/readyz` (readiness, per provider), `/metrics` (Prometheus), caps the request body, answers malformed JSON with a GraphQL-shaped 400 (never an HTML page or a
 * stack trace), and hands everything else to Apollo's `executeHTTPGraphQLRequest`.
 *
 * Every request gets an id (the client's `X-Request-Id` when well-formed, else a UUID), echoed as
 * `x-request-id` and bound to every log line about that request. A client's own mistakes (a bad
 * request target, a body cut short, bytes that are not UTF-8) are answered or dropped quietly and
 * logged at debug: only the gateway's own failures are errors.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GatewayConfig } from './config.js';
import type { RequestLogFields } from './providers/request-scope.js';
import { createContext, type ContextOptions, type GatewayContext } from './context.js';
import type { Logger } from './logger.js';
import { createErrorMaskingPlugin, formatError } from './plugins/error-masking.js';
import { createLimitRules, createUpstreamBudgetPlugin } from './plugins/operation-limits.js';
import { createReadOnlyPlugin } from './plugins/read-only.js';
import { createRegistry, PROVIDERS, type ProviderRegistry } from './providers/registry.js';
import { createSchema } from './schema.js';
import { createPlayground, wantsPlayground } from './playground.js';
import { createMetrics, type GatewayMetrics } from './metrics.js';
import { createOperationLogPlugin } from './plugins/operation-log.js';
import type { ProviderName } from './providers/provider-name.js';
import type { UpstreamAttempt } from './providers/http.js';
import { playgroundTabs } from './playground-examples.js';
import { createCors, CSRF_PREFLIGHT_HEADERS } from './cors.js';
import { createCacheBackend } from './cache/create-store.js';
import { createUserCache } from './cache/user-cache.js';
import { createStaleMarkerPlugin } from './plugins/stale-marker.js';
import { createTracingPlugin } from './plugins/tracing.js';
import { createInlineTracePlugin } from './plugins/inline-trace.js';
import { callerLogIds, createDisabledTracing, logIds, withSpan, type GatewayTracing, type RequestSpan } from './tracing.js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { createApqCache } from './persisted/apq-cache.js';
import { loadTrustedDocuments, type TrustedDocuments } from './persisted/trusted-documents.js';
import { createJitGateway, type CompiledOperationStats } from './executor/jit.js';

export interface GatewayDeps {
  logger: Logger;
  /** Defaults to a fresh registry per gateway. */
  metrics?: GatewayMetrics;
  /** The cache's clock, milliseconds since the epoch (tests move it); defaults to Date.now. */
  now?: () => number;
  /** The PERSISTED_DOCUMENTS manifest, already loaded (start.ts checks it first); else loaded here. */
  trustedDocuments?: TrustedDocuments;
  /** OpenTelemetry traces (tracing.ts); defaults to off. */
  tracing?: GatewayTracing;
}

export interface Gateway {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly httpServer: Server;
  readonly registry: ProviderRegistry;
  readonly metrics: GatewayMetrics;
  /** The compiled-operation cache (EXECUTOR=graphql-jit); undefined with graphql-js. */
  compiledOperations(): CompiledOperationStats | undefined;
  /** Starts listening; resolves to the `/graphql` URL. */
  listen(port?: number, host?: string): Promise<string>;
  /**
   * Stops accepting requests (readiness turns 503 at once), lets in-flight ones finish within
   * `shutdownTimeoutMs`, then closes what is left and the upstream pools.
   */
  stop(): Promise<void>;
}

export async function createGateway(config: Readonly<GatewayConfig>, deps: GatewayDeps): Promise<Gateway> {
  // First: a bad manifest is a ConfigError, thrown before anything is opened.
  const trustedDocuments = deps.trustedDocuments ?? (config.persistedDocuments && loadTrustedDocuments(config.persistedDocuments));
  const metrics = deps.metrics ?? createMetrics();
  const upstreamLogger = deps.logger.child({ component: 'upstream' });
  const tracing = deps.tracing ?? createDisabledTracing();
  const registry = createRegistry(config.providers, {
    logger: deps.logger,
    tracing,
    traceUserIds: config.traceUserIds,
    observer: {
      onAttempt(attempt: UpstreamAttempt) {
        metrics.onAttempt(attempt);
        upstreamLogger.debug(attempt, 'upstream call');
      },
    },
  });
  metrics.watch(registry);
  // The cache store (in-process, or Redis shared by the replicas) and its keys: provider user records
  // (src/cache/user-cache.ts) and persisted queries live there.
  const { store: cacheStore, crypto: cacheCrypto } = createCacheBackend(config.cache, deps.logger);
  metrics.watchStore(cacheStore);
  const userCache = createUserCache({ store: cacheStore, crypto: cacheCrypto, policies: config.cache.providers, observer: metrics, now: deps.now });
  let stopping = false;
  // graphql-jit runs operations through Apollo's `gateway` option (src/executor/jit.ts), which replaces `schema`.
  const jit = config.executor === 'graphql-jit' ? createJitGateway(createSchema) : undefined;
  const apollo = new ApolloServer<GatewayContext>({
    ...(jit ? { gateway: jit } : { schema: createSchema() }),
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: !config.fieldSuggestions,
    // The gateway drains on SIGTERM/SIGINT itself (start.ts). Apollo's own handler (on unless
    // NODE_ENV=test) would stop the server and re-raise the signal, killing in-flight requests.
    stopOnTerminationSignals: false,
    // Apollo's own messages go through the gateway's JSON logger, never as plain text.
    logger: deps.logger,
    // A provider credential header forces a browser preflight just like Apollo's own headers do.
    csrfPrevention: { requestHeaders: CSRF_PREFLIGHT_HEADERS },
    allowBatchedHttpRequests: false,
    // APQ in the shared store (src/persisted/apq-cache.ts); off when only trusted documents run, so nobody registers new ones.
    persistedQueries:
      config.persistedQueries.enabled && !config.persistedDocuments?.only
        ? { cache: createApqCache(cacheStore, cacheCrypto, { defaultTtlS: config.persistedQueries.ttlS, onStoreError: (op) => metrics.onPersistedQueryStoreError(op) }), ttl: config.persistedQueries.ttlS }
        : false,
    // Apollo's own token limit answers 400 GRAPHQL_PARSE_FAILED before validation runs.
    parseOptions: { maxTokens: config.limits.maxTokens },
    validationRules: createLimitRules(config.limits),
    maxRecursiveSelections: true,
    formatError,
    plugins: [
      createErrorMaskingPlugin(deps.logger),
      createReadOnlyPlugin(),
      createUpstreamBudgetPlugin(config.limits, (provider) => {
        const adapter = registry.get(provider as ProviderName);
        return { idsPerCall: adapter?.idsPerCall, listPageSize: adapter?.directory?.listPageSize };
      }),
      createStaleMarkerPlugin(),
      // Spans only exist with tracing on; off, the plugin would be one more hook call per request.
      ...(tracing.enabled ? [createTracingPlugin()] : []),
      createInlineTracePlugin(),
      createOperationLogPlugin(deps.logger, metrics),
      // Apollo's landing page loads from a CDN; the gateway serves its own offline playground instead.
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints in this schema: without this Apollo wraps every resolver to compute them.
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
  await apollo.start();

  const playground = config.playground ? createPlayground({ endpoint: '/graphql', tabs: playgroundTabs(config.mode === 'demo'), persistHeaders: config.mode === 'demo' }) : undefined;

  /** Requests being answered; shutdown waits for them. */
  let inFlight = 0;
  let onDrained: (() => void) | undefined;

  const httpServer = createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      // Node enforces the two timeouts above only when it checks, every 30 s by default: a client
      // trickling its headers would hold a connection up to 30 s past the setting.
      connectionsCheckingInterval: Math.min(1_000, config.headersTimeoutMs),
    },
    (req, res) => {
      const requestId = requestIdFrom(req.headers['x-request-id']);
      // One span per GraphQL request, under the caller's trace (traceparent) when it sent one; its ids
      // go on every log line of the request. Named after the operation once known (plugins/tracing.ts).
      const span = tracing.enabled && isGraphQLTarget(req.url) ? startRequestSpan(req) : undefined;
      // Without a span of its own, a request's lines still carry the caller's trace (its traceparent).
      const logFields: RequestLogFields = { requestId, ...(span ? logIds(span.span) : callerLogIds(req.headers)) };
      const log = deps.logger.child(logFields);
      res.setHeader('x-request-id', requestId);
      // While shutting down, tell keep-alive clients to reconnect (elsewhere).
      if (stopping) res.setHeader('connection', 'close');
      inFlight++;
      res.once('close', () => {
        if (span) {
          span.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
          if (res.statusCode >= 500) span.span.setStatus({ code: SpanStatusCode.ERROR });
          span.span.end();
        }
        if (--inFlight === 0) onDrained?.();
      });
      handle(req, res, logFields, log, span).catch((error: unknown) => {
        if (clientWentAway(req, error)) {
          log.debug({ reason: 'client-gone' }, 'the client went away mid-request');
          res.destroy();
          return;
        }
        log.error({ err: error }, 'unhandled error in the HTTP handler');
        if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
        else res.destroy();
      });
    },
  );
  httpServer.keepAliveTimeout = 5_000;
  // Past the cap Node closes each new connection at once; one warning a minute says so.
  httpServer.maxConnections = config.maxConnections;
  let lastDropWarning = 0;
  httpServer.on('drop', () => {
    const now = Date.now();
    if (now - lastDropWarning < 60_000) return;
    lastDropWarning = now;
    deps.logger.warn({ maxConnections: config.maxConnections }, 'connection limit reached: new connections are closed');
  });

  const contextOptions: ContextOptions = {
    deadlineMs: config.requestDeadlineMs,
    onBatch: (provider: ProviderName, size: number) => metrics.onBatch(provider, size),
    cache: userCache,
    ...(tracing.enabled && { tracer: tracing.tracer, traceUserIds: config.traceUserIds }),
  };

  const applyCors = createCors(config.cors);

  /** The request's span and the context its children start under. */
  function startRequestSpan(req: IncomingMessage): RequestSpan {
    const parent = tracing.extract(req.headers);
    // The HTTP server span attributes of the semantic conventions
    // (https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-server); never the query
    // string (a GET's operation may hold ids as literals) nor the client's address.
    const host = hostAndPort(req.headers.host);
    const userAgent = req.headers['user-agent'];
    const span = tracing.tracer.startSpan(
      'GraphQL Operation',
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: req.method ?? 'GET',
          [ATTR_URL_SCHEME]: 'http',
          [ATTR_URL_PATH]: '/graphql',
          [ATTR_HTTP_ROUTE]: '/graphql',
          [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
          ...(host && { [ATTR_SERVER_ADDRESS]: host.address }),
          [ATTR_SERVER_PORT]: host?.port ?? req.socket.localPort ?? config.port,
          ...(userAgent && { [ATTR_USER_AGENT_ORIGINAL]: userAgent }),
        },
      },
      parent,
    );
    return { span, context: withSpan(parent, span) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, logFields: RequestLogFields, log: Logger, span: RequestSpan | undefined): Promise<void> {
    // The common target, `/graphql` with no query string, needs no URL parser.
    let url: { pathname: string; search: string; searchParams: URLSearchParams } = GRAPHQL_TARGET;
    if (req.url !== '/graphql') {
      try {
        url = new URL(req.url ?? '/', 'http://gateway.invalid');
      } catch {
        refuse(res, log, 400, 'BAD_REQUEST', 'The request target is not a valid URL.', 'invalid-url');
        return;
      }
    }
    // CORS first, so a page may read every answer (503 too); a preflight ends here (204), never reaching Apollo.
    if (url.pathname === '/graphql') {
      const answered = applyCors(req, res);
      // Only an allowed origin goes through the `cors` middleware (a callback); otherwise no await.
      if (typeof answered === 'boolean' ? answered : await answered) return;
    }
    if (stopping && url.pathname !== '/healthz' && url.pathname !== '/readyz' && url.pathname !== '/metrics') {
      refuse(res, log, 503, 'SHUTTING_DOWN', 'The gateway is shutting down. Retry the request.', 'shutting-down');
      return;
    }
    if (url.pathname === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (url.pathname === '/readyz') {
      sendJson(res, stopping ? 503 : 200, readiness());
      return;
    }
    if (url.pathname === '/metrics') {
      // With tracing on, OpenMetrics (with exemplars) to a scraper that asks for it, Prometheus text
      // to any other. With tracing off there is no exemplar to serve: Prometheus text to every
      // scraper, as before tracing existed (a Prometheus 2 would store `le="1"` anew as `le="1.0"`).
      const { contentType, body } = await metrics.exposition(tracing.enabled ? req.headers.accept : undefined);
      res.writeHead(200, { 'content-type': contentType, vary: 'Accept' });
      res.end(body);
      return;
    }
    if (playground && (url.pathname.startsWith(playground.assetPrefix) || wantsPlayground(req.method, req.headers.accept, url.searchParams))) {
      if (playground.serve(url.pathname, res)) return;
    }
    if (url.pathname !== '/graphql') {
      sendJson(res, 404, { errors: [{ message: 'Not found. The GraphQL endpoint is /graphql.', extensions: { code: 'NOT_FOUND' } }] });
      return;
    }
    if (!playground && wantsPlayground(req.method, req.headers.accept, url.searchParams)) {
      sendPlaygroundOff(res);
      return;
    }

    const raw = await readBody(req, config.requestMaxBodyBytes);
    if (raw === 'aborted') {
      log.debug({ reason: 'client-aborted' }, 'the client closed the connection before sending the whole body');
      res.destroy();
      return;
    }
    if (raw === 'too-large') {
      refuse(res, log, 413, 'BAD_REQUEST', 'Request body too large.', 'body-too-large');
      return;
    }
    // Never replace bad bytes with U+FFFD: an id altered that way would reach a provider.
    const body = decodeUtf8(raw);
    if (body === undefined) {
      refuse(res, log, 400, 'BAD_REQUEST', 'The request body is not valid UTF-8.', 'invalid-utf8');
      return;
    }

    const headers = new HeaderMap();
    const incoming = req.headers;
    for (const name in incoming) {
      const value = incoming[name];
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let parsedBody: unknown = body;
    if (req.method === 'POST' && (headers.get('content-type') ?? '').toLowerCase().includes('json')) {
      try {
        parsedBody = body.length ? JSON.parse(body) : undefined;
      } catch {
        refuse(res, log, 400, 'BAD_REQUEST', 'The request body is not valid JSON.', 'invalid-json');
        return;
      }
    }

    let search = url.search;
    // Trusted documents (src/persisted/trusted-documents.ts): a manifest hash becomes its text; with PERSISTED_DOCUMENTS_ONLY nothing else runs.
    if (trustedDocuments) {
      const resolved = trustedDocuments.resolve({ method: req.method ?? 'GET', search, body: parsedBody });
      if (resolved.kind === 'refuse') {
        refuse(res, log, resolved.status, resolved.code, resolved.message, resolved.reason);
        return;
      }
      ({ search, body: parsedBody } = resolved);
    }

    const httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method ?? 'GET', headers, search, body: parsedBody };
    metrics.requestStarted();
    let context: GatewayContext | undefined;
    let result: Awaited<ReturnType<typeof apollo.executeHTTPGraphQLRequest>>;
    try {
      result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest,
        context: async () => (context = createContext(registry, req.headersDistinct, contextOptions, { log, span, logFields })),
      });
    } finally {
      context?.loaders.dispose();
      metrics.requestFinished();
    }
    // While shutting down, tell keep-alive clients to reconnect (elsewhere).
    if (stopping) res.setHeader('connection', 'close');

    for (const [name, value] of result.headers) res.setHeader(name, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  let stopPromise: Promise<void> | undefined;

  /**
   * Draining keeps the listener open, so a load balancer's fresh probe reads 503 from `/readyz` and a
   * new request gets a clear SHUTTING_DOWN instead of a refused connection. In-flight requests finish
   * (within `shutdownTimeoutMs`); then every connection is closed, and the upstream pools.
   */
  async function drainAndClose(): Promise<void> {
    stopping = true;
    // Idle keep-alive connections would only learn of the shutdown on their next request.
    httpServer.closeIdleConnections();
    if (inFlight > 0) {
      await new Promise<void>((resolve) => {
        const bound = setTimeout(resolve, config.shutdownTimeoutMs);
        onDrained = () => {
          clearTimeout(bound);
          resolve();
        };
      });
    }
    await new Promise<void>((resolve) => {
      httpServer.close(() => resolve());
      httpServer.closeAllConnections();
    });
    await apollo.stop();
    await registry.close();
    await cacheStore.close();
    // What was recorded up to the end leaves before the process does.
    await tracing.shutdown().catch((error: unknown) => deps.logger.warn({ err: error }, 'trace export at shutdown failed'));
  }

  /** A client's mistake or a refusal before GraphQL: a GraphQL-shaped error, and a debug line. */
  function refuse(res: ServerResponse, log: Logger, status: number, code: string, message: string, reason: string): void {
    log.debug({ reason, status }, 'request refused');
    sendJson(res, status, { errors: [{ message, extensions: { code } }] });
  }

  /** Ready unless stopping; each provider's breaker and load, and the cache store's state, so an operator sees what fails. */
  function readiness() {
    const providers = Object.fromEntries(
      PROVIDERS.map((p) => {
        const guard = registry.guard(p);
        return [p, guard ? { configured: true, breaker: guard.breakerState(), inFlight: guard.inFlight() } : { configured: false }];
      }),
    );
    // A failing Redis degrades the gateway but leaves it ready: it answers without the shared cache.
    const store = cacheStore.status();
    const cache = { store: cacheStore.kind, state: store.state, ...(store.reason && { reason: store.reason }) };
    const degraded = Object.values(providers).some((p) => 'breaker' in p && p.breaker !== 'closed') || store.state !== 'ok';
    return { status: stopping ? 'stopping' : degraded ? 'degraded' : 'ready', providers, cache };
  }

  return {
    apollo,
    httpServer,
    registry,
    metrics,
    compiledOperations: () => jit?.stats(),
    listen: (port = config.port, host = config.host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address() as AddressInfo;
          const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
          resolve(`http://${shownHost}:${address.port}/graphql`);
        });
      }),
    stop() {
      stopPromise ??= drainAndClose();
      return stopPromise;
    },
  };
}

/**
 * Reads the body's bytes; 'too-large' past the limit (the rest is drained, not buffered); 'aborted'
 * when the client goes away before the end, which is the client's business, not a gateway error.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    if (req.destroyed && !req.complete) return resolve('aborted');
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', () => resolve('aborted'));
    req.on('close', () => {
      if (!req.complete) resolve('aborted');
    });
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text, or undefined when it is not valid UTF-8. */
function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** What `new URL('/graphql', …)` gives, parsed once (its search parameters are empty and never changed). */
const GRAPHQL_TARGET = { pathname: '/graphql', search: '', searchParams: new URLSearchParams() } as const;

/** `/graphql` (with or without a query string): the requests that get a span. */
function isGraphQLTarget(url: string | undefined): boolean {
  return url === '/graphql' || url?.startsWith('/graphql?') === true;
}

/** The `Host` header's name and port (`example.com:8080`, `[::1]:4000`); undefined when absent or unreadable. */
export function hostAndPort(host: string | undefined): { address: string; port?: number } | undefined {
  const match = host && /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(host);
  if (!match) return undefined;
  const address = match[1]!.replace(/^\[(.*)\]$/, '$1');
  return match[2] ? { address, port: Number(match[2]) } : { address };
}

/** A client-chosen id is kept only when short and plain: it lands in logs and response headers. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/** Errors that only mean the client hung up (its connection is gone, a reset, a write after close). */
function clientWentAway(req: IncomingMessage, error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return req.socket.destroyed || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/** A browser opening /graphql with the playground off: say so, and how to turn it on. */
function sendPlaygroundOff(res: ServerResponse): void {
  const page =
    '<!doctype html><html><head><meta charset="utf-8"><title>usergraph</title></head><body>' +
    '<h1>The GraphQL playground is off</h1>' +
    '<p>This is a usergraph GraphQL endpoint: send queries with <code>POST /graphql</code> (JSON body).</p>' +
    '<p>The GraphiQL playground is on in demo mode and off in production. To serve it here, start the gateway with ' +
    '<code>PLAYGROUND=true</code> (and <code>INTROSPECTION=true</code> for the schema docs).</p></body></html>';
  res.writeHead(404, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page) });
  res.end(page);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
