import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { createSilentLogger } from '../../src/logger.js';
import type { UserModel } from '../../src/model.js';
import type { RequestHeaders } from '../../src/providers/request-headers.js';
import { createBellaDatiAdapter, type BellaDatiConfig } from '../../src/providers/belladati/index.js';
import { oauthAuthorization, percentEncode } from '../../src/providers/belladati/credentials.js';
import { startBellaDatiSimulator, type BellaDatiSimulatorData } from '../../src/simulators/belladati/index.js';
import { json, startSimulator, text, type RunningSimulator } from '../../src/simulators/http-simulator.js';

const CONSUMER = 'adapter-test-consumer';
const ADMIN_TOKEN = 'nd7an9eba41c';
const PLAIN_TOKEN = 'mh7an9dkrg59+/=';
const INACTIVE_TOKEN = 'q4vx81nbte2k';
const DEFAULT_TOKEN = 'dflt-08evn5ieuz84';
const TOKENS = [ADMIN_TOKEN, PLAIN_TOKEN, INACTIVE_TOKEN, DEFAULT_TOKEN];

const SEED = {
  id: '123',
  username: 'myusername@example.com',
  domain_id: '45',
  firstName: 'John',
  middleName: 'Middle',
  lastName: 'Doe',
  email: 'myusername@example.com',
  active: true,
  info: "I'm pretty cool",
  firstLogin: 'Thu, 14 Jan 2012 15:33:28 GMT',
  lastLogin: 'Tue, 12 Apr 2016 11:40:58 GMT',
  phone: '(555) 123 456 789',
  timeZone: 'Europe/Prague',
  locale: 'cs',
  roles: [{ role: 'WORKSPACE_ADMIN' }],
  groups: [{ id: '56', name: 'My User Group nr.1' }],
};
const PLAIN_USERNAME = 'jana/novakova?+bi@example.com';
const UTF8_USERNAME = 'müller@例え.example';
const UTF8_TOKEN = 'utf8-user-token-7c1d';

const DATA: BellaDatiSimulatorData = {
  consumerKey: CONSUMER,
  tokens: { [ADMIN_TOKEN]: '123', [PLAIN_TOKEN]: '124', [INACTIVE_TOKEN]: '126', [DEFAULT_TOKEN]: '123', [UTF8_TOKEN]: '127' },
  users: [
    SEED,
    { ...SEED, id: '124', username: PLAIN_USERNAME, email: null, roles: [], firstName: undefined, lastName: undefined, name: 'Jana', surname: 'Nováková' },
    { ...SEED, id: '0125', username: 'zero@example.com', roles: [] },
    { ...SEED, id: '126', username: 'gone@example.com', active: false, roles: [] },
    { ...SEED, id: '222', username: 'other@example.com', domain_id: '7', roles: [] },
    { ...SEED, id: '127', username: UTF8_USERNAME, email: UTF8_USERNAME, roles: [] },
  ],
};

const BASE: Omit<BellaDatiConfig, 'baseUrl'> = {
  timeoutMs: 2000,
  connections: 10,
  maxBodyBytes: 1_048_576,
  keepAliveTimeoutMs: 1000,
  consumerKey: CONSUMER,
};
const logger = createSilentLogger();

/** The request's headers as node:http's `headersDistinct` gives them, UTF-8 bytes read as Latin-1. */
const headers = (token?: string, username?: string): RequestHeaders => ({
  ...(token === undefined ? {} : { 'x-belladati-token': [token] }),
  ...(username === undefined ? {} : { 'x-belladati-username': [latin1(username)] }),
});
/** What node:http makes of a header value the client sent as UTF-8: one character per byte. */
const latin1 = (value: string) => Buffer.from(value, 'utf8').toString('latin1');

