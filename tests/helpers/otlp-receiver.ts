/**
 * A real OTLP/HTTP trace receiver on loopback, what a collector (Jaeger, Tempo, the OpenTelemetry
 * Collector) is to the gateway: it accepts `POST /v1/traces` with the exporter's JSON body
 * (https://opentelemetry.io/docs/specs/otlp/#otlphttp), answers 200 `{}`, and decodes
 * `resourceSpans → scopeSpans → spans` into plain records the tests assert on. Every raw body is
 * kept too, so a test can scan exactly what left the gateway.
 *
 * The JSON encoding (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): trace and
 * span ids as hex strings, `kind` and `status.code` as enum numbers, attributes as
 * `{ key, value: { stringValue | intValue | doubleValue | boolValue | arrayValue | kvlistValue | bytesValue } }`
 * (an int64 may come as a JSON string). A gzip body (`OTEL_EXPORTER_OTLP_COMPRESSION=gzip`) is inflated.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type SpanKindName = 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
export type StatusCodeName = 'UNSET' | 'OK' | 'ERROR';

/** One exported span, decoded. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Absent on a root span. */
  parentSpanId?: string;
  name: string;
  kind: SpanKindName;
  status: { code: StatusCodeName; message?: string };
  attributes: Record<string, unknown>;
  /** The resource's attributes (`service.name`, …). */
  resource: Record<string, unknown>;
  /** The instrumentation scope's name (the tracer's). */
  scope: string;
}

/** One export request as it arrived. */
export interface ReceivedExport {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as text (inflated when it came gzip-encoded). */
  body: string;
}

export interface OtlpReceiver {
  /** The receiver's origin, `http://127.0.0.1:<port>`: an `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly url: string;
  /** `<url>/v1/traces`: an `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`. */
  readonly tracesUrl: string;
  /** Every request received, in order (a request to another path too). */
  readonly exports: readonly ReceivedExport[];
  /** Every span received so far. */
  spans(): ReceivedSpan[];
  /**
   * Polls (calling `flush` first each time, e.g. the gateway's `tracing.forceFlush`) until
   * `predicate` holds for the spans received; rejects after `timeoutMs` (45 s) with what did arrive.
   */
  waitForSpans(predicate: (spans: ReceivedSpan[]) => boolean, options?: { flush?: () => Promise<void>; timeoutMs?: number; what?: string }): Promise<ReceivedSpan[]>;
  /** Forgets what was received. */
  clear(): void;
  close(): Promise<void>;
}

const KINDS: readonly SpanKindName[] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const CODES: readonly StatusCodeName[] = ['UNSET', 'OK', 'ERROR'];

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  bytesValue?: string;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number | string;
  status?: { code?: number | string; message?: string };
  attributes?: OtlpKeyValue[];
}
interface OtlpTraceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: Array<{ scope?: { name?: string }; spans?: OtlpSpan[] }>;
  }>;
}

function decodeValue(value: OtlpAnyValue | undefined): unknown {
  if (!value) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('bytesValue' in value) return value.bytesValue;
  if ('arrayValue' in value) return (value.arrayValue?.values ?? []).map(decodeValue);
  if ('kvlistValue' in value) return decodeAttributes(value.kvlistValue?.values);
  return undefined;
}

function decodeAttributes(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, decodeValue(kv.value)]));
}

/** `kind`/`status.code` as the enum's number (the JS exporter) or its proto name (`SPAN_KIND_SERVER`). */
function enumName<T extends string>(names: readonly T[], prefix: string, value: number | string | undefined): T {
  if (typeof value === 'number') return names[value] ?? names[0]!;
  const name = (value ?? '').replace(prefix, '') as T;
  return names.includes(name) ? name : names[0]!;
}

/** The spans of one export body. */
export function decodeTraces(body: string): ReceivedSpan[] {
  const request = JSON.parse(body) as OtlpTraceRequest;
  const out: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = decodeAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          ...(s.parentSpanId && { parentSpanId: s.parentSpanId }),
          name: s.name,
          kind: enumName(KINDS, 'SPAN_KIND_', s.kind),
          status: { code: enumName(CODES, 'STATUS_CODE_', s.status?.code), ...(s.status?.message && { message: s.status.message }) },
          attributes: decodeAttributes(s.attributes),
          resource,
          scope: ss.scope?.name ?? '',
        });
      }
    }
  }
  return out;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const exports: ReceivedExport[] = [];
  let spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const body = raw.toString('utf8');
      exports.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      try {
        spans = spans.concat(decodeTraces(body));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      // An ExportTraceServiceResponse with nothing rejected.
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    tracesUrl: `${url}/v1/traces`,
    exports,
    spans: () => [...spans],
    async waitForSpans(predicate, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 45_000);
      for (;;) {
        await options.flush?.();
        const now = [...spans];
        if (predicate(now)) return now;
        if (Date.now() > deadline) {
          const seen = now.map((s) => `${s.kind} ${s.name}`).join('\n  ');
          throw new Error(`gave up waiting for ${options.what ?? 'spans'}; received ${now.length}:\n  ${seen}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    clear() {
      exports.length = 0;
      spans = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
