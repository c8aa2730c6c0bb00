import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { loadDemoData } from '../../src/simulators/index.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { PROVIDERS } from '../../src/providers/registry.js';

/** Distinct canary credentials (no dictionary words, so any 8 characters are distinctive), accepted by the simulators. */
const CANARY = {
  syncanoApiKey: 'c0ffee11c0ffee22c0ffee33c0ffee44c0ffee55',
  syncanoUserKey: 'beef0000beef1111beef2222beef3333beef4444',
  droplitToken: 'ZqX7kP2mW9vL4tR8nB3jH6',
  passboltToken: 'eyZqA1bC2.dE3fG4hJ5.kL6mN7pQ8',
  belladatiToken: 'Zq9Wm4Tx7Rk2Vp5Ny8Gs',
};
const CANARIES = Object.values(CANARY);

function canaryData() {
  const data = loadDemoData();
  data.syncano.apiKeys = [CANARY.syncanoApiKey];
  (data.syncano.users[0] as { user_key: string }).user_key = CANARY.syncanoUserKey;
  data.droplit.tokens = { [CANARY.droplitToken]: { type: 'server' } };
  data.passbolt.tokens = { [CANARY.passboltToken]: 'f848277c-5398-58f8-a82a-72397af2d450' };
  data.belladati.tokens = { [CANARY.belladatiToken]: '123' };
  return data;
}

const HEADERS = {
  'X-Syncano-Api-Key': CANARY.syncanoApiKey,
  'X-Syncano-User-Key': CANARY.syncanoUserKey,
  'X-Droplit-Token': CANARY.droplitToken,
  'X-Droplit-User': 'C573b86eeee43dd7ba0244f8a;test',
  'X-Passbolt-Token': CANARY.passboltToken,
  'X-BellaDati-Token': CANARY.belladatiToken,
  'X-BellaDati-Username': 'myusername@example.com',
};