/** The batch contract: fetchUsers resolves, with the same failure in every slot. */
async function everySlot(promise: Promise<Array<UserModel | GatewayError>>): Promise<GatewayError> {
  const results = await promise;
  expect(results.length).toBeGreaterThan(0);
  for (const slot of results) expect(slot).toBeInstanceOf(GatewayError);
  expect(new Set(results.map((r) => JSON.stringify([(r as GatewayError).message, (r as GatewayError).extensions]))).size).toBe(1);
  return results[0] as GatewayError;
}

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

function slotError(result: UserModel | GatewayError | undefined): GatewayError {
  expect(result).toBeInstanceOf(GatewayError);
  return result as GatewayError;
}

function expectNoSecret(value: unknown) {
  const serialized = JSON.stringify(value, (_k, v: unknown) => (v instanceof Error ? { message: v.message, extensions: (v as GatewayError).extensions } : v));
  for (const token of TOKENS) expect(serialized).not.toContain(token);
  expect(serialized).not.toContain(CONSUMER);
}

/** The OAuth parameters of a recorded `Authorization` header, decoded. */
function oauthParams(header: string | string[] | undefined): Record<string, string> {
  expect(typeof header).toBe('string');
  expect(header).toMatch(/^OAuth /);
  const params: Record<string, string> = {};
  for (const m of (header as string).slice(6).matchAll(/([a-z_]+)="([^"]*)"/g)) params[m[1]!] = m[1] === 'realm' ? m[2]! : decodeURIComponent(m[2]!);
  return params;
}

