import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { createSilentLogger } from '../../src/logger.js';
import type { UserModel } from '../../src/model.js';
import { createDroplitAdapter, type DroplitConfig } from '../../src/providers/droplit/index.js';
import type { RequestHeaders } from '../../src/providers/request-headers.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import { startDroplitSimulator, type DroplitSimulatorData } from '../../src/simulators/droplit/index.js';
import { json, startSimulator, text, type RunningSimulator, type SimulatorHandler } from '../../src/simulators/http-simulator.js';

const ECO = 'C573b86eeee43dd7ba0244f8a';
const OTHER_ECO = 'C594b4a7e42a2ab152bca2195';
const SERVER_TOKEN = '_srvTOKEN-adapter-test-5b1e9c3a7d';
const ACCOUNT_TOKEN = '_accTOKEN-adapter-test-0f2d4b6a8c';
const USER_TOKEN = '_usrTOKEN-adapter-test-3c5e7a9b1d';
const DEFAULT_TOKEN = '_dfltTOKEN-adapter-test-9e8d7c6b5a';
const TOKENS = [SERVER_TOKEN, ACCOUNT_TOKEN, USER_TOKEN, DEFAULT_TOKEN];

const TEST_ID = `${ECO};test`;
const PIPE_ID = `${OTHER_ECO};demoAlias|595d5c8883fa9b12685bc0c1`;
const ODD_ID = `${OTHER_ECO};a;b |ü%2F/.. ?x=1#frag`;
const UTF8_ID = `${ECO};tüst-東`;

const user = (ecosystemId: string, uniqueId: string, extra: Record<string, unknown> = {}) => ({
  id: `${ecosystemId};${uniqueId}`,
  ecosystemId,
  uniqueId,
  meta: {},
  createdAt: '2016-11-30T03:12:03.327Z',
  access: [],
  ...extra,
});

const DATA: DroplitSimulatorData = {
  tokens: {
    [SERVER_TOKEN]: { type: 'server' },
    [ACCOUNT_TOKEN]: { type: 'account' },
    [DEFAULT_TOKEN]: { type: 'server' },
    [USER_TOKEN]: { type: 'user', user: TEST_ID },
  },
  users: [
    user(ECO, 'test', { meta: { $label: 'Test' }, email: 'test:::at:::test.com' }),
    user(OTHER_ECO, 'demoAlias|595d5c8883fa9b12685bc0c1', { access: [{ environmentId: 'E594b4b0e42a2ab152bca2196', accessLevel: 'Full' }] }),
    user(OTHER_ECO, 'a;b |ü%2F/.. ?x=1#frag', { email: 'odd@example.org' }),
    user(ECO, 'tüst-東'),
  ],
};

const BASE: Omit<DroplitConfig, 'baseUrl'> = { timeoutMs: 2000, connections: 10, maxBodyBytes: 1_048_576, keepAliveTimeoutMs: 1000 };
const logger = createSilentLogger();

function adapterFor(baseUrl: string, extra: Partial<DroplitConfig> = {}) {
  return createDroplitAdapter({ ...BASE, baseUrl, ...extra }, { logger });
}

/** The request's headers as node:http's `headersDistinct` gives them, UTF-8 bytes read as Latin-1. */
const headers = (token?: string, me?: string): RequestHeaders => ({
  ...(token === undefined ? {} : { 'x-droplit-token': [token] }),
  ...(me === undefined ? {} : { 'x-droplit-user': [latin1(me)] }),
});
/** What node:http makes of a header value the client sent as UTF-8: one character per byte. */
const latin1 = (value: string) => Buffer.from(value, 'utf8').toString('latin1');

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

/** The batch contract: fetchUsers resolves, with the same failure in every slot. */
async function everySlot(promise: Promise<Array<UserModel | GatewayError>>): Promise<GatewayError> {
  const results = await promise;
  expect(results.length).toBeGreaterThan(0);
  for (const slot of results) expect(slot).toBeInstanceOf(GatewayError);
  expect(new Set(results.map((r) => JSON.stringify([(r as GatewayError).message, (r as GatewayError).extensions]))).size).toBe(1);
  return results[0] as GatewayError;
}

