/**
 * A real Prometheus (Debian's 2.x, exemplar storage on, its default scrape protocols) scraping the
 * gateway: with tracing on it reads the OpenMetrics answer, every metric queryable under the names of
 * the text format (counters keep `_total`), and stores the latency histograms' exemplars, which name
 * the spans the trace backend received; with tracing off it reads the text format as before. If
 * Prometheus could not parse what `/metrics` serves, its target would be `down` with the parse error.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { createTracing, ratioSampler, type GatewayTracing } from '../../src/tracing.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { startPrometheus, type PrometheusServer } from '../helpers/prometheus.js';
import { startStack, type Stack } from '../helpers/stack.js';

const ADA = 'f848277c-5398-58f8-a82a-72397af2d450';
const QUERY = `query Scraped($id: ID!) { user(provider: PASSBOLT, id: $id) { id } }`;

/** `host:port` of the stack's gateway, as a scrape target. */
const targetOf = (stack: Stack) => new URL(stack.url).host;

describe('a real Prometheus scraping the gateway with tracing on', () => {
  let receiver: OtlpReceiver;
  let tracing: GatewayTracing;
  let stack: Stack;
  let prometheus: PrometheusServer;
  const traceIds: string[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = createTracing({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl }, sampler: ratioSampler(1) });
    stack = await startStack({ tracing });
    for (let i = 0; i < 3; i++) {
      const traceId = randomBytes(16).toString('hex');
      traceIds.push(traceId);
      const res = await stack.gql(QUERY, { id: ADA }, { ...DEMO_CREDENTIALS.PASSBOLT, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` });
      expect(res.body.errors).toBeUndefined();
    }
    prometheus = await startPrometheus([targetOf(stack)]);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await stack?.close();
    await receiver?.close();
  });

  it('scrapes it as up: Prometheus parses the OpenMetrics answer', async () => {
    const target = await prometheus.waitFor('a scrape of the gateway', async () => {
      const [t] = await prometheus.targets();
      return t && t.health !== 'unknown' ? t : undefined;
    });
    expect(target.lastError).toBe('');
    expect(target.health).toBe('up');
  });

  it('stores every metric under its text-format name: counters with `_total`, histograms with their buckets', async () => {
    const requests = await prometheus.waitFor('usergraph_graphql_requests_total', async () => {
      const result = await prometheus.query('usergraph_graphql_requests_total{outcome="ok"}');
      return result.length > 0 ? result : undefined;
    });
    expect(requests[0]!.value).toBe(3);
    const upstream = await prometheus.query('usergraph_upstream_requests_total{provider="PASSBOLT",status="200"}');
    expect(upstream.map((r) => r.value)).toEqual([3]);
    expect((await prometheus.query('usergraph_graphql_request_duration_seconds_count')).map((r) => r.value)).toEqual([3]);
    expect((await prometheus.query('usergraph_graphql_request_duration_seconds_bucket{le="+Inf"}')).map((r) => r.value)).toEqual([3]);
  });

  it("keeps the request histogram's exemplars, each naming an exported SERVER span of the requests' traces", async () => {
    const series = await prometheus.waitFor('exemplars of the request duration', async () => {
      const found = await prometheus.exemplars('usergraph_graphql_request_duration_seconds_bucket');
      return found.some((s) => s.exemplars.length > 0) ? found : undefined;
    });
    const exemplars = series.flatMap((s) => s.exemplars);
    expect(exemplars.length).toBeGreaterThan(0);
    await tracing.forceFlush();
    const spans = await receiver.waitForSpans((all) => traceIds.every((id) => all.some((s) => s.traceId === id && s.kind === 'SERVER')), {
      flush: () => tracing.forceFlush(),
      what: 'the three SERVER spans',
    });
    for (const exemplar of exemplars) {
      expect(Object.keys(exemplar.labels).sort()).toEqual(['span_id', 'trace_id']);
      expect(traceIds).toContain(exemplar.labels.trace_id);
      expect(spans.find((s) => s.spanId === exemplar.labels.span_id)?.kind).toBe('SERVER');
    }
  });

  it("keeps the upstream histogram's exemplars, each naming an attempt's CLIENT span", async () => {
    const series = await prometheus.waitFor('exemplars of the upstream duration', async () => {
      const found = await prometheus.exemplars('usergraph_upstream_request_duration_seconds_bucket{provider="PASSBOLT"}');
      return found.some((s) => s.exemplars.length > 0) ? found : undefined;
    });
    const spans = receiver.spans();
    for (const exemplar of series.flatMap((s) => s.exemplars)) {
      expect(traceIds).toContain(exemplar.labels.trace_id);
      expect(spans.find((s) => s.spanId === exemplar.labels.span_id)?.name).toBe('GET /users/{id}.json');
    }
  });
});

describe('a real Prometheus scraping the gateway with tracing off', () => {
  let stack: Stack;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    stack = await startStack();
    const res = await stack.gql(QUERY, { id: ADA }, DEMO_CREDENTIALS.PASSBOLT);
    expect(res.body.errors).toBeUndefined();
    prometheus = await startPrometheus([targetOf(stack)]);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await stack?.close();
  });

  it('reads the text format, stores the same metrics and no exemplar', async () => {
    const requests = await prometheus.waitFor('usergraph_graphql_requests_total', async () => {
      const result = await prometheus.query('usergraph_graphql_requests_total{outcome="ok"}');
      return result.length > 0 ? result : undefined;
    });
    expect(requests[0]!.value).toBe(1);
    const [target] = await prometheus.targets();
    expect(target).toMatchObject({ health: 'up', lastError: '' });
    const series = await prometheus.exemplars('usergraph_graphql_request_duration_seconds_bucket');
    expect(series.flatMap((s) => s.exemplars)).toEqual([]);
    // What it read was the text format: the gateway answers OpenMetrics only with tracing on.
    const res = await fetch(stack.url.replace(/\/graphql$/, '/metrics'), { headers: { accept: 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4' } });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  });
});
