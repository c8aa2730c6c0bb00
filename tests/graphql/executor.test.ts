/**
 * The executor switch (EXECUTOR, src/executor/jit.ts): the same operations, over real HTTP against the
 * simulators, answer byte for byte the same through graphql-jit as through graphql-js: data, partial
 * results with their error codes, paths and providers, abstract types on every provider, custom
 * scalars, aliases, variables and directives, refusals, introspection, federation, stale marks. And the
 * compiled operations are cached: compiled once, reused, bounded.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createJitGateway } from '../../src/executor/jit.js';
import { createSilentLogger } from '../../src/logger.js';
import { createSchema } from '../../src/schema.js';
import type { BellaDatiSimulatorData } from '../../src/simulators/belladati/index.js';
import belladatiDemo from '../../src/simulators/belladati/demo-data.json' with { type: 'json' };
import type { PassboltSimulatorData } from '../../src/simulators/passbolt/index.js';
import passboltDemo from '../../src/simulators/passbolt/demo-data.json' with { type: 'json' };
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { SIMULATOR_MODULES } from '../../src/simulators/registry.js';
import { createGate, type FaultRule } from '../../src/simulators/faults.js';
import { startStack, type GraphQLResult, type Stack, type StartStackOptions } from '../helpers/stack.js';

const CREDS: Record<string, string> = Object.assign({}, ...Object.values(DEMO_CREDENTIALS));

const SYNCANO = 'SYNCANO';
const PASSBOLT_CAROL = 'd1db2a3e-1676-4440-bc34-1aacc89fa90f';
const SCIM_ZOE = '7c1f4e2a-9d3b-4c8e-a5f1-2b6d8e0c4a97';
const DROPLIT_TEST_USER = 'C573b86eeee43dd7ba0244f8a;testUser';

/** A BellaDati record whose `active` is unreadable (an error on that field: model.ts FieldValue). */
const BELLADATI: BellaDatiSimulatorData = (() => {
  const demo = belladatiDemo as BellaDatiSimulatorData;
  const john = (demo.users as Array<Record<string, unknown>>).find((u) => u.id === '123')!;
  return { ...demo, users: [...(demo.users as Array<Record<string, unknown>>), { ...john, id: '711', active: 'yes' }] };
})() as BellaDatiSimulatorData;

/** A Passbolt record with four unreadable fields: `active`, `deleted`, `role_id` (non-null) and `created` (a nullable DateTime). */
const BROKEN_PASSBOLT = 'e1a2b3c4-0000-4000-8000-000000000001';
const PASSBOLT: PassboltSimulatorData = (() => {
  const demo = passboltDemo as unknown as PassboltSimulatorData;
  const carol = (demo.users as Array<Record<string, unknown>>).find((u) => u.id === PASSBOLT_CAROL)!;
  const broken = { ...carol, id: BROKEN_PASSBOLT, username: 'broken@passbolt.com', active: 'yes', deleted: 'no', role_id: 5, created: 'last tuesday' };
  return { ...demo, users: [...(demo.users as Array<Record<string, unknown>>), broken] } as PassboltSimulatorData;
})();

const USER_FIELDS = `__typename id provider username email displayName givenName middleName familyName active
  createdAt updatedAt lastLoginAt locale timezone phone avatarUrl
  groups { __typename id provider groupId name description } roles { value scope }`;

/** Every provider's own fields, as inline fragments on its type. */
const PROVIDER_FRAGMENTS = `
  ... on SyncanoUser { profile { owner revision ownerPermissions groupPermissions otherPermissions group channel channelRoom links fields } syncanoGroups { label description name links } links { self profile resetKey } }
  ... on DroplitUser { ecosystemId uniqueId meta access { environmentId accessLevel } }
  ... on PassboltUser { roleId setupCompleted deleted disabled isMfaEnabled profile { firstName lastName avatar { urlMedium urlSmall } } role { name description } gpgkey { fingerprint keyId bits uid type expires keyCreated deleted } groupsUsers { groupId isAdmin } }
  ... on BellaDatiUser { domainId info firstLoginAt }
  ... on ScimUser { externalId name { formatted honorificPrefix honorificSuffix } nickName profileUrl title userType preferredLanguage emails { value type primary display } phoneNumbers { value type primary display } photos { value type primary display } schemas enterprise { employeeNumber costCenter organization division department manager { value } } extensions }`;

interface Request {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  headers?: Record<string, string>;
}

/** POSTs one operation (with its operation name, which `Stack.gql` does not send). */
async function post(stack: Stack, { query, variables, operationName, headers = CREDS }: Request): Promise<GraphQLResult> {
  const res = await fetch(stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables, operationName }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as GraphQLResult['body'], text };
}

