/**
 * The upstream HTTP client every adapter uses: one undici Pool per provider origin (keep-alive,
 * bounded connections), a deadline covering headers and body, a cap on the decoded body size, and
 * redirects never followed (a 3xx is returned as is; adapters treat it as a bad response).
 *
 * Each adapter's pool is bound to its own origin, so a provider's credential has no route to
 * another host. Paths are checked to stay inside the configured base path.
 */
import { Pool, errors as undiciErrors } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode, GatewayError } from '../errors.js';
import type { ProviderName } from '../model.js';
import type { ProviderConfigBase } from './types.js';

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** Path below the provider's base URL, starting with `/`, every segment already percent-encoded. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
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

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = new URL(options.baseUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new TypeError(`${options.provider}: baseUrl must be http(s), got ${base.protocol}`);
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, {
    connections: options.connections,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    keepAliveMaxTimeout: Math.max(options.keepAliveTimeoutMs, 1_000),
    connect: { timeout: Math.min(options.timeoutMs, 2_000) },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const provider = options.provider;

  async function request(req: HttpRequest): Promise<HttpResponse> {
    assertSafePath(req.path);
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const signal = req.signal ? AbortSignal.any([deadline, req.signal]) : deadline;
    try {
      const res = await pool.request({
        method: req.method,
        path: basePath + req.path,
        headers: req.headers,
        body: req.body,
        signal,
      });
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
      return { status: res.statusCode, headers: res.headers as IncomingHttpHeaders, body: Buffer.concat(chunks).toString('utf8') };
    } catch (error) {
      throw toTransportError(error, provider, deadline);
    }
  }

  return {
    request,
    close: () => pool.close(),
  };
}

/** Maps a failure below HTTP (timeout, refused connection, reset) to a gateway error. */
function toTransportError(error: unknown, provider: ProviderName, deadline: AbortSignal): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = (error as { code?: string } | undefined)?.code;
  const timedOut =
    deadline.aborted ||
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError ||
    (error as Error | undefined)?.name === 'TimeoutError';
  if (timedOut) {
    return new GatewayError(ErrorCode.PROVIDER_TIMEOUT, undefined, { provider, detail: { cause: code ?? String(error) } });
  }
  return new GatewayError(ErrorCode.PROVIDER_UNAVAILABLE, undefined, { provider, detail: { cause: code ?? String(error) } });
}