function slotError(result: UserModel | GatewayError | undefined): GatewayError {
  expect(result).toBeInstanceOf(GatewayError);
  return result as GatewayError;
}

function expectNoToken(value: unknown) {
  const serialized = JSON.stringify(value);
  for (const token of TOKENS) expect(serialized).not.toContain(token);
}

describe('Droplit adapter against the simulator', () => {
  let sim: RunningSimulator;
  let adapter: ProviderAdapter<unknown>;
  let withDefault: ProviderAdapter<unknown>;

  beforeAll(async () => {
    sim = await startDroplitSimulator(DATA);
    adapter = adapterFor(sim.url) as ProviderAdapter<unknown>;
    withDefault = adapterFor(sim.url, { defaultToken: DEFAULT_TOKEN }) as ProviderAdapter<unknown>;
  });
  afterAll(async () => {
    await adapter?.close();
    await withDefault?.close();
    await sim?.close();
  });
  beforeEach(() => sim.clearRequests());

  const fetchOne = async (a: ProviderAdapter<unknown>, id: string, h: RequestHeaders) => {
    const [result] = await a.fetchUsers([a.normalizeId(id)], a.readCredentials(h));
    return result;
  };

  it('finds a user and maps it', async () => {
    const found = (await fetchOne(adapter, TEST_ID, headers(SERVER_TOKEN))) as UserModel;
    expect(found).toMatchObject({
      __typename: 'DroplitUser',
      provider: 'DROPLIT',
      id: TEST_ID,
      username: 'test',
      email: 'test@test.com',
      displayName: 'Test',
      active: true,
      createdAt: '2016-11-30T03:12:03.327Z',
      ecosystemId: ECO,
      uniqueId: 'test',
    });
    expect(adapter.normalizeId(found.id)).toBe(TEST_ID);
  });

  it('sends GET /api/users/{eco};{uniqueId} with the raw token as Authorization and nothing else of the caller', async () => {
    await fetchOne(adapter, TEST_ID, headers(ACCOUNT_TOKEN, TEST_ID));
    const [request, ...rest] = sim.requests();
    expect(rest).toEqual([]);
    expect(request!.method).toBe('GET');
    expect(request!.path).toBe(`/api/users/${ECO};test`);
    expect(request!.headers.authorization).toBe(ACCOUNT_TOKEN);
    expect(Object.keys(request!.headers).filter((h) => h.startsWith('x-droplit'))).toEqual([]);
  });

  it('percent-encodes the uniqueId as one segment, keeps the separator literal and never adds a query string', async () => {
    const pipe = (await fetchOne(adapter, PIPE_ID, headers(SERVER_TOKEN))) as UserModel;
    const odd = (await fetchOne(adapter, ODD_ID, headers(SERVER_TOKEN))) as UserModel;
    expect(pipe.id).toBe(PIPE_ID);
    expect(odd.id).toBe(ODD_ID);
    expect(odd.username).toBe('a;b |ü%2F/.. ?x=1#frag');
    expect(sim.requests().map((r) => r.path)).toEqual([
      `/api/users/${OTHER_ECO};demoAlias%7C595d5c8883fa9b12685bc0c1`,
      `/api/users/${OTHER_ECO};a%3Bb%20%7C%C3%BC%252F%2F..%20%3Fx%3D1%23frag`,
    ]);
  });

  it('answers NOT_FOUND for an unknown user and for an ecosystem that no longer exists', async () => {
    const missingUser = slotError(await fetchOne(adapter, `${ECO};ghost`, headers(SERVER_TOKEN)));
    expect(missingUser.extensions).toEqual({ code: 'NOT_FOUND', provider: 'DROPLIT' });
    const missingEco = slotError(await fetchOne(adapter, 'C000000000000000000000000;test', headers(SERVER_TOKEN)));
    expect(missingEco.extensions).toEqual({ code: 'NOT_FOUND', provider: 'DROPLIT', reason: 'ECOSYSTEM_NOT_FOUND' });
    expect(missingEco.message).not.toContain('C000000000000000000000000');
  });

  it.each([
    ['an empty id', ''],
    ['no separator', 'C573b86eeee43dd7ba0244f8a'],
    ['an empty uniqueId', 'C573b86eeee43dd7ba0244f8a;'],
    ['an upper-case ecosystem id', 'C573B86EEEE43DD7BA0244F8A;test'],
    ['a short ecosystem id', 'C573b86eeee43dd7ba0244f8;test'],
    ['a device id in place of the ecosystem', 'D53c19b2f3008801c0f4c3dca;test'],
    ['a domain alias in place of the ecosystem', 'my-domain;test'],
    ['a leading separator', ';test'],
    ['a control character', 'C573b86eeee43dd7ba0244f8a;te\u0000st'],
    ['a newline', 'C573b86eeee43dd7ba0244f8a;test\n'],
    ['a lone surrogate', 'C573b86eeee43dd7ba0244f8a;te\uD800st'],
    ['257 characters', `C573b86eeee43dd7ba0244f8a;${'x'.repeat(231)}`],
  ])('refuses %s with BAD_USER_INPUT and no upstream call', async (_name, id) => {
    expect(() => adapter.normalizeId(id)).toThrow(GatewayError);
    try {
      adapter.normalizeId(id);
    } catch (error) {
      expect((error as GatewayError).extensions).toEqual({ code: 'BAD_USER_INPUT', provider: 'DROPLIT' });
    }
    const [slot] = await adapter.fetchUsers([id], adapter.readCredentials(headers(SERVER_TOKEN)));
    expect(slotError(slot).extensions.code).toBe('BAD_USER_INPUT');
    expect(sim.requests()).toHaveLength(0);
  });

  it('accepts an id of exactly 256 characters as is', () => {
    const id = `${ECO};${'x'.repeat(230)}`;
    expect(id).toHaveLength(256);
    expect(adapter.normalizeId(id)).toBe(id);
  });

  it('fails every slot with UNAUTHENTICATED and no upstream call when no token is sent', async () => {
    const error = await everySlot(adapter.fetchUsers([TEST_ID, PIPE_ID], adapter.readCredentials(headers())));
    expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED', provider: 'DROPLIT', reason: 'MISSING_CREDENTIALS' });
    expect(sim.requests()).toHaveLength(0);
  });

  it.each([
    ['a control character', '_srvTOKEN\u0001adapter'],
    ['a tab', `abc\tdef`],
    ['over 4096 characters', 'a'.repeat(4097)],
    ['a space', '_srvTOKEN adapter'],
    ['a comma (two tokens joined)', `${SERVER_TOKEN}, ${ACCOUNT_TOKEN}`],
    ['a non-ASCII byte', '_srvTOKEN\u00e9adapter'],
  ])('treats a token with %s as malformed, with no upstream call', async (_name, token) => {
    const error = await everySlot(withDefault.fetchUsers([TEST_ID, PIPE_ID], withDefault.readCredentials(headers(token))));
    expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED', provider: 'DROPLIT', reason: 'MALFORMED_CREDENTIALS' });
    expect(error.message).not.toContain(token.slice(0, 8));
    expect(sim.requests()).toHaveLength(0);
  });

  it('treats a repeated token header as malformed, even with the same value twice', async () => {
    for (const tokens of [[SERVER_TOKEN, ACCOUNT_TOKEN], [SERVER_TOKEN, SERVER_TOKEN]]) {
      const creds = withDefault.readCredentials({ 'x-droplit-token': tokens });
      const error = await everySlot(withDefault.fetchUsers([TEST_ID], creds));
      expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED', provider: 'DROPLIT', reason: 'MALFORMED_CREDENTIALS' });
      expect(error.message).toBe('droplit: the X-Droplit-Token header is malformed.');
      expect((await rejection(withDefault.fetchMe(withDefault.readCredentials({ ...headers(undefined, TEST_ID), 'x-droplit-token': tokens })))).extensions.reason).toBe(
        'MALFORMED_CREDENTIALS',
      );
    }
    expect(sim.requests()).toHaveLength(0);
  });

  it('answers UNAUTHENTICATED when Droplit refuses the token', async () => {
    const error = slotError(await fetchOne(adapter, TEST_ID, headers('_not-a-known-token')));
    expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED', provider: 'DROPLIT' });
    expect(sim.requests()).toHaveLength(1);
  });

  it('answers FORBIDDEN when a user token reads another user', async () => {
    const error = slotError(await fetchOne(adapter, PIPE_ID, headers(USER_TOKEN)));
    expect(error.extensions).toEqual({ code: 'FORBIDDEN', provider: 'DROPLIT', reason: 'TOKEN_TYPE_NOT_PERMITTED' });
  });

  it('lets a user token read its own record', async () => {
    expect(((await fetchOne(adapter, TEST_ID, headers(USER_TOKEN))) as UserModel).id).toBe(TEST_ID);
  });

  it('uses the configured default token for user lookups when the caller sends none', async () => {
    expect(((await fetchOne(withDefault, TEST_ID, headers())) as UserModel).id).toBe(TEST_ID);
    expect(sim.requests()[0]!.headers.authorization).toBe(DEFAULT_TOKEN);
  });

  it("prefers the caller's token over the default", async () => {
    await fetchOne(withDefault, TEST_ID, headers(ACCOUNT_TOKEN));
    expect(sim.requests()[0]!.headers.authorization).toBe(ACCOUNT_TOKEN);
  });

  describe('me', () => {
    it("fetches the caller's own id with the caller's own token", async () => {
      const me = await adapter.fetchMe(adapter.readCredentials(headers(USER_TOKEN, TEST_ID)));
      expect(me).toMatchObject({ id: TEST_ID, username: 'test', displayName: 'Test' });
      expect(sim.requests().map((r) => [r.path, r.headers.authorization])).toEqual([[`/api/users/${ECO};test`, USER_TOKEN]]);
    });

    it('works with a server token and an id that needs encoding', async () => {
      const me = await adapter.fetchMe(adapter.readCredentials(headers(SERVER_TOKEN, PIPE_ID)));
      expect(me.id).toBe(PIPE_ID);
    });

    it('never falls back to the default token', async () => {
      const error = await rejection(withDefault.fetchMe(withDefault.readCredentials(headers(undefined, TEST_ID))));
      expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED', provider: 'DROPLIT', reason: 'MISSING_CREDENTIALS' });
      expect(sim.requests()).toHaveLength(0);
    });

    it('needs the x-droplit-user header', async () => {
      const error = await rejection(adapter.fetchMe(adapter.readCredentials(headers(SERVER_TOKEN))));
      expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED', provider: 'DROPLIT', reason: 'MISSING_CREDENTIALS' });
      expect(sim.requests()).toHaveLength(0);
    });

    it('answers BAD_USER_INPUT for a malformed own id, and MALFORMED_CREDENTIALS for control characters, before any call', async () => {
      const badId = await rejection(adapter.fetchMe(adapter.readCredentials(headers(SERVER_TOKEN, 'test'))));
      expect(badId.extensions).toEqual({ code: 'BAD_USER_INPUT', provider: 'DROPLIT' });
      // The message names the header the id came from, never the value.
      expect(badId.message).toMatch(/^droplit: the X-Droplit-User header must be your own id, "<ecosystemId>;<uniqueId>"/);
      expect(badId.message).not.toMatch(/\bid must\b/);
      const tab = await rejection(adapter.fetchMe(adapter.readCredentials(headers(SERVER_TOKEN, `${ECO};te\tst`))));
      expect(tab.extensions).toEqual({ code: 'UNAUTHENTICATED', provider: 'DROPLIT', reason: 'MALFORMED_CREDENTIALS' });
      expect(sim.requests()).toHaveLength(0);
    });

    it.each([
      ['sent twice', { 'x-droplit-user': [TEST_ID, TEST_ID] }],
      ['two ids joined with a comma', { 'x-droplit-user': [`${TEST_ID}, ${PIPE_ID}`] }],
      ['bytes that are not UTF-8', { 'x-droplit-user': [`${ECO};t\u00fcst`] }],
      ['a C1 control character', { 'x-droplit-user': [latin1(`${ECO};te\u0085st`)] }],
    ])('refuses an X-Droplit-User %s as MALFORMED_CREDENTIALS, naming the header, before any call', async (_name, user) => {
      const error = await rejection(adapter.fetchMe(adapter.readCredentials({ ...headers(SERVER_TOKEN), ...user })));
      expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED', provider: 'DROPLIT', reason: 'MALFORMED_CREDENTIALS' });
      expect(error.message).toBe('droplit: the X-Droplit-User header is malformed.');
      expect(sim.requests()).toHaveLength(0);
    });

    it('decodes a non-ASCII X-Droplit-User as UTF-8 and asks for that very user', async () => {
      const me = await adapter.fetchMe(adapter.readCredentials(headers(SERVER_TOKEN, UTF8_ID)));
      expect(me.id).toBe(UTF8_ID);
      expect(sim.requests().map((r) => r.path)).toEqual([`/api/users/${ECO};t%C3%BCst-%E6%9D%B1`]);
    });

    it("answers FORBIDDEN when a user token claims someone else's id", async () => {
      const error = await rejection(adapter.fetchMe(adapter.readCredentials(headers(USER_TOKEN, PIPE_ID))));
      expect(error.extensions.code).toBe('FORBIDDEN');
    });

    it('answers NOT_FOUND when the own id does not exist', async () => {
      const error = await rejection(adapter.fetchMe(adapter.readCredentials(headers(SERVER_TOKEN, `${ECO};ghost`))));
      expect(error.extensions.code).toBe('NOT_FOUND');
    });
  });

  it('fetches a batch as one GET per id, results in key order with errors in their own slots', async () => {
    const ids = [PIPE_ID, `${ECO};ghost`, TEST_ID, 'not-an-id', ODD_ID];
    const results = await adapter.fetchUsers(ids, adapter.readCredentials(headers(SERVER_TOKEN)));
    expect(results).toHaveLength(5);
    expect((results[0] as UserModel).id).toBe(PIPE_ID);
    expect(slotError(results[1]).extensions.code).toBe('NOT_FOUND');
    expect((results[2] as UserModel).id).toBe(TEST_ID);
    expect(slotError(results[3]).extensions.code).toBe('BAD_USER_INPUT');
    expect((results[4] as UserModel).id).toBe(ODD_ID);
    expect(sim.requests()).toHaveLength(4);
    expect(sim.requests().every((r) => !r.path.includes('?'))).toBe(true);
  });

  it('caps a batch at 25 ids', () => {
    expect(adapter.maxBatchSize).toBe(25);
  });

  it('works under a /v0 base path', async () => {
    const v0 = adapterFor(`${sim.url}/v0`);
    try {
      expect(((await fetchOne(v0, TEST_ID, headers(SERVER_TOKEN))) as UserModel).id).toBe(TEST_ID);
      expect(sim.requests()[0]!.path).toBe(`/v0/api/users/${ECO};test`);
    } finally {
      await v0.close();
    }
  });

  it('never puts a token into a model or an error', async () => {
    const results = await adapter.fetchUsers([TEST_ID, PIPE_ID, `${ECO};ghost`], adapter.readCredentials(headers(SERVER_TOKEN)));
    expectNoToken(results);
    for (const r of results) if (r instanceof GatewayError) expectNoToken([r.message, r.extensions]);
    const refused = slotError(await fetchOne(adapter, TEST_ID, headers('_wrong-token-abcdef')));
    expect(`${refused.message}${JSON.stringify(refused.extensions)}`).not.toContain('_wrong-token-abcdef');
  });
});