describe('BellaDati adapter against the simulator', () => {
  let sim: RunningSimulator;
  let adapter: ReturnType<typeof createBellaDatiAdapter>;

  beforeAll(async () => {
    sim = await startBellaDatiSimulator(DATA);
    adapter = createBellaDatiAdapter({ ...BASE, baseUrl: `${sim.url}/api`, defaultToken: DEFAULT_TOKEN }, { logger });
  });
  afterAll(async () => {
    await adapter.close();
    await sim.close();
  });
  beforeEach(() => sim.clearRequests());

  const users = (ids: string[], token?: string) => adapter.fetchUsers(ids, adapter.readCredentials(headers(token)));

  describe('user by id', () => {
    it('finds the documented sample user and maps every field', async () => {
      const [user] = await users(['123'], ADMIN_TOKEN);
      expect(user).toEqual({
        __typename: 'BellaDatiUser',
        provider: 'BELLADATI',
        id: '123',
        username: 'myusername@example.com',
        email: 'myusername@example.com',
        displayName: 'John Middle Doe',
        givenName: 'John',
        middleName: 'Middle',
        familyName: 'Doe',
        active: true,
        createdAt: null,
        updatedAt: null,
        lastLoginAt: '2016-04-12T11:40:58Z',
        locale: 'cs',
        timezone: 'Europe/Prague',
        phone: '(555) 123 456 789',
        avatarUrl: null,
        groups: [{ id: '56', name: 'My User Group nr.1', description: null }],
        roles: [{ value: 'WORKSPACE_ADMIN', scope: null }],
        domainId: '45',
        info: "I'm pretty cool",
        firstLoginAt: '2012-01-14T15:33:28Z',
      });
    });

    it('sends GET /api/users/{id} with no query string and the documented unsigned OAuth header', async () => {
      const before = Math.floor(Date.now() / 1000);
      await users(['123'], ADMIN_TOKEN);
      const [request] = sim.requests();
      expect(request!.method).toBe('GET');
      expect(request!.path).toBe('/api/users/123');
      const params = oauthParams(request!.headers.authorization);
      expect(Object.keys(params).sort()).toEqual(['oauth_consumer_key', 'oauth_nonce', 'oauth_timestamp', 'oauth_token']);
      expect(params.oauth_consumer_key).toBe(CONSUMER);
      expect(params.oauth_token).toBe(ADMIN_TOKEN);
      expect(Number(params.oauth_timestamp)).toBeGreaterThanOrEqual(before);
      expect(Number(params.oauth_timestamp)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
      expect(params.oauth_nonce).toMatch(/^[0-9a-f]{32}$/);
      expect(request!.headers['x-belladati-token']).toBeUndefined();
    });

    it('percent-encodes the token in the header (RFC 5849 §3.6)', async () => {
      await users(['124'], PLAIN_TOKEN);
      const header = sim.requests()[0]!.headers.authorization as string;
      expect(header).toContain('oauth_token="mh7an9dkrg59%2B%2F%3D"');
    });

    it('uses a fresh nonce on every request', async () => {
      await users(['123', '124', '0125'], ADMIN_TOKEN);
      await users(['123'], ADMIN_TOKEN);
      const nonces = sim.requests().map((r) => oauthParams(r.headers.authorization).oauth_nonce);
      expect(nonces).toHaveLength(4);
      expect(new Set(nonces).size).toBe(4);
    });

    it('keeps leading zeros: "0125" is fetched and returned as "0125"', async () => {
      const [user] = await users(['0125'], ADMIN_TOKEN);
      expect((user as UserModel).id).toBe('0125');
      expect(sim.requests()[0]!.path).toBe('/api/users/0125');
      expect(adapter.normalizeId((user as UserModel).id)).toBe('0125');
    });

    it('reports an unknown user as NOT_FOUND in its slot', async () => {
      const [result] = await users(['999'], ADMIN_TOKEN);
      const error = slotError(result);
      expect(error.code).toBe('NOT_FOUND');
      expect(error.extensions.provider).toBe('BELLADATI');
    });

    it('reports a user the token may not read as FORBIDDEN', async () => {
      const results = await users(['222', '123'], PLAIN_TOKEN);
      expect(slotError(results[0]).code).toBe('FORBIDDEN');
      expect(slotError(results[1]).code).toBe('FORBIDDEN');
    });

    it('reports the token of an inactive user as FORBIDDEN with reason USER_NOT_ACTIVE', async () => {
      const [result] = await users(['126'], INACTIVE_TOKEN);
      expect(slotError(result).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'USER_NOT_ACTIVE', provider: 'BELLADATI' });
    });

    it('reports an unknown token as UNAUTHENTICATED with reason INVALID_TOKEN', async () => {
      const [result] = await users(['123'], 'no-such-token');
      expect(slotError(result).extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'INVALID_TOKEN' });
    });

    it('reports a consumer key the domain does not know as PROVIDER_UNAVAILABLE / MISCONFIGURED', async () => {
      const misconfigured = createBellaDatiAdapter({ ...BASE, consumerKey: 'wrong-key', baseUrl: `${sim.url}/api` }, { logger });
      try {
        const [result] = await misconfigured.fetchUsers(['123'], misconfigured.readCredentials(headers(ADMIN_TOKEN)));
        expect(slotError(result).extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', reason: 'MISCONFIGURED' });
        expectNoSecret(result);
      } finally {
        await misconfigured.close();
      }
    });

    it('falls back to the configured default token when the caller sends none', async () => {
      const [user] = await users(['123']);
      expect((user as UserModel).id).toBe('123');
      expect(oauthParams(sim.requests()[0]!.headers.authorization).oauth_token).toBe(DEFAULT_TOKEN);
    });

    it('prefers the caller token over the default token', async () => {
      await users(['124'], PLAIN_TOKEN);
      expect(oauthParams(sim.requests()[0]!.headers.authorization).oauth_token).toBe(PLAIN_TOKEN);
    });
  });

  describe('batching', () => {
    it('answers a batch in key order with one GET per id and an error in each failed slot', async () => {
      const results = await users(['124', '999', '123', '222'], ADMIN_TOKEN);
      expect(results).toHaveLength(4);
      expect((results[0] as UserModel).id).toBe('124');
      expect(slotError(results[1]).code).toBe('NOT_FOUND');
      expect((results[2] as UserModel).id).toBe('123');
      expect(slotError(results[3]).code).toBe('FORBIDDEN');
      expect(sim.requests().map((r) => r.path).sort()).toEqual(['/api/users/123', '/api/users/124', '/api/users/222', '/api/users/999']);
    });

    it('caps a batch at 25 ids', () => {
      expect(adapter.maxBatchSize).toBe(25);
    });

    it('puts BAD_USER_INPUT in the slot of an invalid id that reaches fetchUsers, and fetches the rest', async () => {
      const results = await users(['abc', '123'], ADMIN_TOKEN);
      expect(slotError(results[0]).code).toBe('BAD_USER_INPUT');
      expect((results[1] as UserModel).id).toBe('123');
      expect(sim.requests().map((r) => r.path)).toEqual(['/api/users/123']);
    });
  });

  describe('input and credential checks (no upstream call)', () => {
    const BAD_IDS = ['', 'abc', '12a', ' 123', '123 ', '-1', '+1', '1.0', '1e3', '0x1F', '1234567890123456789', '9'.repeat(300), '12\n3', '\u0661\u0662', '123/456', '..', '%31'];

    it.each(BAD_IDS.map((id) => [JSON.stringify(id), id]))('rejects the id %s with BAD_USER_INPUT', async (_label, id) => {
      expect(() => adapter.normalizeId(id)).toThrowError(GatewayError);
      try {
        adapter.normalizeId(id);
      } catch (error) {
        expect((error as GatewayError).code).toBe('BAD_USER_INPUT');
        expect((error as GatewayError).extensions.provider).toBe('BELLADATI');
        expect((error as GatewayError).message).toBe('belladati: id must be a string of 1 to 18 digits.');
      }
      const [slot] = await users([id], ADMIN_TOKEN);
      expect(slotError(slot).code).toBe('BAD_USER_INPUT');
      expect(sim.requests()).toHaveLength(0);
    });

    it('accepts 1 to 18 digits unchanged', () => {
      expect(adapter.normalizeId('1')).toBe('1');
      expect(adapter.normalizeId('000000000000000042')).toBe('000000000000000042');
      expect(adapter.normalizeId('123456789012345678')).toBe('123456789012345678');
    });

    it('fails every slot with UNAUTHENTICATED when there is no token and no default', async () => {
      const noDefault = createBellaDatiAdapter({ ...BASE, baseUrl: `${sim.url}/api` }, { logger });
      try {
        const error = await everySlot(noDefault.fetchUsers(['123', '124'], noDefault.readCredentials({})));
        expect(error.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'MISSING_CREDENTIALS', provider: 'BELLADATI' });
        expect(sim.requests()).toHaveLength(0);
      } finally {
        await noDefault.close();
      }
    });

    it.each([
      ['a control character', 'nd7an9eba41c\u0001'],
      ['a tab', 'nd7an9\teba41c'],
      ['more than 4096 characters', 'x'.repeat(4097)],
      ['a space', 'nd7an9 eba41c'],
      ['a comma (two tokens joined)', 'nd7an9eba41c, nd7an9eba41c'],
      ['a non-ASCII byte', 'nd7an9\u00e9ba41c'],
    ])('rejects a token with %s as MALFORMED_CREDENTIALS, without falling back to the default', async (_label, token) => {
      const error = await everySlot(users(['123', '124'], token));
      expect(error.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'MALFORMED_CREDENTIALS' });
      expect(error.message).not.toContain(token);
      expect(sim.requests()).toHaveLength(0);
    });

    it('rejects a repeated token header as malformed, even with the same value twice', async () => {
      for (const tokens of [[ADMIN_TOKEN, PLAIN_TOKEN], [ADMIN_TOKEN, ADMIN_TOKEN]]) {
        const error = await everySlot(adapter.fetchUsers(['123'], adapter.readCredentials({ 'x-belladati-token': tokens })));
        expect(error.extensions.reason).toBe('MALFORMED_CREDENTIALS');
        expect(error.message).toBe('belladati: the X-BellaDati-Token header is malformed.');
      }
      expect(sim.requests()).toHaveLength(0);
    });
  });

  describe('me', () => {
    const me = (h: RequestHeaders) => adapter.fetchMe(adapter.readCredentials(h));

    it('reads GET /api/users/username/{username} with the caller token', async () => {
      const user = await me(headers(ADMIN_TOKEN, 'myusername@example.com'));
      expect(user).toMatchObject({ id: '123', username: 'myusername@example.com', displayName: 'John Middle Doe', domainId: '45' });
      const [request] = sim.requests();
      expect(request!.path).toBe('/api/users/username/myusername%40example.com');
      expect(oauthParams(request!.headers.authorization).oauth_token).toBe(ADMIN_TOKEN);
    });

    it('encodes the username as one path segment', async () => {
      const user = await me(headers(PLAIN_TOKEN, PLAIN_USERNAME));
      expect(user).toMatchObject({ id: '124', givenName: 'Jana', familyName: 'Nováková', email: null });
      expect(sim.requests()[0]!.path).toBe('/api/users/username/jana%2Fnovakova%3F%2Bbi%40example.com');
    });

    it('never uses the default token', async () => {
      const error = await rejection(me(headers(undefined, 'myusername@example.com')));
      expect(error.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'MISSING_CREDENTIALS' });
      expect(sim.requests()).toHaveLength(0);
    });

    it('needs the username header', async () => {
      const error = await rejection(me(headers(ADMIN_TOKEN)));
      expect(error.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'MISSING_CREDENTIALS' });
      expect(error.message).toContain('X-BellaDati-Username');
      expect(sim.requests()).toHaveLength(0);
    });

    it.each([
      ['a control character', headers(ADMIN_TOKEN, 'a\u0000b')],
      ['sent twice', { ...headers(ADMIN_TOKEN), 'x-belladati-username': ['myusername@example.com', 'myusername@example.com'] }],
      ['two usernames joined with a comma', headers(ADMIN_TOKEN, 'myusername@example.com, zero@example.com')],
      ['bytes that are not UTF-8', { ...headers(ADMIN_TOKEN), 'x-belladati-username': ['m\u00fcller@example.com'] }],
    ])('rejects a username header with %s as MALFORMED_CREDENTIALS, naming the header', async (_label, h) => {
      const error = await rejection(me(h));
      expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED', provider: 'BELLADATI', reason: 'MALFORMED_CREDENTIALS' });
      expect(error.message).toBe('belladati: the X-BellaDati-Username header is malformed.');
      expect(sim.requests()).toHaveLength(0);
    });

    it('decodes a non-ASCII username as UTF-8 and asks for that very user', async () => {
      const user = await me(headers(UTF8_TOKEN, UTF8_USERNAME));
      expect(user).toMatchObject({ id: '127', username: UTF8_USERNAME });
      expect(sim.requests().map((r) => r.path)).toEqual(['/api/users/username/m%C3%BCller%40%E4%BE%8B%E3%81%88.example']);
    });

    it.each([['longer than 256 characters', `${'u'.repeat(257)}@example.com`], ['.', '.'], ['..', '..']])(
      'rejects a username that is %s with BAD_USER_INPUT',
      async (_label, username) => {
        const error = await rejection(me(headers(ADMIN_TOKEN, username)));
        expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'BELLADATI' });
        expect(error.message).toMatch(/^belladati: the X-BellaDati-Username header must be/);
        expect(sim.requests()).toHaveLength(0);
      },
    );

    it("lets BellaDati refuse another user's username (FORBIDDEN)", async () => {
      const error = await rejection(me(headers(PLAIN_TOKEN, 'myusername@example.com')));
      expect(error.code).toBe('FORBIDDEN');
    });

    it('reports an unknown username as NOT_FOUND', async () => {
      const error = await rejection(me(headers(ADMIN_TOKEN, 'nobody@example.com')));
      expect(error.code).toBe('NOT_FOUND');
    });

    it('returns an id that normalizeId accepts and maps to the same key', async () => {
      const user = await me(headers(ADMIN_TOKEN, 'myusername@example.com'));
      expect(adapter.normalizeId(user.id)).toBe(user.id);
    });
  });

  it('never puts a token or the consumer key in a model or an error', async () => {
    const results = await users(['123', '124', '999', '222', 'bad'], PLAIN_TOKEN);
    expectNoSecret(results);
    expectNoSecret(await adapter.fetchMe(adapter.readCredentials(headers(ADMIN_TOKEN, 'myusername@example.com'))));
    const error = await everySlot(users(['1'], `${ADMIN_TOKEN}\u0007`));
    expectNoSecret({ message: error.message, extensions: error.extensions });
  });
});

