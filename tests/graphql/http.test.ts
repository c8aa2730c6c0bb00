import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { readJson, startStack, type Stack } from '../helpers/stack.js';

describe('the GraphQL HTTP front door', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { REQUEST_MAX_BODY_BYTES: '2048' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(stack.url, { method: 'POST', headers, body });

  it('answers malformed JSON with a GraphQL-shaped 400, not an HTML page or a stack trace', async () => {
    const res = await post('{"query": ');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = await readJson(res);
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(JSON.stringify(body)).not.toMatch(/SyntaxError|at JSON\.parse|\.ts:/);
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await post(JSON.stringify({ query: `{ __typename }`, pad: 'x'.repeat(4096) }));
    expect(res.status).toBe(413);
    expect((await readJson(res)).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('rejects an unknown provider as a validation error with no upstream call', async () => {
    stack.clearRequests();
    const res = await stack.gql(`{ user(provider: GITHUB, id: "1") { id } }`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    for (const sim of [stack.sims.syncano, stack.sims.droplit, stack.sims.passbolt, stack.sims.belladati]) expect(sim.requests()).toHaveLength(0);
  });

  it('rejects a bad provider in variables with BAD_USER_INPUT', async () => {
    const res = await stack.gql(`query($p: Provider!) { me(provider: $p) { id } }`, { p: 'NOPE' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('serves queries over GET with the CSRF-safe header set', async () => {
    const url = `${stack.url}?query=${encodeURIComponent('{ me(provider: BELLADATI) { id } }')}`;
    const res = await fetch(url, { headers: { 'apollo-require-preflight': 'true', ...DEMO_CREDENTIALS.BELLADATI } });
    expect(res.status).toBe(200);
    expect((await readJson(res)).data.me.id).toBe('123');
  });

  it('blocks a simple (CSRF-able) GET that carries no preflight header', async () => {
    const url = `${stack.url}?query=${encodeURIComponent('{ me(provider: BELLADATI) { id } }')}`;
    const res = await fetch(url, { headers: { cookie: 'session=1' } });
    expect(res.status).toBe(400);
  });

  it('serves a GET that carries a provider credential header (a browser preflights it, like apollo-require-preflight)', async () => {
    const url = `${stack.url}?query=${encodeURIComponent('{ me(provider: BELLADATI) { id } }')}`;
    const res = await fetch(url, { headers: DEMO_CREDENTIALS.BELLADATI });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data.me.id).toBeTruthy();
  });

  it('refuses batched HTTP requests', async () => {
    const res = await post(JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]));
    expect(res.status).toBe(400);
  });

  it('answers /healthz and a JSON 404 elsewhere', async () => {
    const base = stack.url.replace(/\/graphql$/, '');
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await readJson(health)).toEqual({ status: 'ok' });
    const other = await fetch(`${base}/nope`);
    expect(other.status).toBe(404);
    expect((await readJson(other)).errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('serves every DateTime as RFC 3339 UTC', async () => {
    const headers = { ...DEMO_CREDENTIALS.SYNCANO, ...DEMO_CREDENTIALS.DROPLIT, ...DEMO_CREDENTIALS.PASSBOLT, ...DEMO_CREDENTIALS.BELLADATI };
    const res = await stack.gql(
      `{ s: me(provider: SYNCANO) { createdAt updatedAt } d: me(provider: DROPLIT) { createdAt }
         p: me(provider: PASSBOLT) { createdAt updatedAt } b: me(provider: BELLADATI) { lastLoginAt } }`,
      {},
      headers,
    );
    expect(res.body.errors).toBeUndefined();
    const values = [res.body.data.s.createdAt, res.body.data.s.updatedAt, res.body.data.d.createdAt, res.body.data.p.createdAt, res.body.data.p.updatedAt, res.body.data.b.lastLoginAt];
    for (const v of values) expect(v).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(res.body.data.s.createdAt).toBe('2015-05-19T15:52:36.183576Z');
    expect(res.body.data.b.lastLoginAt).toBe('2016-04-12T11:40:58Z');
  });
});

describe('a provider that is not configured', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers PROVIDER_UNAVAILABLE on its fields while the others work', async () => {
    const { createGateway } = await import('../../src/server.js');
    const { createSilentLogger } = await import('../../src/logger.js');
    const config = { ...stack.config, providers: { ...stack.config.providers, DROPLIT: null } };
    const gateway = await createGateway(config, { logger: createSilentLogger() });
    const url = await gateway.listen(0, '127.0.0.1');
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...DEMO_CREDENTIALS.DROPLIT, ...DEMO_CREDENTIALS.BELLADATI },
        body: JSON.stringify({ query: '{ d: me(provider: DROPLIT) { id } b: me(provider: BELLADATI) { id } }' }),
      });
      const body = await readJson(res);
      expect(body.data.b.id).toBe('123');
      expect(body.data.d).toBeNull();
      expect(body.errors[0].extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider: 'DROPLIT', reason: 'NOT_CONFIGURED' });
    } finally {
      await gateway.stop();
    }
  });
});