describe('logs, metrics and health', () => {
  let stack: Stack;
  const lines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    stack = await startStack({ data: canaryData(), logger: createLogger({ level: 'debug' }, sink), env: { UPSTREAM_BACKOFF_BASE_MS: '1', UPSTREAM_BACKOFF_MAX_MS: '2' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const ALL_ME = `query AllMe { s: me(provider: SYNCANO) { id } d: me(provider: DROPLIT) { id } p: me(provider: PASSBOLT) { id } b: me(provider: BELLADATI) { id } }`;

  it('writes one JSON line per operation with its name, duration, providers, upstream calls and error codes', async () => {
    lines.length = 0;
    stack.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 404, body: { header: { status: 'error', message: 'Not Found' }, body: '' } } }]);
    const res = await stack.gql(ALL_ME, {}, HEADERS);
    expect(res.body.data.s.id).toBe('1');
    const ops = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'graphql operation');
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ operation: 'AllMe', type: 'query', upstreamCalls: 4, errors: ['PASSBOLT:NOT_FOUND'] });
    expect(ops[0].providers.sort()).toEqual(['BELLADATI', 'DROPLIT', 'PASSBOLT', 'SYNCANO']);
    expect(typeof ops[0].durationMs).toBe('number');
    const upstream = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'upstream call');
    expect(upstream).toHaveLength(4);
    expect(upstream.map((u) => u.outcome).sort()).toEqual([200, 200, 200, 404]);
  });

  it('never logs a canary credential, whole or any 8 characters of it, whatever happens', async () => {
    lines.length = 0;
    stack.sims.droplit.injectFaults([{ fault: { kind: 'status', status: 500, body: `boom ${CANARY.droplitToken}` }, times: 3 }]);
    stack.sims.belladati.injectFaults([{ fault: { kind: 'non-json' } }]);
    await stack.gql(ALL_ME, {}, HEADERS);
    await stack.gql(`{ user(provider: SYNCANO, id: "..") { id } }`, {}, HEADERS);
    await stack.gql(`{ me(provider: PASSBOLT) { id } }`, {}, { 'X-Passbolt-Token': `${CANARY.passboltToken}x` });
    await stack.gql(`{ me(provider: SYNCANO) { nope } }`, {}, HEADERS);
    const text = lines.join('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const canary of CANARIES) {
      for (let i = 0; i + 8 <= canary.length; i++) expect(text).not.toContain(canary.slice(i, i + 8));
    }
  });

  it('serves Prometheus metrics: requests and errors by code, upstream calls by provider and status, batch sizes, breaker state', async () => {
    await stack.gql(`{ a: user(provider: SYNCANO, id: "1") { id } b: user(provider: SYNCANO, id: "2") { id } }`, {}, { 'X-Syncano-Api-Key': CANARY.syncanoApiKey });
    const res = await fetch(stack.url.replace('/graphql', '/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/usergraph_graphql_requests_total\{outcome="ok"\} [1-9]/);
    expect(text).toMatch(/usergraph_graphql_errors_total\{code="NOT_FOUND",provider="PASSBOLT"\} [1-9]/);
    expect(text).toMatch(/usergraph_upstream_requests_total\{provider="SYNCANO",status="200"\} [1-9]/);
    expect(text).toMatch(/usergraph_upstream_requests_total\{provider="DROPLIT",status="500"\} [1-9]/);
    expect(text).toMatch(/usergraph_upstream_request_duration_seconds_bucket\{le="[^"]+",provider="SYNCANO",status="200"\}/);
    expect(text).toMatch(/usergraph_dataloader_batch_size_bucket\{le="2",provider="SYNCANO"\} [1-9]/);
    expect(text).toMatch(/usergraph_breaker_state\{provider="PASSBOLT"\} 0/);
    expect(text).toMatch(/usergraph_upstream_in_flight\{provider="BELLADATI"\} 0/);
    expect(text).toMatch(/usergraph_graphql_requests_in_flight 0/);
    expect(text).toContain('usergraph_process_resident_memory_bytes');
    for (const canary of CANARIES) expect(text).not.toContain(canary);
  });

  it('logs a refused operation once, at info, through the request logger, and counts it by limit, not as an internal error', async () => {
    const metric = async (series: string) => {
      const text = await (await fetch(stack.url.replace('/graphql', '/metrics'))).text();
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line ? Number(line.slice(series.length + 1)) : 0;
    };
    const refusedBefore = await metric('usergraph_operations_refused_total{limit="aliases"}');
    const internalBefore = await metric('usergraph_graphql_errors_total{code="INTERNAL_SERVER_ERROR",provider=""}');
    lines.length = 0;
    const aliases = Array.from({ length: 11 }, (_, i) => `a${i}: id`).join(' ');
    const res = await stack.gql(`query TooMany { me(provider: PASSBOLT) { ${aliases} } }`, {}, { ...HEADERS, 'X-Request-Id': 'refusal-test-1' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    const logged = lines.map((l) => JSON.parse(l));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 30, msg: 'graphql operation', requestId: 'refusal-test-1', operation: 'TooMany', errors: ['GRAPHQL_VALIDATION_FAILED'], refused: ['aliases'] });
    expect(await metric('usergraph_operations_refused_total{limit="aliases"}')).toBe(refusedBefore + 1);
    expect(await metric('usergraph_graphql_errors_total{code="INTERNAL_SERVER_ERROR",provider=""}')).toBe(internalBefore);
  });

  it('answers /healthz for liveness and /readyz with each provider and its breaker', async () => {
    const base = stack.url.replace('/graphql', '');
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as any;
    expect(body.providers.SYNCANO).toEqual({ configured: true, breaker: 'closed', inFlight: 0 });
    expect(Object.keys(body.providers)).toEqual([...PROVIDERS]);
    expect(['ready', 'degraded']).toContain(body.status);
  });
});
