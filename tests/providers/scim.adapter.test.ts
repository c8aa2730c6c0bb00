import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { createSilentLogger } from '../../src/logger.js';
import { createScimAdapter, type ScimConfig } from '../../src/providers/scim/index.js';
import type { ScimCredentials } from '../../src/providers/scim/credentials.js';
import type { ScimUserModel } from '../../src/providers/scim/map-user.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import { json, startSimulator, type RunningSimulator, type SimulatorHandler } from '../../src/simulators/http-simulator.js';
import { startScimSimulator, type ScimSimulatorData } from '../../src/simulators/scim/index.js';
import demoData from '../../src/simulators/scim/demo-data.json' with { type: 'json' };

const BJENSEN = '2819c223-7f76-453a-919d-413861904646';
const JSMITH = '26118915-6090-4610-87e4-49d8ca9f808d';
const ZOE = '7c1f4e2a-9d3b-4c8e-a5f1-2b6d8e0c4a97';
const LILEI = 'e3a9c7b1-5d2f-4b8e-9a6c-4d1f7e2b9c05';
const UNKNOWN = '5f0c3e7a-0000-4000-8000-000000000000';
const BJENSEN_TOKEN = 'scim-demo-bjensen-4f8c2a9e71d3b5';
const CLIENT_TOKEN = 'scim-demo-provisioning-client-3e6a0c9d';
/** Ids a real server may hand out: a quote and a backslash, a slash and spaces, non-ASCII, a dot inside. */
const ODD_IDS = ['a"b\\c', 'team/α β', 'Zoë', '.hidden', 'CaseExact', 'caseexact'];

const BASE_CONFIG = { timeoutMs: 2000, connections: 10, maxBodyBytes: 1_048_576, keepAliveTimeoutMs: 1000 };
const adapters: Array<ProviderAdapter<ScimCredentials, ScimUserModel>> = [];
const sims: RunningSimulator[] = [];

function testData(overrides: Partial<ScimSimulatorData> = {}): ScimSimulatorData {
  const data = structuredClone(demoData) as ScimSimulatorData;
  for (const id of ODD_IDS) data.users.push({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id, userName: `user-${id}` });
  return { ...data, ...overrides };
}

async function sim(overrides: Partial<ScimSimulatorData> = {}): Promise<RunningSimulator> {
  const s = await startScimSimulator(testData(overrides));
  sims.push(s);
  return s;
}

async function canned(handler: SimulatorHandler): Promise<RunningSimulator> {
  const s = await startSimulator('scim-canned', handler);
  sims.push(s);
  return s;
}

function adapterFor(baseUrl: string, extra: Partial<ScimConfig> = {}): ProviderAdapter<ScimCredentials, ScimUserModel> {
  const adapter = createScimAdapter({ ...BASE_CONFIG, baseUrl, ...extra }, { logger: createSilentLogger() });
  adapters.push(adapter);
  return adapter;
}

const as = (token: string) => ({ 'x-scim-token': [token] });
const isUser = (value: ScimUserModel | GatewayError | undefined): value is ScimUserModel => value !== undefined && !(value instanceof GatewayError);
const codes = (slots: Array<ScimUserModel | GatewayError>) => slots.map((s) => (isUser(s) ? s.id : s.code));
const scimList = (resources: unknown[], totalResults = resources.length) =>
  json(200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults, startIndex: 1, itemsPerPage: resources.length, Resources: resources });
const scimUser = (id: string) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id, userName: `u-${id}` });
const scimError = (status: number, scimType?: string) =>
  json(status, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), scimType, detail: 'ZX-SERVER-DETAIL' });

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

afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

