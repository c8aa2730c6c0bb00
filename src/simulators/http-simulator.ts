/**
 * The HTTP plumbing shared by the provider simulators: a node:http server on loopback that records
 * every request it receives and exposes them at `GET /__simulator/requests` (cleared by
 * `DELETE /__simulator/requests`), so tests can count upstream calls and see which headers arrived.
 *
 * The control API (`/__simulator/…`, never recorded):
 *   GET|DELETE /__simulator/requests   the recorded requests / clear them
 *   GET|POST|DELETE /__simulator/faults the fault rules (faults.ts) / append a JSON array of rules / clear
 *   GET|DELETE /__simulator/stats      in-flight, peak in-flight and total requests / reset them
 *
 * Simulators are written from the providers' documentation, never from the adapters: the two must
 * not import each other, so a wrong assumption in one is caught by the other.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFaultQueue, faultResponse, sendWithFault, type FaultRule } from './faults.js';

export interface RecordedRequest {
  method: string;
  /** The request target exactly as sent: raw (still percent-encoded) path plus query string. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SimulatorRequest extends RecordedRequest {
  /** The raw path without the query string (segments still percent-encoded). */
  pathname: string;
  /** The raw query string without `?`, or null when the target had no `?` at all. */
  rawQuery: string | null;
  query: URLSearchParams;
}

export interface SimulatorResponse {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else is sent as JSON. Undefined sends an empty body. */
  body?: unknown;
}

export type SimulatorHandler = (request: SimulatorRequest) => SimulatorResponse | Promise<SimulatorResponse>;

export interface RunningSimulator {
  readonly name: string;
  /** Base URL, e.g. `http://127.0.0.1:4101`. */
  readonly url: string;
  readonly port: number;
  /** Requests received so far (excluding the `/__simulator/` control API). */
  requests(): RecordedRequest[];
  clearRequests(): void;
  /** Appends fault rules (see faults.ts). */
  injectFaults(rules: FaultRule[]): void;
  clearFaults(): void;
  /** Requests being answered now, and the most at once since the last `resetStats`. */
  stats(): { inFlight: number; peakInFlight: number; total: number };
  resetStats(): void;
  close(): Promise<void>;
}

export interface StartSimulatorOptions {
  port?: number;
  host?: string;
  /** Keep every request for `/__simulator/requests` (default true; a benchmark turns it off and reads `stats().total`). */
  record?: boolean;
}

/** A JSON response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): SimulatorResponse {
  return { status, body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } };
}

/** A plain-text (or empty) response. */
export function text(status: number, body = '', headers: Record<string, string> = {}): SimulatorResponse {
  return { status, body, headers: body ? { 'content-type': 'text/plain; charset=utf-8', ...headers } : headers };
}

export async function startSimulator(
  name: string,
  handler: SimulatorHandler,
  options: StartSimulatorOptions = {},
): Promise<RunningSimulator> {
  let recorded: RecordedRequest[] = [];
  const faults = createFaultQueue();
  let inFlight = 0;
  let peakInFlight = 0;
  let total = 0;
  const record = options.record !== false;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = req.url ?? '/';
      const send = (response: SimulatorResponse) => {
        const payload =
          response.body === undefined ? '' : typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
        res.writeHead(response.status, { 'content-length': Buffer.byteLength(payload), ...response.headers });
        res.end(payload);
      };

      if (target.startsWith('/__simulator/')) {
        control(req.method ?? 'GET', target, Buffer.concat(chunks).toString('utf8'), send);
        return;
      }

      const q = target.indexOf('?');
      const request: SimulatorRequest = {
        method: req.method ?? 'GET',
        path: target,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        pathname: q === -1 ? target : target.slice(0, q),
        rawQuery: q === -1 ? null : target.slice(q + 1),
        query: new URLSearchParams(q === -1 ? '' : target.slice(q + 1)),
      };
      if (record) recorded.push({ method: request.method, path: request.path, headers: request.headers, body: request.body });
      total++;
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      res.on('close', () => inFlight--);

      const fault = faults.take(request.pathname);
      if (fault?.kind === 'reset') return void req.socket.destroy();
      if (fault?.kind === 'hang') return; // never answered; the socket closes when the client gives up
      const replaced = fault && faultResponse(fault);
      if (replaced) return void send(replaced);
      const delay = fault?.kind === 'latency' ? fault.ms : 0;

      const answer = () => {
        Promise.resolve()
          .then(() => handler(request))
          .then(
            (response) => {
              if (res.destroyed) return;
              const payload =
                response.body === undefined ? '' : typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
              if (!fault || !sendWithFault(fault, res, response.status, response.headers ?? {}, payload)) send(response);
            },
            () => send(text(500, 'simulator error')),
          );
      };
      // setTimeout(fn, 0) waits at least 1 ms: only a latency fault may delay the answer.
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });

  function control(method: string, target: string, body: string, send: (r: SimulatorResponse) => void): void {
    const what = target.split('?', 1)[0]!.slice('/__simulator/'.length);
    if (what === 'requests') {
      if (method === 'DELETE') recorded = [];
      return send(method === 'DELETE' ? { status: 204 } : json(200, recorded));
    }
    if (what === 'faults') {
      if (method === 'DELETE') faults.clear();
      if (method === 'POST') {
        try {
          const rules = JSON.parse(body) as FaultRule[];
          faults.add(Array.isArray(rules) ? rules : [rules]);
        } catch {
          return send(json(400, { error: 'expected a JSON array of fault rules' }));
        }
      }
      return send(method === 'DELETE' ? { status: 204 } : json(200, faults.list()));
    }
    if (what === 'stats') {
      if (method === 'DELETE') peakInFlight = inFlight;
      if (method === 'DELETE') total = 0;
      return send(method === 'DELETE' ? { status: 204 } : json(200, { inFlight, peakInFlight, total }));
    }
    send(json(404, { error: 'unknown simulator control path' }));
  }
  // Node's default keep-alive (5 s), as a real provider would keep it at least. undici closes a socket
  // after each response when the advertised `Keep-Alive: timeout` is within its 2 s safety threshold,
  // so a shorter one here would make every upstream call a new connection. close() drops idle sockets.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';

  return {
    name,
    url: `http://${host}:${port}`,
    port,
    requests: () => recorded.slice(),
    clearRequests: () => {
      recorded = [];
    },
    injectFaults: (rules) => faults.add(rules),
    clearFaults: () => faults.clear(),
    stats: () => ({ inFlight, peakInFlight, total }),
    resetStats: () => {
      peakInFlight = inFlight;
      total = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Decodes one raw path segment; null when it is not valid percent-encoding (simulators answer such
 * paths the way the real service would, typically 404 or 400).
 */
export function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