/** Polls until `condition` holds (45 s at most: the CI machine is slow at times). */
async function until(condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 45_000; !condition(); ) {
    if (Date.now() > deadline) throw new Error('condition not met within 45 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One stack per executor, on the same data and settings. */
async function startPair(options: StartStackOptions = {}): Promise<{ jit: Stack; js: Stack }> {
  const [jit, js] = await Promise.all([
    startStack({ ...options, env: { ...options.env, EXECUTOR: 'graphql-jit' } }),
    startStack({ ...options, env: { ...options.env, EXECUTOR: 'graphql-js' } }),
  ]);
  return { jit, js };
}

describe('graphql-jit answers exactly as graphql-js', () => {
  let jit: Stack;
  let js: Stack;
  beforeAll(async () => {
    ({ jit, js } = await startPair({ data: { belladati: BELLADATI, passbolt: PASSBOLT } }));
    expect(jit.gateway.compiledOperations()).toBeDefined();
    expect(js.gateway.compiledOperations()).toBeUndefined();
  });
  afterAll(async () => {
    await Promise.all([jit?.close(), js?.close()]);
  });
  afterEach(() => {
    for (const stack of [jit, js]) for (const { key } of SIMULATOR_MODULES) stack.sims[key].clearFaults();
  });

  /** Sends the request to both (one after the other: the simulators' faults count calls) and compares. */
  async function same(request: Request): Promise<GraphQLResult> {
    const a = await post(jit, request);
    const b = await post(js, request);
    expect({ status: a.status, body: a.body }).toEqual({ status: b.status, body: b.body });
    expect(a.text).toBe(b.text);
    expect(a.headers.get('content-type')).toBe(b.headers.get('content-type'));
    return a;
  }

  const injectBoth = (key: (typeof SIMULATOR_MODULES)[number]['key'], rules: FaultRule[]) => {
    jit.sims[key].injectFaults(rules);
    js.sims[key].injectFaults(rules);
  };

  it('every provider\'s user, with inline fragments on all five types, custom scalars (DateTime, JSON) and __typename', async () => {
    const res = await same({
      query: `{
        __typename
        s: me(provider: SYNCANO) { ${USER_FIELDS} ${PROVIDER_FRAGMENTS} }
        d: me(provider: DROPLIT) { ${USER_FIELDS} ${PROVIDER_FRAGMENTS} }
        p: me(provider: PASSBOLT) { ${USER_FIELDS} ${PROVIDER_FRAGMENTS} }
        b: user(provider: BELLADATI, id: "123") { ${USER_FIELDS} ${PROVIDER_FRAGMENTS} }
        c: me(provider: SCIM) { ${USER_FIELDS} ${PROVIDER_FRAGMENTS} }
      }`,
    });
    expect(res.body.errors).toBeUndefined();
    expect(Object.values(res.body.data).slice(1).map((u: any) => u.__typename)).toEqual(['SyncanoUser', 'DroplitUser', 'PassboltUser', 'BellaDatiUser', 'ScimUser']);
    expect(res.body.data.d.meta).toBeTypeOf('object');
    expect(res.body.data.p.createdAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
  });

  it('aliases, variables, named fragments, @skip and @include', async () => {
    const query = `query Users($p: Provider!, $id: ID!, $withEmail: Boolean!, $skipGroups: Boolean = false) {
      first: user(provider: $p, id: $id) { ...Who email @include(if: $withEmail) groups @skip(if: $skipGroups) { name } }
      again: user(provider: $p, id: $id) { ...Who ... @include(if: $withEmail) { mail: email } ... on PassboltUser @skip(if: $skipGroups) { roleId } }
    }
    fragment Who on User { id handle: username ... on PassboltUser { deleted } }`;
    for (const variables of [
      { p: 'PASSBOLT', id: PASSBOLT_CAROL, withEmail: true },
      { p: 'PASSBOLT', id: PASSBOLT_CAROL, withEmail: false, skipGroups: true },
    ]) {
      const res = await same({ query, variables, operationName: 'Users' });
      expect(res.body.errors).toBeUndefined();
    }
  });

  it('partial results: a failing provider is an error on its field, with code, path and provider; the others resolve', async () => {
    injectBoth('passbolt', [{ fault: { kind: 'status', status: 503 }, times: -1 }]);
    const res = await same({
      query: `{ s: me(provider: SYNCANO) { id } p: me(provider: PASSBOLT) { id username } b: user(provider: BELLADATI, id: "999") { id } z: user(provider: SYNCANO, id: "abc") { id } }`,
    });
    expect(res.body.data.s).toEqual({ id: '1' });
    expect(res.body.errors.map((e: any) => e.extensions.code).sort()).toEqual(['BAD_USER_INPUT', 'NOT_FOUND', 'PROVIDER_UNAVAILABLE']);
  });

  it('missing credentials: UNAUTHENTICATED on that provider alone', async () => {
    const { 'X-Droplit-Token': _token, ...withoutDroplit } = CREDS;
    const res = await same({ query: `{ d: me(provider: DROPLIT) { id } s: me(provider: SYNCANO) { id } }`, headers: withoutDroplit });
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', provider: 'DROPLIT' });
  });

  it('a field-level GatewayError inside a model (FieldValue): the error on that field, the null carried to the user', async () => {
    const res = await same({ query: `{ user(provider: BELLADATI, id: "711") { id username active locale } ok: user(provider: BELLADATI, id: "123") { id active } }` });
    expect(res.body.data).toEqual({ user: null, ok: { id: '123', active: true } });
    expect(res.body.errors).toEqual([
      expect.objectContaining({ path: ['user', 'active'], extensions: { code: 'PROVIDER_BAD_RESPONSE', provider: 'BELLADATI', reason: 'BAD_FIELD' } }),
    ]);
  });

  it('several failing fields in one user: graphql-js\'s errors, in its order, none under a parent already nulled', async () => {
    const user = (fields: string) => `user(provider: PASSBOLT, id: "${BROKEN_PASSBOLT}") { ${fields} }`;
    const cases: Array<[string, string[][]]> = [
      // graphql-js stops at the first non-null field that fails.
      [`{ ${user('id active ... on PassboltUser { deleted roleId }')} }`, [['user', 'active']]],
      [`{ ${user('... on PassboltUser { roleId deleted } active')} }`, [['user', 'roleId']]],
      [`{ ${user('a: active b: active')} }`, [['user', 'a']]],
      // A nullable field's error before it is kept; one after it never happens.
      [`{ ${user('id createdAt active updatedAt')} }`, [['user', 'createdAt'], ['user', 'active']]],
      [`{ ${user('id active createdAt')} }`, [['user', 'active']]],
      [`{ ${user('createdAt')} other: ${user('createdAt username')} }`, [['user', 'createdAt'], ['other', 'createdAt']]],
      // Independent branches each keep their own.
      [`{ first: ${user('... on PassboltUser { deleted }')} second: ${user('createdAt ... on PassboltUser { roleId }')} }`, [['first', 'deleted'], ['second', 'createdAt'], ['second', 'roleId']]],
    ];
    for (const [query, paths] of cases) {
      const res = await same({ query });
      expect(res.body.errors.map((e: { path: string[] }) => e.path)).toEqual(paths);
      expect(res.body.errors.map((e: any) => e.extensions.code)).toEqual(paths.map(() => 'PROVIDER_BAD_RESPONSE'));
    }
    // Inside lists: the item nulls the list's nullable parent.
    const listed = await same({ query: `{ users(provider: PASSBOLT, first: 100) { edges { node { id active } } } }` });
    expect(listed.body.data.users).toBeNull();
    expect(listed.body.errors).toHaveLength(1);
  });

  it('lists, connections and groups (directory queries)', async () => {
    await same({
      query: `query ($after: String) { users(provider: PASSBOLT, first: 2, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id username groups { id name } } } } }`,
      variables: {},
    });
    await same({ query: `{ users(provider: DROPLIT) { totalCount } s: users(provider: SYNCANO, first: 0) { totalCount } }` });
  });

  it('bad variables: BAD_USER_INPUT and HTTP 400 in graphql-js\'s words', async () => {
    const query = `query ($id: ID!, $first: Int) { user(provider: SYNCANO, id: $id) { id } users(provider: SYNCANO, first: $first) { totalCount } }`;
    for (const variables of [{}, { id: { no: 1 } }, { id: '1', first: 'many' }, { id: null, first: 1.5 }]) {
      const res = await same({ query, variables });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    const enumVar = await same({ query: `query ($p: Provider!) { me(provider: $p) { id } }`, variables: { p: 'GITHUB' } });
    expect(enumVar.status).toBe(400);
  });

  it('an operation that cannot be picked: OPERATION_RESOLUTION_FAILURE', async () => {
    const query = `query A { __typename } query B { __typename }`;
    const none = await same({ query });
    expect(none.body.errors[0].extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
    await same({ query, operationName: 'C' });
    const picked = await same({ query, operationName: 'B' });
    expect(picked.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('refusals before execution: limits, validation, parse errors', async () => {
    const deep = await same({ query: `{ group(provider: PASSBOLT, id: "1") { members { edges { node { ... on PassboltUser { profile { avatar { urlSmall } } } } } } } }` });
    expect(deep.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const pages = Array.from({ length: 6 }, (_, i) => `p${i}: users(provider: SYNCANO, filter: { search: "${i}" }) { totalCount }`).join(' ');
    expect((await same({ query: `{ ${pages} }` })).body.errors[0].extensions.code).toBe('OPERATION_TOO_EXPENSIVE');
    const aliases = Array.from({ length: 12 }, (_, i) => `a${i}: __typename`).join(' ');
    expect((await same({ query: `{ ${aliases} }` })).body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await same({ query: `{ user(provider: SYNCANO) { id } }` })).status).toBe(400);
    expect((await same({ query: `{ me(provider: SYNCANO) { id ` })).body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('introspection', async () => {
    const res = await same({ query: getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true }) });
    expect(res.body.data.__schema.types.length).toBeGreaterThan(20);
    await same({ query: `{ __type(name: "User") { name kind possibleTypes { name } fields(includeDeprecated: true) { name type { kind ofType { name } } } } }` });
  });

  it('federation: _service and _entities, with per-representation errors', async () => {
    const sdl = await same({ query: `{ _service { sdl } }` });
    expect(sdl.body.data._service.sdl).toContain('interface User');
    const representations = [
      { __typename: 'User', provider: 'SYNCANO', id: '1' },
      { __typename: 'PassboltUser', provider: 'PASSBOLT', id: PASSBOLT_CAROL },
      { __typename: 'ScimUser', provider: 'SCIM', id: SCIM_ZOE },
      { __typename: 'DroplitUser', provider: 'DROPLIT', id: DROPLIT_TEST_USER },
      { __typename: 'SyncanoUser', provider: 'PASSBOLT', id: '1' },
      { __typename: 'User', provider: 'GITHUB', id: '1' },
      { __typename: 'User', provider: SYNCANO },
      { __typename: 'BellaDatiUser', provider: 'BELLADATI', id: '711' },
    ];
    const res = await same({
      query: `query ($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on User { id provider username active } ... on SyncanoUser { links { self } } } }`,
      variables: { representations },
    });
    expect(res.body.data._entities.slice(0, 4).map((e: any) => e?.__typename)).toEqual(['SyncanoUser', 'PassboltUser', 'ScimUser', 'DroplitUser']);
    expect(res.body.errors.length).toBeGreaterThanOrEqual(3);
  });

  it('_entities whose failing items settle after the others: every item at its own index', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const request = {
      query: `query ($r: [_Any!]!) { _entities(representations: $r) { __typename ... on User { provider id } } }`,
      variables: {
        r: [
          { __typename: 'PassboltUser', provider: 'PASSBOLT', id: missing },
          { __typename: 'User', provider: 'SYNCANO', id: '1' },
          { __typename: 'PassboltUser', provider: 'PASSBOLT', id: missing.replace(/0$/, '1') },
          { __typename: 'ScimUser', provider: 'SCIM', id: SCIM_ZOE },
        ],
      },
    };
    // Passbolt's 404s are held until Syncano and SCIM have answered, so the rejected items come last.
    const gated = async (stack: Stack) => {
      stack.clearRequests();
      const gate = createGate();
      stack.sims.passbolt.injectFaults([{ fault: { kind: 'gate', gate }, times: -1 }]);
      const answer = post(stack, request);
      await until(() => stack.sims.passbolt.requests().length === 2 && stack.sims.syncano.requests().length === 1 && stack.sims.scim.requests().length === 1);
      gate.open();
      return answer;
    };
    const [a, b] = [await gated(jit), await gated(js)];
    expect(a.text).toBe(b.text);
    expect(a.body.data._entities).toEqual([null, { __typename: 'SyncanoUser', provider: 'SYNCANO', id: '1' }, null, { __typename: 'ScimUser', provider: 'SCIM', id: SCIM_ZOE }]);
    expect(a.body.errors.map((e: any) => [e.path, e.extensions.code])).toEqual([
      [['_entities', 0], 'NOT_FOUND'],
      [['_entities', 2], 'NOT_FOUND'],
    ]);
  });

  it('a federated trace (ftv1) asked by a router: graphql-js runs the request, so every field is traced', async () => {
    const headers = { ...CREDS, 'apollo-federation-include-trace': 'ftv1' };
    const query = `{ me(provider: SYNCANO) { id username } }`;
    const compiled = jit.gateway.compiledOperations()!.compiles;
    const [a, b] = [await post(jit, { query, headers }), await post(js, { query, headers })];
    expect(jit.gateway.compiledOperations()!.compiles).toBe(compiled);
    expect(a.body.data).toEqual(b.body.data);
    expect(typeof a.body.extensions.ftv1).toBe('string');
    expect(typeof b.body.extensions.ftv1).toBe('string');
    // The next plain request runs compiled, with the schema's resolvers as they were.
    await same({ query });
    expect(jit.gateway.compiledOperations()!.compiles).toBe(compiled + 1);
  });

  it('compiles each operation once and reuses it', async () => {
    const before = jit.gateway.compiledOperations()!;
    const query = `query Again($id: ID!) { user(provider: SYNCANO, id: $id) { id username } }`;
    for (const id of ['1', '2', '3']) await same({ query, variables: { id }, operationName: 'Again' });
    const after = jit.gateway.compiledOperations()!;
    expect(after.compiles - before.compiles).toBe(1);
    expect(after.hits - before.hits).toBe(2);
    // The same text with another operation picked is another compiled operation.
    const two = `query X { __typename } query Y { me(provider: SYNCANO) { id } }`;
    await same({ query: two, operationName: 'X' });
    await same({ query: two, operationName: 'Y' });
    await same({ query: two, operationName: 'X' });
    const last = jit.gateway.compiledOperations()!;
    expect(last.compiles - after.compiles).toBe(2);
    expect(last.hits - after.hits).toBe(1);
  });
});

describe('stale answers (extensions.stale) under both executors', () => {
  let jit: Stack;
  let js: Stack;
  let clock: number;
  beforeEach(async () => {
    clock = Date.UTC(2026, 0, 1);
    ({ jit, js } = await startPair({ env: { CACHE_TTL_S: '60', CACHE_STALE_IF_ERROR_S: '600' }, now: () => clock }));
  });
  afterEach(async () => {
    await Promise.all([jit?.close(), js?.close()]);
  });

  it('marks the same paths stale with the same age', async () => {
    const query = `query ($id: ID!) { user(provider: PASSBOLT, id: $id) { id username email } fresh: me(provider: SYNCANO) { id } }`;
    const request = { query, variables: { id: PASSBOLT_CAROL } };
    await post(jit, request);
    await post(js, request);
    clock += 75_000;
    jit.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 }, times: -1 }]);
    js.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 }, times: -1 }]);
    const a = await post(jit, request);
    const b = await post(js, request);
    expect(a.text).toBe(b.text);
    expect(a.body.extensions.stale).toEqual([{ path: ['user'], provider: 'PASSBOLT', ageSeconds: 75 }]);
  });
});

