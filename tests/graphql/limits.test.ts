import { Writable } from 'node:stream';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startStack, type GraphQLResult, type Stack } from '../helpers/stack.js';

/**
 * Every operation limit at the limit (answered) and one past it (a 400 naming the limit, one JSON
 * log line below error level, the refusal counted, nothing counted as an internal error), over real
 * HTTP. MAX_DEPTH is 3 here because the schema is only 4 levels deep; the other limits keep their
 * defaults (aliases 10, directives 10, tokens 1000).
 */
describe('operation limits', () => {
  let stack: Stack;
  const lines: string[] = [];
  const PASSBOLT = DEMO_CREDENTIALS.PASSBOLT;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    stack = await startStack({ env: { MAX_DEPTH: '3' }, logger: createLogger({ level: 'debug' }, sink) });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const metricsText = async () => (await fetch(stack.url.replace(/\/graphql$/, '/metrics'))).text();
  const counter = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };
  const refusedCount = async (limit: string) => counter(await metricsText(), `usergraph_operations_refused_total{limit="${limit}"}`);
  const internalErrors = async () => counter(await metricsText(), 'usergraph_graphql_errors_total{code="INTERNAL_SERVER_ERROR",provider=""}');

  /** POSTs `query` with the Passbolt demo credentials (and an operation name: stack.gql sends none). */
  async function gql(query: string, operationName?: string): Promise<GraphQLResult> {
    const res = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json', ...PASSBOLT }, body: JSON.stringify({ query, operationName }) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: JSON.parse(text) as GraphQLResult['body'], text };
  }

  /** Sends `query` and checks the answer is a client error refused by `limit`, logged and counted as one. */
  async function expectRefused(query: string, code: string, limit: string, message: RegExp, operationName?: string): Promise<GraphQLResult> {
    const refusedBefore = await refusedCount(limit);
    const internalBefore = await internalErrors();
    stack.clearRequests();
    lines.length = 0;
    const res = await gql(query, operationName);
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].extensions).toEqual({ code });
    expect(res.body.errors[0].message).toMatch(message);
    for (const sim of [stack.sims.syncano, stack.sims.droplit, stack.sims.passbolt, stack.sims.belladati]) expect(sim.requests()).toHaveLength(0);
    // One JSON line, the operation's, at info: a client mistake, not a gateway bug.
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string; refused?: string[]; errors?: string[] });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 30, msg: 'graphql operation', refused: [limit], errors: [code] });
    expect(await refusedCount(limit)).toBe(refusedBefore + 1);
    expect(await internalErrors()).toBe(internalBefore);
    return res;
  }

  async function expectAnswered(query: string): Promise<GraphQLResult> {
    const res = await gql(query);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toBeDefined();
    return res;
  }

  const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: id`).join(' ');

  describe('aliases (MAX_ALIASES=10, every alias counts, fragments once per spread)', () => {
    it('answers 10 aliases', async () => {
      const res = await expectAnswered(`{ me(provider: PASSBOLT) { ${aliases(10)} } }`);
      expect(res.body.data.me.a9).toBe('f848277c-5398-58f8-a82a-72397af2d450');
    });

    it('refuses 11 aliases with 400 GRAPHQL_VALIDATION_FAILED naming the limit', async () => {
      await expectRefused(`{ me(provider: PASSBOLT) { ${aliases(11)} } }`, 'GRAPHQL_VALIDATION_FAILED', 'aliases', /has 11 aliases.* alias limit of 10 \(MAX_ALIASES\)/);
    });

    it('counts the aliases of a fragment each time it is spread', async () => {
      const fragment = `fragment F on User { ${aliases(6)} }`;
      await expectAnswered(`{ me(provider: PASSBOLT) { ...F } } ${fragment}`);
      await expectRefused(`{ me(provider: PASSBOLT) { ...F } m: me(provider: PASSBOLT) { ...F } } ${fragment}`, 'GRAPHQL_VALIDATION_FAILED', 'aliases', /has 13 aliases/);
    });
  });

  describe('depth (MAX_DEPTH=3 here; the root field is level 1, fragments add no level)', () => {
    it('answers an operation 3 levels deep', async () => {
      await expectAnswered(`{ me(provider: PASSBOLT) { ... on PassboltUser { profile { id } } } }`);
    });

    it('refuses an operation 4 levels deep with 400 GRAPHQL_VALIDATION_FAILED naming the limit', async () => {
      await expectRefused(
        `{ me(provider: PASSBOLT) { ...P } } fragment P on PassboltUser { profile { avatar { id } } }`,
        'GRAPHQL_VALIDATION_FAILED',
        'depth',
        /4 levels deep.* depth limit of 3 \(MAX_DEPTH\)/,
      );
    });
  });

  describe('directives (MAX_DIRECTIVES=10, every directive counts)', () => {
    const directives = (n: number) => Array.from({ length: n }, () => 'id @include(if: true)').join(' ');

    it('answers 10 directives', async () => {
      await expectAnswered(`{ me(provider: PASSBOLT) { ${directives(10)} } }`);
    });

    it('refuses 11 directives with 400 GRAPHQL_VALIDATION_FAILED naming the limit', async () => {
      await expectRefused(`{ me(provider: PASSBOLT) { ${directives(11)} } }`, 'GRAPHQL_VALIDATION_FAILED', 'directives', /has 11 directives.* directive limit of 10 \(MAX_DIRECTIVES\)/);
    });
  });

  describe('tokens (MAX_TOKENS=1000, every lexical token but the end of the document)', () => {
    // Operations of 5 tokens each (`query Qi { __typename }`; the first gets the rest as more
    // `__typename`): many tokens, few fields, and only Q0 runs.
    const document = (n: number) =>
      Array.from({ length: Math.floor(n / 5) }, (_, i) => `query Q${i} { __typename${i === 0 ? ' __typename'.repeat(n % 5) : ''} }`).join(' ');
    const send = (query: string) => gql(query, 'Q0');

    it('answers a document of 1000 tokens', async () => {
      const res = await send(document(1000));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: { __typename: 'Query' } });
    });

    it('refuses a document of 1001 tokens with 400 GRAPHQL_PARSE_FAILED naming the limit', async () => {
      await expectRefused(document(1001), 'GRAPHQL_PARSE_FAILED', 'tokens', /more than 1000 tokens.* token limit of 1000 \(MAX_TOKENS\)/, 'Q0');
    });
  });

  describe('introspection depth (15 levels: the standard introspection query, not counted against MAX_DEPTH)', () => {
    // `__type` is level 1, each `ofType` one more, `name` the last.
    const typeRef = (levels: number) => `{ __type(name: "User") { ${'ofType { '.repeat(levels - 2)}name${' }'.repeat(levels - 2)} } }`;

    it("answers graphql-js's full introspection query", async () => {
      const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
      const res = await expectAnswered(query);
      expect(res.body.data.__schema.queryType.name).toBe('Query');
    });

    it('answers a __type query 15 levels deep', async () => {
      const res = await expectAnswered(typeRef(15));
      expect(res.body.data.__type).toEqual({ ofType: null });
    });

    it('refuses a __type query 16 levels deep with 400 GRAPHQL_VALIDATION_FAILED naming the limit', async () => {
      await expectRefused(typeRef(16), 'GRAPHQL_VALIDATION_FAILED', 'introspection_depth', /introspection .*16 levels deep.* limit of 15/);
    });

    it('refuses deep __schema nesting', async () => {
      const query = `{ __schema { types { fields { type { ${'ofType { '.repeat(11)}name${' }'.repeat(11)} } } } } }`;
      await expectRefused(query, 'GRAPHQL_VALIDATION_FAILED', 'introspection_depth', /16 levels deep/);
    });
  });
});
