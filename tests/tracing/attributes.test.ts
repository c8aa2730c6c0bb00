/**
 * What the spans say beyond their tree (README "Tracing"): the HTTP server attributes of the
 * operation span, and user ids only where TRACE_USER_IDS allows them (batch spans'
 * `usergraph.user.ids`, attempt spans' `url.full`), never a credential either way.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { hostAndPort } from '../../src/server.js';
import { redactQuery } from '../../src/providers/http.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { createTracing, ratioSampler, type GatewayTracing } from '../../src/tracing.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { startStack, type Stack } from '../helpers/stack.js';

const ALL_DEMO_HEADERS: Record<string, string> = Object.assign({}, ...Object.values(DEMO_CREDENTIALS));
const CAROL = 'd1db2a3e-1676-4440-bc34-1aacc89fa90f';
const ADA = 'f848277c-5398-58f8-a82a-72397af2d450';

function tracingTo(receiver: OtlpReceiver): GatewayTracing {
  return createTracing({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl }, sampler: ratioSampler(1) });
}

function traceparent(): { header: string; traceId: string } {
  const traceId = randomBytes(16).toString('hex');
  return { header: `00-${traceId}-${randomBytes(8).toString('hex')}-01`, traceId };
}

/** The spans of `traceId` once its SERVER span and `count` spans in all have arrived. */
async function spansOf(receiver: OtlpReceiver, tracing: GatewayTracing, traceId: string, count: number): Promise<ReceivedSpan[]> {
  const mine = (all: ReceivedSpan[]) => all.filter((s) => s.traceId === traceId);
  const all = await receiver.waitForSpans((spans) => mine(spans).some((s) => s.kind === 'SERVER') && mine(spans).length >= count, {
    flush: () => tracing.forceFlush(),
    what: `trace ${traceId}`,
  });
  return mine(all);
}

const USERS = `query Users($a: ID!, $b: ID!) { a: user(provider: PASSBOLT, id: $a) { id } b: user(provider: PASSBOLT, id: $b) { id } g: group(provider: BELLADATI, id: "56") { id } }`;

describe('the operation span, by the HTTP server conventions', () => {
  let receiver: OtlpReceiver;
  let tracing: GatewayTracing;
  let stack: Stack;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = tracingTo(receiver);
    stack = await startStack({ tracing });
  });
  afterAll(async () => {
    await stack?.close();
    await receiver?.close();
  });

  it('carries method, scheme, route, path, protocol version, server address and port, user agent and status; never the query string', async () => {
    const client = traceparent();
    const port = Number(new URL(stack.url).port);
    // A GET with the operation in the query string: its literal id must not reach the span.
    const url = `${stack.url}?query=${encodeURIComponent(`{ user(provider: PASSBOLT, id: "${ADA}") { id } }`)}`;
    const res = await fetch(url, { headers: { ...DEMO_CREDENTIALS.PASSBOLT, traceparent: client.header, 'user-agent': 'attributes-test/1.0', 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    const spans = await spansOf(receiver, tracing, client.traceId, 3);
    const server = spans.find((s) => s.kind === 'SERVER')!;
    expect(server.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'url.path': '/graphql',
      'http.route': '/graphql',
      'network.protocol.version': '1.1',
      'server.address': '127.0.0.1',
      'server.port': port,
      'user_agent.original': 'attributes-test/1.0',
      'http.response.status_code': 200,
    });
    expect(server.attributes).not.toHaveProperty('url.query');
    expect(JSON.stringify(spans)).not.toContain(ADA);
  });

  it('reads the Host header as the conventions ask: a name, an IPv6 literal, a port or none', () => {
    expect(hostAndPort('gateway.example.com:8443')).toEqual({ address: 'gateway.example.com', port: 8443 });
    expect(hostAndPort('gateway.example.com')).toEqual({ address: 'gateway.example.com' });
    expect(hostAndPort('[::1]:4000')).toEqual({ address: '::1', port: 4000 });
    expect(hostAndPort(undefined)).toBeUndefined();
    expect(hostAndPort('a:b:c')).toBeUndefined();
  });
});