describe('SCIM adapter against the simulator', () => {
  it('reads one user with GET /Users/{id} below a path prefix, with a bearer token', async () => {
    const s = await sim();
    const adapter = adapterFor(`${s.url}/scim/v2`);
    const [user] = await adapter.fetchUsers([BJENSEN], adapter.readCredentials(as(BJENSEN_TOKEN)));
    expect(isUser(user!) && user.username).toBe('bjensen@example.com');
    const [req] = s.requests();
    expect(req!.path).toBe(`/scim/v2/Users/${BJENSEN}`);
    expect(req!.headers.authorization).toBe(`Bearer ${BJENSEN_TOKEN}`);
    expect(req!.headers.accept).toMatch(/application\/scim\+json/);
  });

  it('reads several users with one filtered GET and answers NOT_FOUND for the id the server did not list', async () => {
    const s = await sim();
    const adapter = adapterFor(`${s.url}/scim/v2`);
    const slots = await adapter.fetchUsers([JSMITH, UNKNOWN, ZOE], adapter.readCredentials(as(BJENSEN_TOKEN)));
    expect(codes(slots)).toEqual([JSMITH, 'NOT_FOUND', ZOE]);
    expect(s.requests()).toHaveLength(1);
    const query = new URLSearchParams(s.requests()[0]!.path.split('?')[1]);
    expect(query.get('filter')).toBe(`id eq "${JSMITH}" or id eq "${UNKNOWN}" or id eq "${ZOE}"`);
    expect(adapter.idsPerCall).toBe(50);
  });

  it('escapes quotes and backslashes in filter values and encodes odd ids as one path segment', async () => {
    const s = await sim();
    const adapter = adapterFor(`${s.url}/scim/v2`);
    const creds = adapter.readCredentials(as(BJENSEN_TOKEN));
    const batch = await adapter.fetchUsers(ODD_IDS, creds);
    expect(codes(batch)).toEqual(ODD_IDS);
    expect(s.requests()).toHaveLength(1);
    expect(new URLSearchParams(s.requests()[0]!.path.split('?')[1]).get('filter')).toContain('id eq "a\\"b\\\\c"');
    s.clearRequests();
    for (const id of ODD_IDS) {
      const [one] = await adapter.fetchUsers([id], creds);
      expect(isUser(one!) && one.id).toBe(id);
    }
    expect(s.requests().map((r) => r.path)).toContain('/scim/v2/Users/team%2F%CE%B1%20%CE%B2');
  });

  it('falls back to single GETs when the server does not filter, and remembers it', async () => {
    const s = await sim({ filter: false });
    const adapter = adapterFor(`${s.url}/scim/v2`);
    const creds = adapter.readCredentials(as(BJENSEN_TOKEN));
    expect(codes(await adapter.fetchUsers([JSMITH, ZOE, UNKNOWN], creds))).toEqual([JSMITH, ZOE, 'NOT_FOUND']);
    expect(s.requests().filter((r) => r.path.includes('filter='))).toHaveLength(1);
    expect(s.requests()).toHaveLength(4);
    expect(adapter.idsPerCall).toBe(1);
    s.clearRequests();
    expect(codes(await adapter.fetchUsers([JSMITH, LILEI], creds))).toEqual([JSMITH, LILEI]);
    expect(s.requests().map((r) => r.path)).toEqual(expect.arrayContaining([`/scim/v2/Users/${JSMITH}`, `/scim/v2/Users/${LILEI}`]));
    expect(s.requests()).toHaveLength(2);
  });

  it('reads the ids a server left off a short page one by one', async () => {
    const s = await sim({ maxResults: 1 });
    const adapter = adapterFor(`${s.url}/scim/v2`);
    const slots = await adapter.fetchUsers([JSMITH, ZOE, LILEI, UNKNOWN], adapter.readCredentials(as(BJENSEN_TOKEN)));
    expect(codes(slots)).toEqual([JSMITH, ZOE, LILEI, 'NOT_FOUND']);
    expect(s.requests()).toHaveLength(4);
  });

  it('serves me from /Me, and says NOT_FOUND for a token that is no user', async () => {
    const s = await sim();
    const adapter = adapterFor(`${s.url}/scim/v2`);
    expect((await adapter.fetchMe(adapter.readCredentials(as(BJENSEN_TOKEN)))).id).toBe(BJENSEN);
    const error = await rejection(adapter.fetchMe(adapter.readCredentials(as(CLIENT_TOKEN))));
    expect(error.extensions).toMatchObject({ code: 'NOT_FOUND', provider: 'SCIM', reason: 'ME_NOT_FOUND' });
  });

  it('answers me with PROVIDER_UNAVAILABLE ME_NOT_SUPPORTED on a server without /Me, asking it only once', async () => {
    const s = await sim({ me: 'unsupported' });
    const adapter = adapterFor(`${s.url}/scim/v2`);
    const creds = adapter.readCredentials(as(BJENSEN_TOKEN));
    for (let i = 0; i < 2; i++) {
      const error = await rejection(adapter.fetchMe(creds));
      expect(error.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'SCIM', reason: 'ME_NOT_SUPPORTED' });
      expect(error.message).toMatch(/does not implement \/Me/);
    }
    expect(s.requests()).toHaveLength(1);
  });

  it('follows a /Me redirect to the user resource below the base URL', async () => {
    const s = await sim({ me: 'redirect' });
    const adapter = adapterFor(`${s.url}/scim/v2`);
    expect((await adapter.fetchMe(adapter.readCredentials(as(BJENSEN_TOKEN)))).id).toBe(BJENSEN);
    expect(s.requests().map((r) => r.path)).toEqual(['/scim/v2/Me', `/scim/v2/Users/${BJENSEN}`]);
  });

  it('never follows a /Me redirect elsewhere', async () => {
    const tripwire = await canned(() => json(200, scimUser('x')));
    const s = await canned(() => ({ status: 308, headers: { location: `${tripwire.url}/scim/v2/Users/x` } }));
    const adapter = adapterFor(`${s.url}/scim/v2`);
    const error = await rejection(adapter.fetchMe(adapter.readCredentials(as(BJENSEN_TOKEN))));
    expect(error.extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', reason: 'REDIRECT' });
    expect(tripwire.requests()).toHaveLength(0);
  });

  it('fails every slot with UNAUTHENTICATED and calls nobody when the token is missing or malformed', async () => {
    const s = await sim();
    const adapter = adapterFor(`${s.url}/scim/v2`);
    const missing = await adapter.fetchUsers([JSMITH, ZOE], adapter.readCredentials({}));
    expect(missing.map((e) => (e as GatewayError).extensions.reason)).toEqual(['MISSING_CREDENTIALS', 'MISSING_CREDENTIALS']);
    const bearer = await adapter.fetchUsers([JSMITH], adapter.readCredentials(as(`Bearer ${BJENSEN_TOKEN}`)));
    expect((bearer[0] as GatewayError).extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'MALFORMED_CREDENTIALS' });
    expect((bearer[0] as GatewayError).message).not.toContain(BJENSEN_TOKEN);
    expect(s.requests()).toHaveLength(0);
  });

  it('puts a refused token in every slot after one call', async () => {
    const s = await sim();
    const adapter = adapterFor(`${s.url}/scim/v2`);
    const slots = await adapter.fetchUsers([JSMITH, ZOE, LILEI], adapter.readCredentials(as('not-a-known-token')));
    expect(codes(slots)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
    expect(s.requests()).toHaveLength(1);
  });

  it('uses the configured default token for user lookups but never for me', async () => {
    const s = await sim();
    const adapter = adapterFor(`${s.url}/scim/v2`, { defaultToken: CLIENT_TOKEN });
    const [user] = await adapter.fetchUsers([ZOE], adapter.readCredentials({}));
    expect(isUser(user!) && user.id).toBe(ZOE);
    expect(s.requests()[0]!.headers.authorization).toBe(`Bearer ${CLIENT_TOKEN}`);
    const error = await rejection(adapter.fetchMe(adapter.readCredentials({})));
    expect(error.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'MISSING_CREDENTIALS' });
  });

  it('refuses ids that can never be SCIM ids before any call, and keeps case as given', async () => {
    const adapter = adapterFor('http://127.0.0.1:9/scim/v2');
    for (const bad of ['', '.', '..', '%2e', '%2E.', 'a\nb', 'x'.repeat(257), '\ud800']) {
      expect(() => adapter.normalizeId(bad)).toThrow(GatewayError);
    }
    expect(adapter.normalizeId('CaseExact')).toBe('CaseExact');
    expect(adapter.normalizeId('..a')).toBe('..a');
  });
});

