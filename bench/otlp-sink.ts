/**
 * The tracing scenario's trace backend: an OTLP/HTTP receiver that answers every export 200 `{}`
 * (https://opentelemetry.io/docs/specs/otlp/#otlphttp-response) and keeps only counts, so the
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
    const body = Buffer.concat(chunks).toString('latin1');
    stats.exports++;
    stats.bytes += body.length;
    // One body comes from one process (one resource); every span has one `"spanId"` (no links or events here).
    const service = SERVICE.exec(body)?.[1] ?? 'unknown';
    stats.spans[service] = (stats.spans[service] ?? 0) + (body.split('"spanId"').length - 1);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
