/**
 * The OTLP transport the standard variables choose (src/tracing-exporter.ts, README "Tracing";
 * https://opentelemetry.io/docs/specs/otel/protocol/exporter/): `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`,
 * else `OTEL_EXPORTER_OTLP_PROTOCOL`, picks `http/protobuf` (the default), `http/json` or `grpc`.
 * Each exports a real gateway's spans, through the SDK's own exporter, to a real receiver of that
 * transport on loopback (tests/helpers/otlp-receiver.ts), and the trace decoded is the same tree
 * whichever carried it. The compiled `usergraph start` exports over gRPC when told to, and refuses
 * to start on a protocol it does not know.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { createTracing, ratioSampler, type GatewayTracing } from '../../src/tracing.js';
import { tracesProtocol, tracesUrl } from '../../src/tracing-exporter.js';
import { GRPC_EXPORT_PATH, startOtlpGrpcReceiver, startOtlpReceiver, type OtlpProtocol, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { startStack } from '../helpers/stack.js';
import { spawnStart } from '../helpers/traced-cli.js';

const CAROL = 'd1db2a3e-1676-4440-bc34-1aacc89fa90f';
const QUERY = `query Protocols { me(provider: PASSBOLT) { id } user(provider: PASSBOLT, id: "${CAROL}") { id } }`;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A receiver of the transport `protocol` names, closed after the test. */
async function receiverFor(protocol: OtlpProtocol): Promise<OtlpReceiver> {
  const receiver = protocol === 'grpc' ? await startOtlpGrpcReceiver() : await startOtlpReceiver();
  cleanups.push(() => receiver.close());
  return receiver;
}

/** Tracing from `env` alone (as `usergraph start` builds it), every trace kept, shut down after the test. */
function tracingFrom(env: Record<string, string>): GatewayTracing {
  const tracing = createTracing({ env, sampler: ratioSampler(1) });
  expect(tracing.enabled).toBe(true);
  cleanups.push(() => tracing.shutdown());
  return tracing;
}

/** Ends one span and waits until `receiver` has it. */
async function probe(tracing: GatewayTracing, receiver: OtlpReceiver, name: string): Promise<ReceivedSpan> {
  tracing.tracer.startSpan(name).end();
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.name === name), { flush: () => tracing.forceFlush(), what: name });
  return spans.find((s) => s.name === name)!;
}

/** A trace as a tree without its ids (which are random) or the simulators' ports (which are per run). */
interface Node {
  span: string;
  status: string;
  attributes: Record<string, unknown>;
  children: Node[];
}
function treeOf(spans: ReceivedSpan[], parent: ReceivedSpan): Node {
  const { 'server.port': port, ...attributes } = parent.attributes;
  if (port !== undefined) expect(port).toEqual(expect.any(Number));
  return {
    span: `${parent.kind} ${parent.name}`,
    status: parent.status.code,
    attributes,
    children: spans
      .filter((s) => s.parentSpanId === parent.spanId)
      .map((s) => treeOf(spans, s))
      .sort((a, b) => a.span.localeCompare(b.span)),
  };
}