describe('SCIM adapter against odd but legal servers', () => {
  it('reads a list without Resources when nothing matched, and ignores resources nobody asked for', async () => {
    const s = await canned((req) => {
      const filter = req.query.get('filter') ?? '';
      if (filter.includes('"a"')) return scimList([scimUser('a'), scimUser('zz-extra')], 2);
      return json(200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0 });
    });
    const adapter = adapterFor(`${s.url}/v2`);
    const creds = adapter.readCredentials(as('t'));
    expect(codes(await adapter.fetchUsers(['a', 'b'], creds))).toEqual(['a', 'NOT_FOUND']);
    expect(codes(await adapter.fetchUsers(['c', 'd'], creds))).toEqual(['NOT_FOUND', 'NOT_FOUND']);
  });

  it('falls back to single GETs on 400 invalidFilter and on a server that ignores the filter', async () => {
    for (const listAnswer of [() => scimError(400, 'invalidFilter'), () => scimList([scimUser('p'), scimUser('q'), scimUser('r')])]) {
      const s = await canned((req) => {
        if (req.rawQuery !== null) return listAnswer();
        const id = decodeURIComponent(req.pathname.split('/').pop()!);
        return id === 'missing' ? scimError(404) : { status: 200, headers: { 'content-type': 'application/json' }, body: scimUser(id) };
      });
      const adapter = adapterFor(s.url);
      expect(codes(await adapter.fetchUsers(['p', 'missing'], adapter.readCredentials(as('t'))))).toEqual(['p', 'NOT_FOUND']);
      expect(s.requests()).toHaveLength(3);
    }
  });

  it('matches a resource whose id differs only in case, and fails only the slot whose resource is unreadable', async () => {
    const s = await canned(() => scimList([scimUser('ABC'), { id: 'broken' }]));
    const adapter = adapterFor(s.url);
    const slots = await adapter.fetchUsers(['abc', 'broken'], adapter.readCredentials(as('t')));
    expect(isUser(slots[0]!) && slots[0].id).toBe('ABC');
    expect((slots[1] as GatewayError).code).toBe('PROVIDER_BAD_RESPONSE');
  });

  it('maps SCIM error bodies to codes and never shows the server detail', async () => {
    const answers = [scimError(403), scimError(400, 'invalidValue'), { ...scimError(429), headers: { 'content-type': 'application/scim+json', 'retry-after': '7' } }];
    let n = 0;
    const s = await canned(() => answers[n++ % answers.length]!);
    const adapter = adapterFor(s.url, { resilience: { maxRetries: 0 } });
    const creds = adapter.readCredentials(as('t'));
    const got = [];
    for (let i = 0; i < answers.length; i++) got.push((await adapter.fetchUsers(['x'], creds))[0] as GatewayError);
    expect(got.map((e) => [e.code, e.extensions.reason])).toEqual([
      ['FORBIDDEN', undefined],
      ['BAD_USER_INPUT', 'INVALID_VALUE'],
      ['RATE_LIMITED', undefined],
    ]);
    expect(got[2]!.extensions.retryAfterSeconds).toBe(7);
    for (const e of got) expect(JSON.stringify({ message: e.message, extensions: e.extensions })).not.toContain('ZX-SERVER-DETAIL');
  });

  it('refuses a single read that returns another user', async () => {
    const s = await canned(() => json(200, scimUser('someone-else')));
    const adapter = adapterFor(s.url);
    const [slot] = await adapter.fetchUsers(['me-please'], adapter.readCredentials(as('t')));
    expect((slot as GatewayError).code).toBe('PROVIDER_BAD_RESPONSE');
  });
});
