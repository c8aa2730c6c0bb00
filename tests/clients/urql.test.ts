/**
 * urql with its defaults against a live gateway: short queries go out as GET
 * (`preferGetMethod: 'within-url-limit'`), carrying the provider credential in a header, which a
 * browser can only send cross-origin after a preflight; CSRF prevention counts those headers, so no
 * `apollo-require-preflight` is needed. Requests a browser sends without a preflight stay refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, fetchExchange, gql } from '@urql/core';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { readJson, startStack, type Stack } from '../helpers/stack.js';

describe('urql (default options) against the gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** A urql client with default options; `fetch` only records the method each request used. */
  function client(headers: Record<string, string>) {
    const methods: string[] = [];
    const recording: typeof fetch = (input, init) => {
      methods.push(init?.method ?? 'GET');
      return fetch(input, init);
    };
    return { methods, client: new Client({ url: stack.url, exchanges: [fetchExchange], fetchOptions: { headers }, fetch: recording }) };
  }

  it('sends a short query as GET with the credential header, and gets the data', async () => {
    const { client: urql, methods } = client({ ...DEMO_CREDENTIALS.PASSBOLT });
    const result = await urql
      .query(gql`query PassboltMe { me(provider: PASSBOLT) { id username groups { id provider groupId } } }`, {})
      .toPromise();
    expect(methods).toEqual(['GET']);
    expect(result.error).toBeUndefined();
    expect(result.data.me).toEqual({ id: 'f848277c-5398-58f8-a82a-72397af2d450', username: 'ada@passbolt.com', groups: [] });
  });

  it('works for every provider: each credential header counts as a preflight header', async () => {
    const cases = [
      ['SYNCANO', { 'X-Syncano-Api-Key': DEMO_CREDENTIALS.SYNCANO['X-Syncano-Api-Key'] }, 'user(provider: SYNCANO, id: "1")', '1'],
      ['DROPLIT', { 'X-Droplit-Token': DEMO_CREDENTIALS.DROPLIT['X-Droplit-Token'] }, 'user(provider: DROPLIT, id: "C573b86eeee43dd7ba0244f8a;test")', 'C573b86eeee43dd7ba0244f8a;test'],
      ['BELLADATI', { 'X-BellaDati-Token': DEMO_CREDENTIALS.BELLADATI['X-BellaDati-Token'] }, 'user(provider: BELLADATI, id: "123")', '123'],
    ] as const;
    for (const [provider, headers, field, id] of cases) {
      const { client: urql, methods } = client({ ...headers });
      const result = await urql.query(`query { u: ${field} { id provider } }`, {}).toPromise();
      expect(methods, provider).toEqual(['GET']);
      expect(result.error, provider).toBeUndefined();
      expect(result.data.u, provider).toEqual({ id, provider });
    }
  });

  it('passes variables in the GET URL', async () => {
    const { client: urql, methods } = client({ 'X-Syncano-Api-Key': DEMO_CREDENTIALS.SYNCANO['X-Syncano-Api-Key'] });
    const result = await urql
      .query(gql`query SyncanoUser($id: ID!) { user(provider: SYNCANO, id: $id) { id username } }`, { id: '2' })
      .toPromise();
    expect(methods).toEqual(['GET']);
    expect(result.error).toBeUndefined();
    expect(result.data.user).toMatchObject({ id: '2', username: 'yennefer' });
  });
});

describe('CSRF prevention still refuses what a browser sends without a preflight', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const query = encodeURIComponent('{ __typename }');

  it('refuses a GET with no preflight header and no JSON content type (400 BAD_REQUEST)', async () => {
    stack.clearRequests();
    const res = await fetch(`${stack.url}?query=${encodeURIComponent('{ me(provider: PASSBOLT) { id } }')}`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(body.errors[0].message).toMatch(/Cross-Site Request Forgery/);
    expect(body.data).toBeUndefined();
    expect(stack.sims.passbolt.requests()).toHaveLength(0);
  });

  it('refuses a simple POST (text/plain, no preflight header)', async () => {
    const res = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(res.status).toBe(400);
    expect((await readJson(res)).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses a GET whose only extra header is a CORS-safelisted one', async () => {
    const res = await fetch(`${stack.url}?query=${query}`, { headers: { 'accept-language': 'en', 'content-type': 'text/plain' } });
    expect(res.status).toBe(400);
  });

  it('accepts a GET carrying a provider credential header, or Apollo\'s own preflight header', async () => {
    const variants: Record<string, string>[] = [{ 'X-Droplit-User': DEMO_CREDENTIALS.DROPLIT['X-Droplit-User'] }, { 'x-belladati-username': 'nobody' }, { 'apollo-require-preflight': 'true' }];
    for (const headers of variants) {
      const res = await fetch(`${stack.url}?query=${query}`, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(await readJson(res)).toEqual({ data: { __typename: 'Query' } });
    }
  });
});
