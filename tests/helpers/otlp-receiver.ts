/**
 * Real OTLP trace receivers on loopback, what a collector (Jaeger, Tempo, the OpenTelemetry
 * Collector) is to the gateway, one per OTLP transport (https://opentelemetry.io/docs/specs/otlp/):
 *
 * - `startOtlpReceiver()`: OTLP/HTTP. It accepts `POST /v1/traces` with a JSON body
 *   (`application/json`, `http/json`) or a binary protobuf one (`application/x-protobuf`,
 *   `http/protobuf`), told apart by the request's content-type, and answers 200 with an empty
 *   response in the same encoding (415 for any other content-type, as OTLP/HTTP requires).
 * - `startOtlpGrpcReceiver()`: OTLP/gRPC, a `@grpc/grpc-js` server implementing
 *   `opentelemetry.proto.collector.trace.v1.TraceService/Export` (plaintext HTTP/2, `grpc`).
 *
 * Both decode `resourceSpans → scopeSpans → spans` into the same plain records the tests assert on,
 * and keep every export's raw bytes, so a test can scan exactly what left the gateway.
 *
 * The JSON encoding (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): trace and
 * span ids as hex strings, `kind` and `status.code` as enum numbers, attributes as
 * `{ key, value: { stringValue | intValue | doubleValue | boolValue | arrayValue | kvlistValue | bytesValue } }`
 * (an int64 may come as a JSON string). The protobuf encoding is decoded with protobufjs from the
 * subset of the OTLP definitions below into that same shape (ids as hex, int64s as strings, bytes as
 * base64). A gzip body (`OTEL_EXPORTER_OTLP_COMPRESSION=gzip`) is inflated; gRPC inflates its own.
 */
import { Server, ServerCredentials, type Metadata, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { parse as parseProto } from 'protobufjs';

export type SpanKindName = 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
export type StatusCodeName = 'UNSET' | 'OK' | 'ERROR';
/** The OTLP transports (the values of `OTEL_EXPORTER_OTLP_PROTOCOL`). */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

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
  /** `POST` (a gRPC call is an HTTP/2 POST too). */
  method: string;
  /** `/v1/traces` over HTTP; `/opentelemetry.proto.collector.trace.v1.TraceService/Export` over gRPC. */
  path: string;
  /** The HTTP request's headers; over gRPC, the call's metadata (where `OTEL_EXPORTER_OTLP_HEADERS` go). */
  headers: IncomingHttpHeaders;
  /** How the body was encoded: by its content-type over HTTP (undefined for an unsupported one); `grpc` over gRPC. */
  protocol: OtlpProtocol | undefined;
  /** The body's bytes, exactly as they arrived after any gzip was inflated. */
  raw: Buffer;
  /**
   * `raw` read as UTF-8: JSON text, or for protobuf the message with every string field intact (a
   * protobuf string is its raw UTF-8 bytes; the binary parts around them, such as ids and lengths,
   * decode to U+FFFD and never swallow a neighbouring character), so a scan for a string that left
   * the gateway is a scan of the bytes themselves.
   */
  body: string;
}

export interface OtlpReceiver {
  /** The receiver's origin, `http://127.0.0.1:<port>`: an `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly url: string;
  /**
   * An `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: `<url>/v1/traces` over HTTP; over gRPC, which has no
   * path, `url` itself.
   */
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

/**
 * The messages of an `ExportTraceServiceRequest`, as opentelemetry-proto defines them
 * (https://github.com/open-telemetry/opentelemetry-proto, Apache-2.0: opentelemetry/proto/common/v1/common.proto,
 * resource/v1/resource.proto, trace/v1/trace.proto, collector/trace/v1/trace_service.proto), in one
 * file, without the comments and options. Fields a span carries but the tests do not read (events,
 * links) are declared all the same, so that every byte is accounted for.
 */
const OTLP_TRACE_PROTO = `
syntax = "proto3";
package opentelemetry.proto;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }

message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }

message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }

message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  enum SpanKind {
    SPAN_KIND_UNSPECIFIED = 0;
    SPAN_KIND_INTERNAL = 1;
    SPAN_KIND_SERVER = 2;
    SPAN_KIND_CLIENT = 3;
    SPAN_KIND_PRODUCER = 4;
    SPAN_KIND_CONSUMER = 5;
  }
  SpanKind kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}
message Status {
  string message = 2;
  enum StatusCode { STATUS_CODE_UNSET = 0; STATUS_CODE_OK = 1; STATUS_CODE_ERROR = 2; }
  StatusCode code = 3;
}
`;

const ExportTraceServiceRequest = parseProto(OTLP_TRACE_PROTO).root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');

/** The gRPC method OTLP/gRPC trace exporters call. */
export const GRPC_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

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

function spansOf(request: OtlpTraceRequest): ReceivedSpan[] {
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

/** The spans of one OTLP/JSON export body. */
export function decodeTraces(body: string): ReceivedSpan[] {
  return spansOf(JSON.parse(body) as OtlpTraceRequest);
}

/** The spans of one binary protobuf `ExportTraceServiceRequest` (an OTLP/HTTP protobuf body, a gRPC message). */
export function decodeProtobufTraces(raw: Uint8Array): ReceivedSpan[] {
  // Field names in lowerCamelCase, enums as numbers, int64s as strings and bytes as base64, as in OTLP/JSON …
  const request = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(raw), { longs: String, bytes: String, defaults: false }) as OtlpTraceRequest;
  // … but for the ids, which OTLP/JSON writes in hex.
  const hex = (base64: string | undefined) => (base64 ? Buffer.from(base64, 'base64').toString('hex') : undefined);
  for (const rs of request.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        s.traceId = hex(s.traceId) ?? '';
        s.spanId = hex(s.spanId) ?? '';
        const parent = hex(s.parentSpanId);
        if (parent) s.parentSpanId = parent;
        else delete s.parentSpanId;
      }
    }
  }
  return spansOf(request);
}