describe('each OTLP protocol carries the same trace', () => {
  const trees: Partial<Record<OtlpProtocol, { tree: Node; resource: Record<string, unknown>; scope: string }>> = {};

  describe.each(['http/protobuf', 'http/json', 'grpc'] as const)('%s', (protocol) => {
    let receiver: OtlpReceiver;

    beforeAll(async () => {
      receiver = protocol === 'grpc' ? await startOtlpGrpcReceiver() : await startOtlpReceiver();
    });
    afterAll(() => receiver?.close());

    it(`exports a query's trace over ${protocol} when OTEL_EXPORTER_OTLP_PROTOCOL=${protocol}`, async () => {
      // The generic endpoint: over HTTP `/v1/traces` is appended, over gRPC it is used as is.
      const tracing = createTracing({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol }, sampler: ratioSampler(1) });
      const stack = await startStack({ tracing });
      try {
        const res = await stack.gql(QUERY, {}, DEMO_CREDENTIALS.PASSBOLT);
        expect(res.body.errors).toBeUndefined();
        const spans = await receiver.waitForSpans((all) => all.length >= 5, { flush: () => tracing.forceFlush(), what: 'the Protocols trace' });
        expect(spans).toHaveLength(5);
        const op = spans.find((s) => s.kind === 'SERVER')!;
        expect(op.parentSpanId).toBeUndefined();
        for (const s of spans) expect(s.traceId).toBe(op.traceId);
        expect(op.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(op.spanId).toMatch(/^[0-9a-f]{16}$/);

        const tree = treeOf(spans, op);
        expect(tree).toMatchObject({
          span: 'SERVER query Protocols',
          status: 'UNSET',
          attributes: { 'graphql.operation.type': 'query', 'graphql.operation.name': 'Protocols', 'http.request.method': 'POST', 'http.response.status_code': 200 },
          children: [
            {
              span: 'INTERNAL usergraph.batch',
              attributes: { 'usergraph.provider': 'PASSBOLT', 'usergraph.batch.size': 1 },
              children: [
                {
                  span: 'CLIENT GET /users/{id}.json',
                  status: 'UNSET',
                  attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'url.template': '/users/{id}.json', 'usergraph.provider': 'PASSBOLT', 'server.address': '127.0.0.1' },
                  children: [],
                },
              ],
            },
            { span: 'INTERNAL usergraph.me', attributes: { 'usergraph.provider': 'PASSBOLT' }, children: [{ span: 'CLIENT GET /users/me.json', children: [] }] },
          ],
        });
        expect(op.attributes['graphql.document.hash']).toMatch(/^[0-9a-f]{64}$/);
        trees[protocol] = { tree, resource: op.resource, scope: op.scope };

        // What carried it: the transport asked for, its content-type, and (what the canary scans of
        // traces.test.ts rely on) the operation's name readable in the body as it arrived.
        expect(receiver.exports.length).toBeGreaterThan(0);
        for (const e of receiver.exports) {
          expect(e.protocol).toBe(protocol);
          if (protocol === 'grpc') expect(`${e.method} ${e.path}`).toBe(`POST ${GRPC_EXPORT_PATH}`);
          else expect(`${e.method} ${e.path} ${e.headers['content-type']}`).toBe(`POST /v1/traces ${protocol === 'http/json' ? 'application/json' : 'application/x-protobuf'}`);
        }
        expect(receiver.exports.map((e) => e.body).join('\n')).toContain('query Protocols');
        if (protocol !== 'http/json') expect(() => JSON.parse(receiver.exports[0]!.body)).toThrow();
      } finally {
        await stack.close();
      }
    });
  });

  it('decodes every kind of attribute value alike, whichever protocol carried it', async () => {
    const attributes = { text: 'zq-text', empty: '', yes: true, no: false, zero: 0, int: 2 ** 40, negative: -3, double: 1.5, texts: ['a', 'b'], ints: [1, 2] };
    const received: Record<string, Omit<ReceivedSpan, 'traceId' | 'spanId'>> = {};
    for (const protocol of ['http/protobuf', 'http/json', 'grpc'] as const) {
      const receiver = await receiverFor(protocol);
      const tracing = tracingFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol });
      const span = tracing.tracer.startSpan('values', { attributes });
      span.setStatus({ code: 2, message: 'zq-failed' });
      span.end();
      const [only] = await receiver.waitForSpans((all) => all.length > 0, { flush: () => tracing.forceFlush(), what: `the span over ${protocol}` });
      const { traceId: _traceId, spanId: _spanId, ...rest } = only!;
      received[protocol] = rest;
    }
    expect(received['http/json']).toMatchObject({ name: 'values', kind: 'INTERNAL', status: { code: 'ERROR', message: 'zq-failed' }, attributes });
    expect(received['http/protobuf']).toEqual(received['http/json']);
    expect(received.grpc).toEqual(received['http/json']);
  });

  it('decodes to the same tree, resource and scope whichever protocol carried it', () => {
    expect(Object.keys(trees).sort()).toEqual(['grpc', 'http/json', 'http/protobuf']);
    expect(trees['http/json']).toEqual(trees['http/protobuf']);
    expect(trees.grpc).toEqual(trees['http/protobuf']);
    expect(trees.grpc!.resource['service.name']).toBe('usergraph');
    expect(trees.grpc!.scope).toBe('usergraph');
  });
});