describe('BellaDati adapter against a misbehaving upstream', () => {
  let upstream: RunningSimulator;
  let adapter: ReturnType<typeof createBellaDatiAdapter>;
  const creds = () => adapter.readCredentials(headers(ADMIN_TOKEN, 'myusername@example.com'));

  beforeAll(async () => {
    upstream = await startSimulator('belladati-misbehaving', async (req) => {
      switch (req.pathname) {
        case '/belladati/api/users/1':
          return json(200, { ...SEED, id: '1' });
        case '/belladati/api/users/500':
          return text(500, 'java.lang.IllegalStateException: secret stack');
        case '/belladati/api/users/503':
          return text(503, '', { 'retry-after': '5' });
        case '/belladati/api/users/302':
          return { status: 302, headers: { location: 'https://service.belladati.com/login' }, body: '' };
        case '/belladati/api/users/201':
          return text(200, '<html>maintenance</html>');
        case '/belladati/api/users/202':
          return json(200, { ...SEED, id: '202', active: 'yes' });
        case '/belladati/api/users/203':
          return json(200, { ...SEED, id: '203', lastLogin: 'not a date' });
        case '/belladati/api/users/204':
          return json(200, SEED);
        case '/belladati/api/users/username/myusername%40example.com':
          return json(200, { ...SEED, username: 'somebody.else@example.com' });
        case '/belladati/api/users/7000':
          await new Promise((resolve) => setTimeout(resolve, 1500));
          return json(200, { ...SEED, id: '7000' });
        default:
          return text(404);
      }
    });
    adapter = createBellaDatiAdapter(
      { ...BASE, timeoutMs: 500, baseUrl: `${upstream.url}/belladati/api`, realm: 'https://service.belladati.com/' },
      { logger },
    );
  });
  afterAll(async () => {
    await adapter.close();
    await upstream.close();
  });
  beforeEach(() => upstream.clearRequests());

  it('keeps the on-premise path prefix of the base URL and sends the configured realm first', async () => {
    const [user] = await adapter.fetchUsers(['1'], creds());
    expect((user as UserModel).id).toBe('1');
    const [request] = upstream.requests();
    expect(request!.path).toBe('/belladati/api/users/1');
    expect(request!.headers.authorization).toMatch(/^OAuth realm="https:\/\/service\.belladati\.com\/", oauth_consumer_key="adapter-test-consumer", /);
  });

  it('rejects a record of another user served under the requested id', async () => {
    const [result] = await adapter.fetchUsers(['204'], creds());
    expect(slotError(result).code).toBe('PROVIDER_BAD_RESPONSE');
  });

  it('maps an upstream 500 to PROVIDER_UNAVAILABLE without its body', async () => {
    const error = slotError((await adapter.fetchUsers(['500'], creds()))[0]);
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(JSON.stringify({ m: error.message, e: error.extensions })).not.toContain('secret stack');
  });

  it('maps 503 to RATE_LIMITED with retryAfterSeconds', async () => {
    const error = slotError((await adapter.fetchUsers(['503'], creds()))[0]);
    expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 5 });
  });

  it('does not follow a redirect', async () => {
    const error = slotError((await adapter.fetchUsers(['302'], creds()))[0]);
    expect(error.extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', reason: 'REDIRECT' });
    expect(upstream.requests()).toHaveLength(1);
  });

  it('maps a 200 that is not JSON to PROVIDER_BAD_RESPONSE', async () => {
    const error = slotError((await adapter.fetchUsers(['201'], creds()))[0]);
    expect(error.code).toBe('PROVIDER_BAD_RESPONSE');
    expect(error.message).not.toContain('maintenance');
  });

  it('keeps the user when active is malformed, with a PROVIDER_BAD_RESPONSE naming the field on active alone', async () => {
    const [user] = await adapter.fetchUsers(['202'], creds());
    expect((user as UserModel).username).toBe('myusername@example.com');
    const active = (user as UserModel).active as unknown as GatewayError;
    expect(active).toBeInstanceOf(GatewayError);
    expect(active.code).toBe('PROVIDER_BAD_RESPONSE');
    expect(active.message).toBe('belladati: body.active: expected boolean');
  });

  it('keeps the user when only a date is unreadable, with an error on that field', async () => {
    const [user] = await adapter.fetchUsers(['203'], creds());
    expect((user as UserModel).username).toBe('myusername@example.com');
    expect((user as UserModel).lastLoginAt).toBeInstanceOf(GatewayError);
  });

  it('rejects a me answer for another username as PROVIDER_BAD_RESPONSE', async () => {
    const error = await rejection(adapter.fetchMe(creds()));
    expect(error.code).toBe('PROVIDER_BAD_RESPONSE');
  });

  it('maps a slow upstream to PROVIDER_TIMEOUT', async () => {
    const error = slotError((await adapter.fetchUsers(['7000'], creds()))[0]);
    expect(error.code).toBe('PROVIDER_TIMEOUT');
  });

  it('maps a refused connection to PROVIDER_UNAVAILABLE', async () => {
    const gone = await startSimulator('gone', () => text(200));
    const url = gone.url;
    await gone.close();
    const down = createBellaDatiAdapter({ ...BASE, baseUrl: `${url}/api` }, { logger });
    try {
      const [result] = await down.fetchUsers(['1'], down.readCredentials(headers(ADMIN_TOKEN)));
      expect(slotError(result).code).toBe('PROVIDER_UNAVAILABLE');
    } finally {
      await down.close();
    }
  });
});