describe('Droplit adapter against a misbehaving upstream', () => {
  const record = user(ECO, 'test');
  let response: ReturnType<SimulatorHandler>;
  let delayMs = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let sim: RunningSimulator;
  let adapter: ProviderAdapter<unknown>;
  const creds = () => adapter.readCredentials(headers(SERVER_TOKEN));
  const fetchTest = async () => (await adapter.fetchUsers([TEST_ID], creds()))[0];

  beforeAll(async () => {
    sim = await startSimulator('droplit-faulty', async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      inFlight -= 1;
      return response;
    });
    adapter = adapterFor(sim.url, { timeoutMs: 500 }) as ProviderAdapter<unknown>;
  });
  afterAll(async () => {
    await adapter?.close();
    await sim?.close();
  });
  beforeEach(async () => {
    // A timed-out request is still being answered on the server side; let it finish first.
    while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    delayMs = 0;
    maxInFlight = 0;
  });

  it('maps an upstream 500 to PROVIDER_UNAVAILABLE without its body', async () => {
    response = text(500, 'TypeError: cannot read property token of undefined at /srv/users.js');
    const error = slotError(await fetchTest());
    expect(error.extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider: 'DROPLIT' });
    expect(error.message).not.toContain('TypeError');
  });

  it.each([
    ['non-JSON', text(200, '<html>maintenance</html>')],
    ['an empty body', text(200)],
    ['a list envelope', json(200, { items: [record] })],
    ['an identity field of the wrong type', json(200, { ...record, uniqueId: 42 })],
    ['another user', json(200, user(ECO, 'someone-else'))],
    ['a redirect', text(302, '', { location: 'https://elsewhere.example/' })],
    ['a 204', text(204)],
  ])('maps a 200 with %s to PROVIDER_BAD_RESPONSE', async (_name, res) => {
    response = res;
    const error = slotError(await fetchTest());
    expect(error.extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', provider: 'DROPLIT' });
    expect(error.message).not.toContain('maintenance');
    expect(error.message).not.toContain('elsewhere');
  });

  it('serves a 200 whose access list has the wrong type, with no access', async () => {
    response = json(200, { ...record, access: 'Full' });
    const user = (await fetchTest()) as unknown as { id: string; access: unknown[] };
    expect(user).not.toBeInstanceOf(Error);
    expect(user.id).toBe(record.id);
    expect(user.access).toEqual([]);
  });

  it('maps a 429 with Retry-After to RATE_LIMITED', async () => {
    response = text(429, '', { 'retry-after': '12' });
    expect(slotError(await fetchTest()).extensions).toEqual({ code: 'RATE_LIMITED', provider: 'DROPLIT', retryAfterSeconds: 12 });
  });

  it('maps a slow upstream to PROVIDER_TIMEOUT', async () => {
    response = json(200, record);
    delayMs = 800;
    expect(slotError(await fetchTest()).extensions).toEqual({ code: 'PROVIDER_TIMEOUT', provider: 'DROPLIT' });
  });

  it('sends the GETs of one batch in parallel', async () => {
    response = text(404, 'User with id … does not exist.');
    delayMs = 100;
    const ids = Array.from({ length: 5 }, (_, i) => `${ECO};user${i}`);
    const results = await adapter.fetchUsers(ids, creds());
    expect(results.map((r) => (r as GatewayError).extensions.code)).toEqual(Array(5).fill('NOT_FOUND'));
    expect(maxInFlight).toBe(5);
  });

  it('answers PROVIDER_UNAVAILABLE in every slot when Droplit cannot be reached', async () => {
    const down = adapterFor('http://127.0.0.1:1');
    try {
      const results = await down.fetchUsers([TEST_ID, PIPE_ID], down.readCredentials(headers(SERVER_TOKEN)));
      expect(results.map((r) => (r as GatewayError).extensions.code)).toEqual(['PROVIDER_UNAVAILABLE', 'PROVIDER_UNAVAILABLE']);
    } finally {
      await down.close();
    }
  });
});
