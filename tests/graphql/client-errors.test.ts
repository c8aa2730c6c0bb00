import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { readJson, startStack, type Stack } from '../helpers/stack.js';

/**
 * A client's mistake is answered with a clear error and its standard code, logged below error
 * level, and never counted as an internal error.
 */
function captureLines() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'debug' }, sink) };
}

async function internalErrors(stack: Stack): Promise<number> {
  const text = await (await fetch(stack.url.replace(/\/graphql$/, '/metrics'))).text();
  const series = 'usergraph_graphql_errors_total{code="INTERNAL_SERVER_ERROR",provider=""} ';
  const line = text.split('\n').find((l) => l.startsWith(series));
  return line ? Number(line.slice(series.length)) : 0;
}

describe('client mistakes', () => {
  let stack: Stack;
  const { lines, logger } = captureLines();
  beforeAll(async () => {
    stack = await startStack({ logger });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const post = async (body: unknown) => {
    const res = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: await readJson(res) };
  };

  const cases: Array<{ name: string; body: unknown; status: number; code: string | string[]; message?: RegExp }> = [
    { name: 'a parse error', body: { query: '{ me(provider: PASSBOLT) { id }' }, status: 400, code: 'GRAPHQL_PARSE_FAILED', message: /Syntax Error/ },
    { name: 'a validation error', body: { query: '{ me(provider: PASSBOLT) { nope } }' }, status: 400, code: 'GRAPHQL_VALIDATION_FAILED', message: /Cannot query field "nope"/ },
    { name: 'bad variables', body: { query: 'query($p: Provider!) { me(provider: $p) { id } }', variables: { p: 'NOPE' } }, status: 400, code: 'BAD_USER_INPUT', message: /\$p/ },
    { name: 'a missing variable', body: { query: 'query($id: ID!) { user(provider: PASSBOLT, id: $id) { id } }' }, status: 400, code: 'BAD_USER_INPUT', message: /\$id/ },
    { name: 'an unknown operation name', body: { query: 'query A { __typename }', operationName: 'B' }, status: 400, code: 'OPERATION_RESOLUTION_FAILURE', message: /Unknown operation named "B"/ },
    {
      name: 'an unknown persisted query',
      body: { extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } },
      status: 200,
      code: ['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED'],
    },
    {
      name: 'a persisted query whose hash does not match its text',
      body: { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } },
      status: 400,
      code: 'BAD_REQUEST',
      message: /sha does not match/,
    },
    {
      name: 'an unsupported persisted query version',
      body: { query: '{ __typename }', extensions: { persistedQuery: { version: 2, sha256Hash: 'ab'.repeat(32) } } },
      status: 400,
      code: 'BAD_REQUEST',
      message: /Unsupported persisted query version/,
    },
  ];

  for (const c of cases) {
    it(`answers ${c.name} with ${String(c.code)}, logs it below error level and does not count it as an internal error`, async () => {
      const before = await internalErrors(stack);
      lines.length = 0;
      const res = await post(c.body);
      expect(res.status).toBe(c.status);
      expect(res.body.errors).toHaveLength(1);
      const codes = Array.isArray(c.code) ? c.code : [c.code];
      expect(codes).toContain(res.body.errors[0].extensions.code);
      if (c.message) expect(res.body.errors[0].message).toMatch(c.message);
      const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string; errors?: string[] });
      expect(logged.filter((l) => l.msg === 'graphql operation')).toHaveLength(1);
      expect(logged.filter((l) => l.level >= 50)).toEqual([]);
      expect(await internalErrors(stack)).toBe(before);
    });
  }
});

describe('introspection turned off', () => {
  let stack: Stack;
  const { lines, logger } = captureLines();
  beforeAll(async () => {
    stack = await startStack({ env: { INTROSPECTION: 'false' }, logger });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses an introspection query with 400 GRAPHQL_VALIDATION_FAILED saying how to turn it on', async () => {
    const before = await internalErrors(stack);
    lines.length = 0;
    const res = await stack.gql('{ __schema { queryType { name } } }');
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(res.body.errors[0].message).toMatch(/INTROSPECTION=true/);
    expect(res.body.errors[0].message).not.toMatch(/ApolloServer/);
    expect(lines.map((l) => JSON.parse(l) as { level: number }).filter((l) => l.level >= 50)).toEqual([]);
    expect(await internalErrors(stack)).toBe(before);
  });

  it('still answers __typename', async () => {
    const res = await stack.gql('{ __typename }');
    expect(res.body).toEqual({ data: { __typename: 'Query' } });
  });
});