/** The encoding an OTLP/HTTP request's content-type names (its media type alone, without parameters). */
function httpProtocol(contentType: string | undefined): OtlpProtocol | undefined {
  const media = contentType?.split(';')[0]?.trim().toLowerCase();
  if (media === 'application/json') return 'http/json';
  if (media === 'application/x-protobuf') return 'http/protobuf';
  return undefined;
}

/** What both receivers keep and how a test reads it. */
function createRecords(url: string, tracesUrl: string, close: () => Promise<void>) {
  const exports: ReceivedExport[] = [];
  let spans: ReceivedSpan[] = [];
  const receiver: OtlpReceiver = {
    url,
    tracesUrl,
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
    close,
  };
  return {
    receiver,
    /** Keeps a request that carries no spans to decode (another path, an unsupported content-type). */
    keep(received: ReceivedExport): void {
      exports.push(received);
    },
    /** Keeps an export and its spans, decoded; throws (after keeping the request) when it does not decode. */
    record(received: ReceivedExport): void {
      exports.push(received);
      const decoded = received.protocol === 'http/json' ? decodeTraces(received.body) : decodeProtobufTraces(received.raw);
      spans = spans.concat(decoded);
    },
  };
}

/** An OTLP/HTTP receiver taking JSON and protobuf bodies. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const protocol = httpProtocol(req.headers['content-type']);
      const received: ReceivedExport = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, protocol, raw, body: raw.toString('utf8') };
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        records.keep(received);
        res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      if (!protocol) {
        records.keep(received);
        res.writeHead(415, { 'content-type': 'text/plain' }).end('OTLP/HTTP takes application/json or application/x-protobuf');
        return;
      }
      try {
        records.record(received);
      } catch {
        res.writeHead(400, { 'content-type': req.headers['content-type'] ?? 'application/json' }).end();
        return;
      }
      // An ExportTraceServiceResponse with nothing rejected: `{}` in JSON, no bytes at all in protobuf.
      if (protocol === 'http/json') res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const records = createRecords(
    url,
    `${url}/v1/traces`,
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return records.receiver;
}

/** The call's metadata as headers: text values as they are, binary (`-bin`) ones in base64. */
function metadataHeaders(metadata: Metadata): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(metadata.getMap()).map(([key, value]) => [key, typeof value === 'string' ? value : value.toString('base64')]));
}

/** An OTLP/gRPC receiver: `TraceService/Export` on a plaintext loopback port. */
export async function startOtlpGrpcReceiver(): Promise<OtlpReceiver> {
  // The message's bytes go to the handler as they are: it keeps them and decodes them itself.
  const identity = (bytes: Buffer) => bytes;
  const service: ServiceDefinition = {
    Export: {
      path: GRPC_EXPORT_PATH,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
  const server = new Server();
  server.addService(service, {
    Export(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) {
      const raw = call.request;
      try {
        records.record({ method: 'POST', path: GRPC_EXPORT_PATH, headers: metadataHeaders(call.metadata), protocol: 'grpc', raw, body: raw.toString('utf8') });
      } catch (error) {
        // INVALID_ARGUMENT: the request did not decode.
        callback({ code: 3, details: (error as Error).message });
        return;
      }
      // An ExportTraceServiceResponse with nothing rejected: no bytes at all.
      callback(null, Buffer.alloc(0));
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  const url = `http://127.0.0.1:${port}`;
  const records = createRecords(url, url, async () => server.forceShutdown());
  return records.receiver;
}