describe('user ids in spans', () => {
  let receiver: OtlpReceiver;
  const stacks: Stack[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    for (const stack of stacks) await stack.close();
    await receiver?.close();
  });

  async function traceWith(env: Record<string, string>): Promise<{ spans: ReceivedSpan[]; stack: Stack }> {
    const tracing = tracingTo(receiver);
    const stack = await startStack({ tracing, env });
    stacks.push(stack);
    const client = traceparent();
    const res = await stack.gql(USERS, { a: ADA, b: CAROL }, { ...ALL_DEMO_HEADERS, traceparent: client.header });
    expect(res.body.errors).toBeUndefined();
    // SERVER, Passbolt's batch and its two attempts (one id per call), BellaDati's group span and its
    // two attempts (the caller's user for its domain, then the domain's groups).
    return { spans: await spansOf(receiver, tracing, client.traceId, 7), stack };
  }

  it('are absent by default: batch spans count ids, attempt spans carry the route template only', async () => {
    const { spans } = await traceWith({});
    const batch = spans.find((s) => s.name === 'usergraph.batch')!;
    expect(batch.attributes['usergraph.batch.size']).toBe(2);
    expect(batch.attributes).not.toHaveProperty('usergraph.user.ids');
    const group = spans.find((s) => s.name === 'usergraph.group')!;
    expect(group.attributes).not.toHaveProperty('usergraph.group.id');
    for (const attempt of spans.filter((s) => s.kind === 'CLIENT')) {
      expect(attempt.attributes).toHaveProperty('url.template');
      expect(attempt.attributes).not.toHaveProperty('url.full');
    }
    const text = JSON.stringify(spans);
    for (const id of [ADA, CAROL]) expect(text).not.toContain(id);
  });

  it('with TRACE_USER_IDS=true: the batch names its ids, the group span its id, each attempt its full URL; still no credential', async () => {
    const { spans, stack } = await traceWith({ TRACE_USER_IDS: 'true' });
    expect(stack.config.traceUserIds).toBe(true);
    const batch = spans.find((s) => s.name === 'usergraph.batch')!;
    expect([...(batch.attributes['usergraph.user.ids'] as string[])].sort()).toEqual([ADA, CAROL].sort());
    expect(spans.find((s) => s.name === 'usergraph.group')!.attributes['usergraph.group.id']).toBe('56');
    const attempts = spans.filter((s) => s.kind === 'CLIENT' && s.attributes['usergraph.provider'] === 'PASSBOLT');
    const passbolt = new URL(stack.config.providers.PASSBOLT!.baseUrl);
    expect(attempts.map((s) => s.attributes['url.full']).sort()).toEqual([ADA, CAROL].map((id) => `${passbolt.origin}/users/${id}.json`).sort());
    const belladati = spans.filter((s) => s.kind === 'CLIENT' && s.attributes['usergraph.provider'] === 'BELLADATI');
    expect(belladati.map((s) => s.attributes['url.full'])).toContainEqual(expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api\/\S*\/userGroups/));
    const exported = receiver.exports.map((e) => e.body).join('\n');
    for (const secret of Object.values(ALL_DEMO_HEADERS)) expect(exported).not.toContain(secret);
  });

  it('is a boolean setting, off by default', () => {
    expect(loadConfig({}).traceUserIds).toBe(false);
    expect(() => loadConfig({ TRACE_USER_IDS: 'maybe' })).toThrow(/TRACE_USER_IDS/);
  });

  it('redacts secret-looking query parameters of `url.full`, whatever the provider put there', () => {
    expect(redactQuery('/users.json?limit=5&api_key=abc&page=2')).toBe('/users.json?limit=5&api_key=REDACTED&page=2');
    expect(redactQuery('/x?access_token=t&oauth_signature=s&sig=1&X-Amz-Signature=2&user_key=k')).toBe(
      '/x?access_token=REDACTED&oauth_signature=REDACTED&sig=REDACTED&X-Amz-Signature=REDACTED&user_key=REDACTED',
    );
    expect(redactQuery('/Users?filter=id%20eq%20%221%22')).toBe('/Users?filter=id%20eq%20%221%22');
    expect(redactQuery('/users/1.json')).toBe('/users/1.json');
  });
});