describe('BellaDati adapter: the OAuth header', () => {
  it('lists consumer key, token, timestamp and nonce, quoted and comma-separated, without a signature', () => {
    expect(oauthAuthorization({ consumerKey: 'myKey' }, 'nd7an9eba41c', 137131200, '4572616e48616d6d65724c61686176')).toBe(
      'OAuth oauth_consumer_key="myKey", oauth_token="nd7an9eba41c", oauth_timestamp="137131200", oauth_nonce="4572616e48616d6d65724c61686176"',
    );
  });

  it('puts the realm first as a quoted-string, as in the documented example', () => {
    expect(oauthAuthorization({ consumerKey: 'myKey', realm: 'https://service.belladati.com/' }, 't', 1, 'n')).toBe(
      'OAuth realm="https://service.belladati.com/", oauth_consumer_key="myKey", oauth_token="t", oauth_timestamp="1", oauth_nonce="n"',
    );
  });

  it('percent-encodes every byte outside the unreserved set (RFC 5849 §3.6)', () => {
    expect(percentEncode("a-b.c_d~e f+g/h=i!j*k'l(m)n\"o,p")).toBe('a-b.c_d~e%20f%2Bg%2Fh%3Di%21j%2Ak%27l%28m%29n%22o%2Cp');
    expect(percentEncode('ž')).toBe('%C5%BE');
  });

  it('refuses to build an adapter without a consumer key', () => {
    expect(() => createBellaDatiAdapter({ ...BASE, consumerKey: '', baseUrl: 'http://127.0.0.1:1/api' }, { logger })).toThrowError(TypeError);
    expect(() => createBellaDatiAdapter({ ...BASE, consumerKey: 'k\r\nx: y', baseUrl: 'http://127.0.0.1:1/api' }, { logger })).toThrowError(TypeError);
  });
});
