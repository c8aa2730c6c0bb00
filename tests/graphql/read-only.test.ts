import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { readJson, startStack, type Stack } from '../helpers/stack.js';

/** The schema has only Query: a mutation or subscription is the client's mistake, said plainly. */
describe('a read-only gateway', () => {
  let stack: Stack;
  const lines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    stack = await startStack({ logger: createLogger({ level: 'debug' }, sink) });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const internalErrors = async () => {
    const text = await (await fetch(stack.url.replace(/\/graphql$/, '/metrics'))).text();
    const series = 'usergraph_graphql_errors_total{code="INTERNAL_SERVER_ERROR",provider=""} ';
    const line = text.split('\n').find((l) => l.startsWith(series));
    return line ? Number(line.slice(series.length)) : 0;
  };
  const logged = () => lines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: unknown });

  for (const [kind, plural] of [
    ['mutation', 'mutations'],
    ['subscription', 'subscriptions'],
  ] as const) {
    it(`answers a POSTed ${kind} with 400 GRAPHQL_VALIDATION_FAILED saying the gateway has no ${plural}`, async () => {
      const before = await internalErrors();
      lines.length = 0;
      stack.clearRequests();
      const res = await stack.gql(`${kind} Change { me(provider: PASSBOLT) { id } }`, undefined, DEMO_CREDENTIALS.PASSBOLT);
      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0].message).toBe(`This gateway is read-only: it has no ${plural}.`);
      expect(res.body.errors[0].extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
      expect(stack.sims.passbolt.requests()).toHaveLength(0);
      // Logged once, as the operation's line, below error level, with no stack trace; not an internal error.
      expect(logged()).toHaveLength(1);
      expect(logged()[0]).toMatchObject({ level: 30, msg: 'graphql operation', operation: 'Change', type: kind, errors: ['GRAPHQL_VALIDATION_FAILED'] });
      expect(lines.join('\n')).not.toMatch(/"stack"|"err"/);
      expect(await internalErrors()).toBe(before);
    });
  }

  it('answers a mutation over GET with 405 and Allow: POST, as GraphQL over HTTP requires', async () => {
    const before = await internalErrors();
    lines.length = 0;
    const url = `${stack.url}?query=${encodeURIComponent('mutation { me(provider: PASSBOLT) { id } }')}`;
    const res = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    const body = await readJson(res);
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(logged().every((l) => l.level < 50)).toBe(true);
    expect(await internalErrors()).toBe(before);
  });

  it('still answers a query over GET', async () => {
    const url = `${stack.url}?query=${encodeURIComponent('{ __typename }')}`;
    const res = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    expect(await readJson(res)).toEqual({ data: { __typename: 'Query' } });
  });
});
