/**
 * Traces from the compiled `usergraph start` (dist/, built by tests/global-setup.ts) configured the
 * way an operator does, by the standard OpenTelemetry variables alone (README "Tracing"), exporting
 * to a real OTLP/HTTP receiver: what a query records reaches it, with the configured resource, and
 * nothing recorded is lost when the process is stopped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { spawnStart } from '../helpers/traced-cli.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A header value the exporter must send to the backend and the gateway must never print. */
const BACKEND_KEY = 'Zq8otlpKey4Wm2Tx7Rk';

async function startTraced(receiver: OtlpReceiver) {
  const gw = spawnStart(
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: `x-backend-key=${BACKEND_KEY}`,
      OTEL_SERVICE_NAME: 'usergraph-test',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=ci',
      // No scheduled export while the test runs: what arrives is what the shutdown flushed.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    },
    (cleanup) => cleanups.push(cleanup),
  );
  return { ...gw, url: await gw.url() };
}

describe('usergraph start with the OTEL_* variables', () => {
  it("exports a query's spans with the configured resource, flushed on SIGTERM", async () => {
    const receiver = await startOtlpReceiver();
    cleanups.push(() => receiver.close());
    const gw = await startTraced(receiver);

    const res = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'process-traced-1', ...DEMO_CREDENTIALS.PASSBOLT, ...DEMO_CREDENTIALS.BELLADATI },
      body: JSON.stringify({ query: 'query FromTheCli { p: me(provider: PASSBOLT) { id } b: me(provider: BELLADATI) { id } }' }),
    });
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
    // Nothing leaves before the batch is due (OTEL_BSP_SCHEDULE_DELAY) …
    expect(receiver.exports).toEqual([]);

    gw.proc.kill('SIGTERM');
    const [code] = await gw.exited;
    expect(code).toBe(0);
    // … and the gateway does not exit before the export has been answered.
    const spans = receiver.spans();
    expect(spans.map((s) => `${s.kind} ${s.name}`).sort()).toEqual([
      'CLIENT GET /api/users/username/{username}',
      'CLIENT GET /users/me.json',
      'INTERNAL usergraph.me',
      'INTERNAL usergraph.me',
      'SERVER query FromTheCli',
    ]);
    for (const s of spans) {
      expect(s.resource).toMatchObject({ 'service.name': 'usergraph-test', 'deployment.environment': 'ci' });
      // Each replica tells itself apart: a process id of its own and its host's name.
      expect(s.resource['service.instance.id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(s.resource['host.name']).toEqual(expect.any(String));
      expect(s.traceId).toBe(spans[0]!.traceId);
    }

    // OTEL_EXPORTER_OTLP_ENDPOINT is a base URL: traces go to its /v1/traces, with the configured headers.
    expect(receiver.exports.map((e) => `${e.method} ${e.path}`)).toEqual(receiver.exports.map(() => 'POST /v1/traces'));
    expect(receiver.exports[0]!.headers['x-backend-key']).toBe(BACKEND_KEY);
    // With no OTEL_EXPORTER_OTLP_PROTOCOL, protobuf bodies (http/protobuf, the specification's default).
    expect(receiver.exports[0]!.headers['content-type']).toBe('application/x-protobuf');

    // The logs say where traces go (the origin only) and correlate the request with its span.
    const lines = gw
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'exporting traces (OTLP)')).toMatchObject({ protocol: 'http/protobuf', endpoint: receiver.url });
    const op = spans.find((s) => s.kind === 'SERVER')!;
    expect(lines.find((l) => l.requestId === 'process-traced-1' && l.msg === 'graphql operation')).toMatchObject({ trace_id: op.traceId, span_id: op.spanId });
    expect(gw.output()).not.toContain(BACKEND_KEY);
  }, 60_000);
});
