/**
 * The gateway: Apollo Server behind a thin node:http front door. No environment reads here
 * (main.ts does that), so tests can build as many gateways as they like.
 *
 * The front door serves `/graphql` (GET and POST, per the GraphQL-over-HTTP spec), `/healthz`
 * (liveness), `/readyz` (readiness, per provider), `/metrics` (Prometheus), caps the request body, answers malformed JSON with a GraphQL-shaped 400 (never an HTML page or a
 * stack trace), and hands everything else to Apollo's `executeHTTPGraphQLRequest`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GatewayConfig } from './config.js';
import { createContext, type GatewayContext } from './context.js';
import type { Logger } from './logger.js';
import { createErrorMaskingPlugin, formatError } from './plugins/error-masking.js';
import { createLimitRules, createUpstreamBudgetPlugin } from './plugins/operation-limits.js';
import { createRegistry, type ProviderRegistry } from './providers/registry.js';
import { createSchema } from './schema.js';
import { createPlayground, wantsPlayground } from './playground.js';
import { createMetrics, type GatewayMetrics } from './metrics.js';
import { createOperationLogPlugin } from './plugins/operation-log.js';
import { PROVIDERS, type ProviderName } from './model.js';
import type { UpstreamAttempt } from './providers/http.js';
import { playgroundTabs } from './playground-examples.js';

export interface GatewayDeps {
  logger: Logger;
  /** Defaults to a fresh registry per gateway. */
  metrics?: GatewayMetrics;
}

export interface Gateway {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly httpServer: Server;
  readonly registry: ProviderRegistry;
  readonly metrics: GatewayMetrics;
  /** Starts listening; resolves to the `/graphql` URL. */
  listen(port?: number, host?: string): Promise<string>;
  /**
   * Stops accepting requests (readiness turns 503 at once), lets in-flight ones finish within
   * `shutdownTimeoutMs`, then closes what is left and the upstream pools.
   */
  stop(): Promise<void>;
}

export async function createGateway(config: Readonly<GatewayConfig>, deps: GatewayDeps): Promise<Gateway> {
  const metrics = deps.metrics ?? createMetrics();
  const upstreamLogger = deps.logger.child({ component: 'upstream' });
  const registry = createRegistry(config.providers, {
    logger: deps.logger,
    observer: {
      onAttempt(attempt: UpstreamAttempt) {
        metrics.onAttempt(attempt);
        upstreamLogger.debug(attempt, 'upstream call');
      },
    },
  });
  metrics.watch(registry);
  let stopping = false;
  const apollo = new ApolloServer<GatewayContext>({
    schema: createSchema(),
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: !config.fieldSuggestions,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // Apollo's own token limit answers 400 GRAPHQL_PARSE_FAILED before validation runs.
    parseOptions: { maxTokens: config.limits.maxTokens },
    validationRules: createLimitRules(config.limits),
    maxRecursiveSelections: true,
    formatError,
    plugins: [
      createErrorMaskingPlugin(deps.logger),
      createUpstreamBudgetPlugin(config.limits, (provider, ids) => {
        const perCall = registry.get(provider as ProviderName)?.idsPerCall ?? 1;
        return Math.ceil(ids / perCall);
      }),
      createOperationLogPlugin(deps.logger, metrics),
      // Apollo's landing page loads from a CDN; the gateway serves its own offline playground instead.
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints in this schema: without this Apollo wraps every resolver to compute them.
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
  await apollo.start();

  const playground = config.playground ? createPlayground({ endpoint: '/graphql', tabs: playgroundTabs(config.mode === 'demo'), persistHeaders: config.mode === 'demo' }) : undefined;

  const httpServer = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'unhandled error in the HTTP handler');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    });
  });
  httpServer.headersTimeout = 10_000;
  httpServer.requestTimeout = 30_000;
  httpServer.keepAliveTimeout = 5_000;

  const contextOptions = { deadlineMs: config.requestDeadlineMs, onBatch: (provider: ProviderName, size: number) => metrics.onBatch(provider, size) };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    if (url.pathname === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (url.pathname === '/readyz') {
      sendJson(res, stopping ? 503 : 200, readiness());
      return;
    }
    if (url.pathname === '/metrics') {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (playground && (url.pathname.startsWith(playground.assetPrefix) || wantsPlayground(req.method, req.headers.accept, url.searchParams))) {
      if (playground.serve(url.pathname, res)) return;
    }
    if (url.pathname !== '/graphql') {
      sendJson(res, 404, { errors: [{ message: 'Not found. The GraphQL endpoint is /graphql.', extensions: { code: 'NOT_FOUND' } }] });
      return;
    }

    const body = await readBody(req, config.requestMaxBodyBytes);
    if (body === 'too-large') {
      sendJson(res, 413, { errors: [{ message: 'Request body too large.', extensions: { code: 'BAD_REQUEST' } }] });
      return;
    }

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let parsedBody: unknown = body;
    if (req.method === 'POST' && (headers.get('content-type') ?? '').toLowerCase().includes('json')) {
      try {
        parsedBody = body.length ? JSON.parse(body) : undefined;
      } catch {
        sendJson(res, 400, { errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
        return;
      }
    }

    const httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method ?? 'GET', headers, search: url.search, body: parsedBody };
    metrics.requestStarted();
    let context: GatewayContext | undefined;
    let result: Awaited<ReturnType<typeof apollo.executeHTTPGraphQLRequest>>;
    try {
      result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest,
        context: async () => (context = createContext(registry, req.headers, contextOptions)),
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

  /** Ready unless stopping; each provider's breaker and load, so an operator sees a failing provider. */
  function readiness() {
    const providers = Object.fromEntries(
      PROVIDERS.map((p) => {
        const guard = registry.guard(p);
        return [p, guard ? { configured: true, breaker: guard.breakerState(), inFlight: guard.inFlight() } : { configured: false }];
      }),
    );
    const degraded = Object.values(providers).some((p) => 'breaker' in p && p.breaker !== 'closed');
    return { status: stopping ? 'stopping' : degraded ? 'degraded' : 'ready', providers };
  }

  return {
    apollo,
    httpServer,
    registry,
    metrics,
    listen: (port = config.port, host = config.host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address() as AddressInfo;
          const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
          resolve(`http://${shownHost}:${address.port}/graphql`);
        });
      }),
    async stop() {
      stopping = true;
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      // In-flight requests finish; past the bound, whatever is left is cut.
      const bound = setTimeout(() => httpServer.closeAllConnections(), config.shutdownTimeoutMs);
      await closed;
      clearTimeout(bound);
      await apollo.stop();
      await registry.close();
    },
  };
}

/** Reads the body as UTF-8, or 'too-large' past the limit (the rest is drained, not buffered). */
function readBody(req: IncomingMessage, limit: number): Promise<string | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