describe('the compiled-operation cache', () => {
  it('is bounded: past `maxCompiled` the least recently used operation is dropped and compiled again when it returns', async () => {
    const gateway = createJitGateway(createSchema, { maxCompiled: 2 });
    // As the gateway's server (src/server.ts): no plugin watching every field.
    const apollo = new ApolloServer({ gateway, logger: createSilentLogger(), plugins: [ApolloServerPluginCacheControlDisabled(), ApolloServerPluginInlineTraceDisabled()] });
    await apollo.start();
    try {
      const run = async (query: string) => {
        const res = await apollo.executeOperation({ query });
        expect(res.body.kind === 'single' && res.body.singleResult.errors).toBeUndefined();
      };
      await run('{ a: __typename }');
      await run('{ b: __typename }');
      await run('{ a: __typename }');
      expect(gateway.stats()).toEqual({ compiles: 2, hits: 1, size: 2, max: 2 });
      await run('{ c: __typename }');
      expect(gateway.stats()).toMatchObject({ compiles: 3, size: 2 });
      // `b` was the least recently used: dropped, compiled again.
      await run('{ b: __typename }');
      expect(gateway.stats()).toMatchObject({ compiles: 4, size: 2 });
      await run('{ b: __typename }');
      expect(gateway.stats()).toMatchObject({ compiles: 4, hits: 2, size: 2 });
    } finally {
      await apollo.stop();
    }
  });
});

describe('EXECUTOR', () => {
  it('is graphql-jit unless set; graphql-js runs graphql-js; anything else is refused', () => {
    expect(loadConfig({}).executor).toBe('graphql-jit');
    expect(loadConfig({ EXECUTOR: 'graphql-js' }).executor).toBe('graphql-js');
    expect(() => loadConfig({ EXECUTOR: 'jit' })).toThrow(ConfigError);
    expect(() => loadConfig({ EXECUTOR: 'jit' })).toThrow(/EXECUTOR/);
  });
});
