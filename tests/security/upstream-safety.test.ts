/**
 * What reaches a provider, and what comes back from one:
 * - client headers (hop-by-hop, Host, Cookie, forwarding, proxy credentials, a `Connection` that
 *   names the credential header) change nothing in the upstream request: each provider sees the same
 *   header names as for a plain request, and none of the client's values;
 * - an upstream error body, the upstream URL and the credentials never reach the client.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../resilience/fixtures.js';
import { startStack, type Stack } from '../helpers/stack.js';

const MARKER = 'ZX-UPSTREAM-BODY';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

/** A POST through node:http, which (unlike fetch) sends hop-by-hop and Host headers as given. */
function rawPost(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const HOSTILE_HEADERS: Record<string, string> = {
  connection: 'keep-alive, x-api-key, authorization, foo',
  'keep-alive': 'timeout=999',
  te: 'trailers',
  foo: 'zz-foo-value',
  'proxy-authorization': 'Basic zz-proxy-secret',
  'x-forwarded-for': '203.0.113.66',
  'x-forwarded-host': 'zz-evil.example',
  forwarded: 'for=203.0.113.66;host=zz-evil.example',
  host: 'zz-evil.example',
  cookie: 'session=zz-cookie-value',
  authorization: 'Bearer zz-client-authorization',
  'x-api-key': 'zz-client-x-api-key',
  'x-user-key': 'zz-client-x-user-key',
};

describe('client headers never shape the upstream request', () => {
  it.each(FIXTURES.map((f) => [f.provider, f] as const))('%s: same header names as a plain request, none of the client values', async (_p, f) => {
    const body = JSON.stringify({ query: `query($id: ID!) { user(provider: ${f.provider}, id: $id) { id } }`, variables: { id: f.id } });
    const sim = stack.sims[f.sim];

    stack.clearRequests();
    const plain = await rawPost(stack.url, body, f.headers);
    expect(plain.status).toBe(200);
    const plainNames = sim.requests().map((r) => Object.keys(r.headers).sort());

    stack.clearRequests();
    const hostile = await rawPost(stack.url, body, { ...HOSTILE_HEADERS, ...f.headers });
    expect(hostile.status).toBe(200);
    expect(JSON.parse(hostile.text).data.user.id).toBe(JSON.parse(plain.text).data.user.id);
    const seen = sim.requests();
    expect(seen.map((r) => Object.keys(r.headers).sort())).toEqual(plainNames);
    const upstreamText = JSON.stringify(seen);
    expect(upstreamText).not.toMatch(/zz-|203\.0\.113\.66|timeout=999/);
    for (const r of seen) expect(r.headers.host).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});

describe('error masking', () => {
  it.each(FIXTURES.map((f) => [f.provider, f] as const))('%s: an upstream 500 whose body names a marker, the URL and a key leaks none of them', async (_p, f) => {
    const sim = stack.sims[f.sim];
    const leaky = { detail: `${MARKER} at ${sim.url}/internal?key=${Object.values(f.headers)[0]}`, stack: 'Error: boom\n    at handler (/srv/app.js:1:1)' };
    sim.injectFaults([{ fault: { kind: 'status', status: 500, body: leaky }, times: -1 }]);
    try {
      const res = await stack.gql(`query($id: ID!) { user(provider: ${f.provider}, id: $id) { id } }`, { id: f.id }, f.headers);
      expect(res.status).toBe(200);
      expect(res.body.errors[0].extensions.code).toBe('PROVIDER_UNAVAILABLE');
      expect(res.text).not.toContain(MARKER);
      expect(res.text).not.toContain(sim.url);
      expect(res.text).not.toContain('127.0.0.1');
      for (const value of Object.values(f.headers)) expect(res.text).not.toContain(value);
      expect(res.text).not.toMatch(/stacktrace|\n\s+at |app\.js/i);
    } finally {
      sim.clearFaults();
    }
  });

  it.each([
    ['malformed JSON', '{"query": '],
    ['a typo in a field', JSON.stringify({ query: '{ usr(provider: PASSBOLT, id: "1") { id } }' })],
    ['a field that fails', JSON.stringify({ query: '{ user(provider: PASSBOLT, id: "00000000-0000-4000-8000-000000000000") { id } }' })],
  ])('no stack trace and no HTML page for %s', async (_what, body) => {
    const res = await rawPost(stack.url, body, {});
    expect(res.status).toBeLessThan(500);
    expect(res.text).not.toMatch(/stacktrace|\n\s+at |<html|<!doctype/i);
    expect(() => JSON.parse(res.text)).not.toThrow();
  });
});