describe('choosing the protocol', () => {
  it('is http/protobuf when no protocol variable is set', async () => {
    const receiver = await receiverFor('http/protobuf');
    const tracing = tracingFrom({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl });
    expect(tracesProtocol({})).toBe('http/protobuf');
    await probe(tracing, receiver, 'default-protocol');
    expect(receiver.exports.map((e) => `${e.path} ${e.headers['content-type']}`)).toEqual(receiver.exports.map(() => '/v1/traces application/x-protobuf'));
  });

  it('takes an empty variable as unset', async () => {
    const receiver = await receiverFor('http/protobuf');
    const tracing = tracingFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: '', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: ' ' });
    await probe(tracing, receiver, 'empty-protocol');
    expect(receiver.exports[0]!.headers['content-type']).toBe('application/x-protobuf');
    expect(tracesProtocol({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: '', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toBe('grpc');
  });

  it('lets OTEL_EXPORTER_OTLP_TRACES_PROTOCOL win over OTEL_EXPORTER_OTLP_PROTOCOL, either way round', async () => {
    const http = await receiverFor('http/json');
    const toHttp = tracingFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: http.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' });
    await probe(toHttp, http, 'traces-protocol-json');
    expect(http.exports.map((e) => `${e.path} ${e.headers['content-type']}`)).toEqual(http.exports.map(() => '/v1/traces application/json'));

    const grpc = await receiverFor('grpc');
    const toGrpc = tracingFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: grpc.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' });
    await probe(toGrpc, grpc, 'traces-protocol-grpc');
    expect(grpc.exports.map((e) => e.path)).toEqual(grpc.exports.map(() => GRPC_EXPORT_PATH));
    // Enum values are read case-insensitively (and trimmed).
    expect(tracesProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: ' GRPC ' })).toBe('grpc');
    expect(tracesProtocol({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'HTTP/JSON' })).toBe('http/json');
    // A variable that does not apply is not read at all.
    expect(tracesProtocol({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_PROTOCOL: 'nonsense' })).toBe('grpc');
  });

  it('sends gRPC to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, and never appends /v1/traces for gRPC', async () => {
    const grpc = await receiverFor('grpc');
    const tracing = tracingFrom({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: grpc.tracesUrl, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    await probe(tracing, grpc, 'grpc-traces-endpoint');
    expect(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://tempo:4317' }, 'grpc')).toBe('http://tempo:4317');
    expect(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://tempo:4318/' }, 'http/protobuf')).toBe('http://tempo:4318/v1/traces');
    expect(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://tempo:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/custom' }, 'http/json')).toBe('http://tempo:4318/custom');
  });

  it('refuses a protocol it does not know, naming the variable, its value and the accepted values', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' };
    expect(() => createTracing({ env: { ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grcp' } })).toThrow(
      new Error('OTEL_EXPORTER_OTLP_PROTOCOL="grcp" is not an OTLP protocol; accepted: http/protobuf (the default), http/json, grpc'),
    );
    // The traces variable is the one named when it is the one at fault; its value as given.
    expect(() => createTracing({ env: { ...endpoint, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: ' HTTP/XML', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' } })).toThrow(
      /^OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=" HTTP\/XML" is not an OTLP protocol; accepted: http\/protobuf \(the default\), http\/json, grpc$/,
    );
    // `http` alone is not a protocol either (the specification names the encoding too).
    expect(() => tracesProtocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL="http"/);
    // With tracing off (no endpoint, or OTEL_SDK_DISABLED) the protocol is never read.
    expect(createTracing({ env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grcp' } }).enabled).toBe(false);
    expect(createTracing({ env: { ...endpoint, OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_PROTOCOL: 'grcp' } }).enabled).toBe(false);
  });
});

describe('usergraph start with OTEL_EXPORTER_OTLP_PROTOCOL', () => {
  it("exports a query's spans over gRPC to OTEL_EXPORTER_OTLP_ENDPOINT, with the configured headers as metadata", async () => {
    const receiver = await receiverFor('grpc');
    const gw = spawnStart(
      {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-backend-key=Zq8grpcKey3Vn6Lp',
        OTEL_SERVICE_NAME: 'usergraph-grpc',
        // Read by the gRPC exporter from the environment, as the HTTP ones do; grpc-js inflates a
        // compressed message before the receiver sees it, so this shows only that exports still arrive.
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        // No scheduled export while the test runs: what arrives is what the shutdown flushed.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      },
      (cleanup) => cleanups.push(cleanup),
    );
    const url = await gw.url();

    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...DEMO_CREDENTIALS.PASSBOLT },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
    expect(receiver.exports).toEqual([]);

    gw.proc.kill('SIGTERM');
    const [code] = await gw.exited;
    expect(code).toBe(0);
    // The shutdown waited for the gRPC export to be answered.
    const spans = receiver.spans();
    expect(spans.map((s) => `${s.kind} ${s.name}`).sort()).toEqual([
      'CLIENT GET /users/me.json',
      'CLIENT GET /users/{id}.json',
      'INTERNAL usergraph.batch',
      'INTERNAL usergraph.me',
      'SERVER query Protocols',
    ]);
    for (const s of spans) expect(s.resource['service.name']).toBe('usergraph-grpc');
    expect(receiver.exports.map((e) => `${e.protocol} ${e.path}`)).toEqual(receiver.exports.map(() => `grpc ${GRPC_EXPORT_PATH}`));
    expect(receiver.exports[0]!.headers['x-backend-key']).toBe('Zq8grpcKey3Vn6Lp');
    expect(gw.stdout() + gw.stderr()).not.toContain('Zq8grpcKey3Vn6Lp');
  }, 60_000);

  it('refuses to start on an unknown protocol: a non-zero exit and one line naming the variable, no stack', async () => {
    const gw = spawnStart(
      {
        // Demo mode: the refusal comes before any simulator listens, so nothing keeps the process alive.
        USERGRAPH_MODE: 'demo',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grcp',
      },
      (cleanup) => cleanups.push(cleanup),
    );
    const [code, signal] = await gw.exited;
    expect(signal).toBeNull();
    expect(code).toBe(1);
    expect(gw.stderr()).toBe('usergraph start failed: OTEL_EXPORTER_OTLP_PROTOCOL="grcp" is not an OTLP protocol; accepted: http/protobuf (the default), http/json, grpc\n');
    expect(gw.stdout()).not.toContain('usergraph is listening');
  }, 60_000);
});
