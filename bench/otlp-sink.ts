/**
 * The tracing scenario's trace backend: an OTLP/HTTP receiver (protobuf, the gateway's default, or
 * JSON) that answers every export 200 (https://opentelemetry.io/docs/specs/otlp/#otlphttp-response)
 * and keeps only counts, so the
 * gateway's export costs what it would against a real collector while this side costs next to
 * nothing. Spans are counted per `service.name`, so each traced gateway's exports are told apart.
 * `GET /stats` reads the counts; `DELETE /stats` resets them. Prints `{"url": …}` once listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Stats {
  exports: number;
  bytes: number;
  /** Spans by the exporting process's `service.name`. */
  spans: Record<string, number>;
}

let stats: Stats = { exports: 0, bytes: 0, spans: {} };
const SERVICE = /"key":"service\.name","value":\{"stringValue":"([^"]*)"\}/;

const server = createServer((req, res) => {
  if (req.url === '/stats') {
    if (req.method === 'DELETE') stats = { exports: 0, bytes: 0, spans: {} };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    stats.exports++;
    stats.bytes += raw.length;
    if (/protobuf/.test(req.headers['content-type'] ?? '')) {
      for (const [service, count] of countProtobuf(raw)) stats.spans[service] = (stats.spans[service] ?? 0) + count;
      // An empty ExportTraceServiceResponse.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      return;
    }
    const body = raw.toString('latin1');
    // One body comes from one process (one resource); every span has one `"spanId"` (no links or events here).
    const service = SERVICE.exec(body)?.[1] ?? 'unknown';
    stats.spans[service] = (stats.spans[service] ?? 0) + (body.split('"spanId"').length - 1);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
/**
 * Spans per `service.name` in a protobuf `ExportTraceServiceRequest`, walking only the fields on the
 * way (https://github.com/open-telemetry/opentelemetry-proto, trace/v1/trace.proto): request.1
 * ResourceSpans → .1 Resource (.1 attributes: KeyValue .1 key, .2 AnyValue .1 string) and .2
 * ScopeSpans → .2 Span.
 */
function countProtobuf(buf: Buffer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const resourceSpans of fields(buf, 1)) {
    let service = 'unknown';
    for (const resource of fields(resourceSpans, 1)) {
      for (const kv of fields(resource, 1)) {
        const key = fields(kv, 1)[0]?.toString('utf8');
        const value = fields(kv, 2)[0];
        if (key === 'service.name' && value) service = fields(value, 1)[0]?.toString('utf8') ?? service;
      }
    }
    let spans = 0;
    for (const scopeSpans of fields(resourceSpans, 2)) spans += fields(scopeSpans, 2).length;
    counts.set(service, (counts.get(service) ?? 0) + spans);
  }
  return counts;
}

/** The length-delimited values of field `wanted` in one protobuf message (other fields skipped). */
function fields(buf: Buffer, wanted: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = buf[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (at < buf.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      if (Math.floor(tag / 8) === wanted) out.push(buf.subarray(at, at + length));
      at += length;
    } else break;
  }
  return out;
}

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
