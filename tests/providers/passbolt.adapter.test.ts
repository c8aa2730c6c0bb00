import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { createSilentLogger } from '../../src/logger.js';
import { createPassboltAdapter, type PassboltConfig } from '../../src/providers/passbolt/index.js';
import type { PassboltUserModel } from '../../src/providers/passbolt/map-user.js';
import type { UserModel } from '../../src/model.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import type { PassboltCredentials } from '../../src/providers/passbolt/credentials.js';
import { json, startSimulator, text, type RunningSimulator, type SimulatorResponse } from '../../src/simulators/http-simulator.js';
import { startPassboltSimulator, type PassboltSimulatorData } from '../../src/simulators/passbolt/index.js';
import demoData from '../../src/simulators/passbolt/demo-data.json' with { type: 'json' };
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';

const ADA = 'f848277c-5398-58f8-a82a-72397af2d450';
const V5_EXAMPLE = '8bb80df5-700c-48ce-b568-85a60fc3c8f2';
const CAROL = 'd1db2a3e-1676-4440-bc34-1aacc89fa90f';
const EDITH_NOT_SET_UP = '00d1fdda-111c-470c-9d3d-d7b4fcb4cb93';
const FRANCES_DISABLED = 'f9235c17-6c07-4555-9ba4-ffea1d724849';
const KATHLEEN_DELETED = 'a0dd685f-7e8a-4948-b9eb-d94e4a22bc94';
const LEGACY = 'e0bd92eb-9a5e-49dc-9aab-d958f441a290';
const UNKNOWN = '20d1fa38-7d83-4006-bc4a-32d52c0ce93d';

const ADA_TOKEN = DEMO_CREDENTIALS.PASSBOLT['X-Passbolt-Token'];
const CAROL_TOKEN = Object.entries(demoData.tokens).find(([, id]) => id === CAROL)![0];
const EXPIRED_TOKEN = jwt({ sub: ADA, exp: Math.floor(Date.now() / 1000) - 60 });
const MFA_TOKEN = jwt({ sub: ADA, mfa: 'pending' });

function jwt(payload: object): string {
  const part = (v: object | string) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  return [part({ alg: 'RS256', typ: 'JWT' }), part(payload), part('test-signature')].join('.');
}

/** The demo data plus a 2019-style user (relative avatar URLs) and tokens for the auth edge cases. */
function testData(): PassboltSimulatorData {
  const data = structuredClone(demoData) as PassboltSimulatorData;
  const legacy = structuredClone((data.users as any[]).find((u) => u.id === CAROL));
  legacy.id = LEGACY;
  legacy.username = 'grace@passbolt.com';
  legacy.profile.first_name = 'Grace';
  legacy.profile.last_name = 'Hopper';
  legacy.profile.avatar.url = { medium: 'img/public/legacy.a99472d5.png', small: 'img/public/legacy.65a0ba70.png' };
  legacy.last_logged_in = '';
  data.users.push(legacy);
  data.tokens[EXPIRED_TOKEN] = ADA;
  data.tokens[MFA_TOKEN] = ADA;
  data.mfaPending = { [MFA_TOKEN]: ['totp'] };
  return data;
}

const BASE_CONFIG = { timeoutMs: 2000, connections: 10, maxBodyBytes: 1_048_576, keepAliveTimeoutMs: 1000 };
const adapters: Array<ProviderAdapter<PassboltCredentials>> = [];
const sims: RunningSimulator[] = [];

function adapterFor(baseUrl: string, extra: Partial<PassboltConfig> = {}): ProviderAdapter<PassboltCredentials> {
  const adapter = createPassboltAdapter({ ...BASE_CONFIG, baseUrl, ...extra }, { logger: createSilentLogger() });
  adapters.push(adapter);
  return adapter;
}

/** A stand-in Passbolt that answers each user id with a canned response. */
async function startCannedPassbolt(answers: Record<string, SimulatorResponse>): Promise<RunningSimulator> {
  const sim = await startSimulator('passbolt-canned', (req) => {
    const id = /^\/users\/([^/]+)\.json$/.exec(req.pathname)?.[1] ?? '';
    return answers[id] ?? text(500);
  });
  sims.push(sim);
  return sim;
}

const as = (token: string) => ({ 'x-passbolt-token': [token] });
const isUser = (value: UserModel | GatewayError): value is UserModel => !(value instanceof GatewayError);

async function expectRejection(promise: Promise<unknown>, code: string, reason?: string): Promise<GatewayError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${code}`);
    },
    (e: unknown) => e as GatewayError,
  );
  expect(error).toBeInstanceOf(GatewayError);
  expect(error.code).toBe(code);
  expect(error.provider).toBe('PASSBOLT');
  if (reason) expect(error.extensions.reason).toBe(reason);
  return error;
}

/** The batch contract: fetchUsers resolves, with the same failure in every slot. */
async function expectEverySlot(promise: Promise<Array<UserModel | GatewayError>>, code: string, reason?: string): Promise<GatewayError> {
  const results = await promise;
  expect(results.length).toBeGreaterThan(0);
  for (const slot of results) {
    expect(slot).toBeInstanceOf(GatewayError);
    expect((slot as GatewayError).code).toBe(code);
    expect((slot as GatewayError).provider).toBe('PASSBOLT');
    if (reason) expect((slot as GatewayError).extensions.reason).toBe(reason);
  }
  return results[0] as GatewayError;
}

let sim: RunningSimulator;
let adapter: ProviderAdapter<PassboltCredentials>;

beforeAll(async () => {
  sim = await startPassboltSimulator(testData());
  sims.push(sim);
  adapter = adapterFor(sim.url);
});

afterAll(async () => {
  await Promise.all(adapters.map((a) => a.close()));
  await Promise.all(sims.map((s) => s.close()));
});

beforeEach(() => sim.clearRequests());

describe('Passbolt adapter against the simulator: user lookups', () => {
  it('fetches a user and maps it', async () => {
    const [carol] = await adapter.fetchUsers([CAROL], adapter.readCredentials(as(ADA_TOKEN)));
    expect(carol).toMatchObject({
      __typename: 'PassboltUser',
      provider: 'PASSBOLT',
      id: CAROL,
      username: 'carol@passbolt.com',
      email: 'carol@passbolt.com',
      displayName: 'Carol Shaw',
      active: true,
      lastLoginAt: '2024-11-05T09:14:27Z',
      roles: [{ value: 'user', scope: null }],
      groups: [
        { id: '8a3c5c4e-e931-4e6b-854a-9b2e9afcd3bc', name: null, description: null },
        { id: '6e62b9bd-4289-41dc-be78-abf615160b39', name: null, description: null },
      ],
    });
  });

  it('sends GET /users/{uuid}.json with the token as a Bearer credential', async () => {
    await adapter.fetchUsers([CAROL], adapter.readCredentials(as(ADA_TOKEN)));
    const [request, ...more] = sim.requests();
    expect(more).toHaveLength(0);
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe(`/users/${CAROL}.json`);
    expect(request?.headers.authorization).toBe(`Bearer ${ADA_TOKEN}`);
    expect(request?.headers.accept).toBe('application/json');
    expect(request?.headers).not.toHaveProperty('x-passbolt-token');
  });

  it('canonicalises an upper-case UUID before asking, so it shares the lower-case cache key', async () => {
    const key = adapter.normalizeId(CAROL.toUpperCase());
    expect(key).toBe(CAROL);
    const [carol] = await adapter.fetchUsers([key], adapter.readCredentials(as(ADA_TOKEN)));
    expect(isUser(carol!) && carol.id).toBe(CAROL);
    expect(adapter.normalizeId((carol as PassboltUserModel).id)).toBe(key);
  });

  it('answers NOT_FOUND for an unknown id and for a deleted user', async () => {
    const results = await adapter.fetchUsers([UNKNOWN, KATHLEEN_DELETED], adapter.readCredentials(as(ADA_TOKEN)));
    expect(results.map((r) => (r as GatewayError).code)).toEqual(['NOT_FOUND', 'NOT_FOUND']);
  });

  it('shows a user who has not finished setup to an admin only', async () => {
    const [forAdmin] = await adapter.fetchUsers([EDITH_NOT_SET_UP], adapter.readCredentials(as(ADA_TOKEN)));
    expect(forAdmin).toMatchObject({ id: EDITH_NOT_SET_UP, active: false, setupCompleted: false, gpgkey: null });
    const [forUser] = await adapter.fetchUsers([EDITH_NOT_SET_UP], adapter.readCredentials(as(CAROL_TOKEN)));
    expect((forUser as GatewayError).code).toBe('NOT_FOUND');
  });

  it('maps a disabled user as inactive with the time it was disabled', async () => {
    const [frances] = await adapter.fetchUsers([FRANCES_DISABLED], adapter.readCredentials(as(CAROL_TOKEN)));
    expect(frances).toMatchObject({ active: false, setupCompleted: true, disabled: '2025-01-15T16:20:00Z' });
  });

  it('resolves relative avatar URLs of older servers against the configured base URL', async () => {
    const [legacy] = await adapter.fetchUsers([LEGACY], adapter.readCredentials(as(ADA_TOKEN)));
    expect((legacy as PassboltUserModel).avatarUrl).toBe(`${sim.url}/img/public/legacy.a99472d5.png`);
    expect((legacy as PassboltUserModel).lastLoginAt).toBeNull();
  });

  it('gets is_mfa_enabled only where Passbolt reveals it (admins, or the user themself)', async () => {
    const [carolForAdmin] = await adapter.fetchUsers([CAROL], adapter.readCredentials(as(ADA_TOKEN)));
    expect((carolForAdmin as PassboltUserModel).isMfaEnabled).toBe(true);
    const [adaForCarol] = await adapter.fetchUsers([ADA], adapter.readCredentials(as(CAROL_TOKEN)));
    expect((adaForCarol as PassboltUserModel).isMfaEnabled).toBeNull();
  });
});

describe('Passbolt adapter against the simulator: ids and credentials', () => {
  const badIds = ['me', 'ME', '', '42', 'not-a-uuid', `${ADA}.json`, '../users', `${ADA}/x`, '017f22e2-79b0-7cc3-98c4-dc0c0c07398f', `${ADA}\u0000`, 'x'.repeat(300)];

  it('refuses ids Passbolt could never accept with BAD_USER_INPUT and no upstream call', async () => {
    for (const id of badIds) {
      expect(() => adapter.normalizeId(id), JSON.stringify(id)).toThrowError(expect.objectContaining({ code: 'BAD_USER_INPUT', provider: 'PASSBOLT' }));
    }
    const results = await adapter.fetchUsers(badIds, adapter.readCredentials(as(ADA_TOKEN)));
    expect(results.map((r) => (r as GatewayError).code)).toEqual(badIds.map(() => 'BAD_USER_INPUT'));
    expect(sim.requests()).toHaveLength(0);
  });

  it('fails every slot of the batch with UNAUTHENTICATED and no upstream call when no token is sent', async () => {
    await expectEverySlot(adapter.fetchUsers([ADA, CAROL], adapter.readCredentials({})), 'UNAUTHENTICATED', 'MISSING_CREDENTIALS');
    await expectRejection(adapter.fetchMe(adapter.readCredentials({})), 'UNAUTHENTICATED', 'MISSING_CREDENTIALS');
    expect(sim.requests()).toHaveLength(0);
  });

  it('treats a token with control characters, over 4096 characters, with a space or sent twice as malformed, with no upstream call', async () => {
    const twice = [{ 'x-passbolt-token': [ADA_TOKEN, ADA_TOKEN] }, as(`${ADA_TOKEN}, ${CAROL_TOKEN}`), as(`${ADA_TOKEN},${ADA_TOKEN}`)];
    for (const headers of [as(`${ADA_TOKEN}\r\nx-injected: 1`), as('a'.repeat(4097)), as(`Bearer ${ADA_TOKEN}`), as(`${ADA_TOKEN}\u00e9`), ...twice]) {
      const creds = adapter.readCredentials(headers);
      const error = await expectEverySlot(adapter.fetchUsers([ADA], creds), 'UNAUTHENTICATED', 'MALFORMED_CREDENTIALS');
      expect(error.message).not.toContain(ADA_TOKEN);
      await expectRejection(adapter.fetchMe(creds), 'UNAUTHENTICATED', 'MALFORMED_CREDENTIALS');
    }
    expect(sim.requests()).toHaveLength(0);
  });

  it('says to drop "Bearer" when the header carries a whole Authorization value, naming the header and never the token', async () => {
    for (const value of [`Bearer ${ADA_TOKEN}`, `bearer  ${ADA_TOKEN}`]) {
      const creds = adapter.readCredentials(as(value));
      const error = await expectEverySlot(adapter.fetchUsers([ADA], creds), 'UNAUTHENTICATED', 'MALFORMED_CREDENTIALS');
      expect(error.message).toBe('passbolt: the X-Passbolt-Token header is malformed: send the bare JWT, without "Bearer" (the gateway adds it).');
      expect((await expectRejection(adapter.fetchMe(creds), 'UNAUTHENTICATED', 'MALFORMED_CREDENTIALS')).message).toBe(error.message);
    }
    expect(sim.requests()).toHaveLength(0);
  });

  it('fails every slot with UNAUTHENTICATED when Passbolt refuses the token (unknown or expired)', async () => {
    for (const token of ['eyJ.unknown.token', EXPIRED_TOKEN]) {
      const error = await expectEverySlot(adapter.fetchUsers([ADA, CAROL], adapter.readCredentials(as(token))), 'UNAUTHENTICATED');
      expect(error.message).not.toContain(token);
    }
    expect(sim.requests()).toHaveLength(4);
  });

  it('reports a session still waiting for MFA as UNAUTHENTICATED with reason MFA_REQUIRED', async () => {
    await expectEverySlot(adapter.fetchUsers([CAROL], adapter.readCredentials(as(MFA_TOKEN))), 'UNAUTHENTICATED', 'MFA_REQUIRED');
    await expectRejection(adapter.fetchMe(adapter.readCredentials(as(MFA_TOKEN))), 'UNAUTHENTICATED', 'MFA_REQUIRED');
  });

  it('uses the configured default token for user lookups but never for me', async () => {
    const withDefault = adapterFor(sim.url, { defaultToken: CAROL_TOKEN });
    const [ada] = await withDefault.fetchUsers([ADA], withDefault.readCredentials({}));
    expect(isUser(ada!) && ada.id).toBe(ADA);
    expect(sim.requests()[0]?.headers.authorization).toBe(`Bearer ${CAROL_TOKEN}`);
    await expectRejection(withDefault.fetchMe(withDefault.readCredentials({})), 'UNAUTHENTICATED', 'MISSING_CREDENTIALS');
    // The caller's own token wins over the default.
    await withDefault.fetchUsers([ADA], withDefault.readCredentials(as(ADA_TOKEN)));
    expect(sim.requests()[1]?.headers.authorization).toBe(`Bearer ${ADA_TOKEN}`);
    expect(sim.requests()).toHaveLength(2);
  });
});

describe('Passbolt adapter against the simulator: me and batches', () => {
  it('resolves me through GET /users/me.json with the caller\'s own token', async () => {
    const me = await adapter.fetchMe(adapter.readCredentials(as(ADA_TOKEN)));
    expect(me).toMatchObject({ id: ADA, username: 'ada@passbolt.com', displayName: 'Ada Lovelace', roles: [{ value: 'admin', scope: null }], isMfaEnabled: false });
    expect(adapter.normalizeId(me.id)).toBe(ADA);
    const requests = sim.requests();
    expect(requests.map((r) => r.path)).toEqual(['/users/me.json']);
    expect(requests[0]?.headers.authorization).toBe(`Bearer ${ADA_TOKEN}`);
  });

  it('resolves me for a regular user, who sees their own MFA status', async () => {
    const me = await adapter.fetchMe(adapter.readCredentials(as(CAROL_TOKEN)));
    expect(me).toMatchObject({ id: CAROL, isMfaEnabled: true, roles: [{ value: 'user', scope: null }] });
  });

  it('fetches a batch as parallel single views, results in key order with an error in each failed slot', async () => {
    const ids = [V5_EXAMPLE, UNKNOWN, CAROL, KATHLEEN_DELETED, ADA];
    const results = await adapter.fetchUsers(ids, adapter.readCredentials(as(ADA_TOKEN)));
    expect(results).toHaveLength(ids.length);
    expect(results.map((r) => (isUser(r) ? r.id : r.code))).toEqual([V5_EXAMPLE, 'NOT_FOUND', CAROL, 'NOT_FOUND', ADA]);
    expect(sim.requests().map((r) => r.path).sort()).toEqual(ids.map((id) => `/users/${id}.json`).sort());
  });

  it('caps a batch at 25 ids, the most parallel views it sends', () => {
    expect(adapter.maxBatchSize).toBe(25);
  });

  it('never puts the token in the model', async () => {
    const results = await adapter.fetchUsers([ADA, CAROL, V5_EXAMPLE], adapter.readCredentials(as(ADA_TOKEN)));
    const me = await adapter.fetchMe(adapter.readCredentials(as(CAROL_TOKEN)));
    const serialised = JSON.stringify([results, me]);
    expect(serialised).not.toContain(ADA_TOKEN);
    expect(serialised).not.toContain(CAROL_TOKEN);
    expect(serialised).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});

describe('Passbolt adapter against a misbehaving server', () => {
  const envelope = (status: string, body: unknown) => ({ header: { id: UNKNOWN, status, servertime: 1, action: UNKNOWN, message: 'm', url: '/u', code: 200 }, body });
  const validUser = (id: string) => ({ id, role_id: UNKNOWN, username: 'x@example.com', active: true, deleted: false, created: '2024-07-03T12:52:06+00:00', modified: '2024-07-03T12:52:06+00:00' });
  let canned: ProviderAdapter<PassboltCredentials>;
  const A = '11111111-1111-4111-8111-111111111111';
  const B = '22222222-2222-4222-8222-222222222222';
  const C = '33333333-3333-4333-8333-333333333333';
  const D = '44444444-4444-4444-8444-444444444444';
  const E = '55555555-5555-4555-8555-555555555555';
  const F = '66666666-6666-4666-8666-666666666666';
  const G = '77777777-7777-4777-8777-777777777777';
  const H = '88888888-8888-4888-8888-888888888888';

  beforeAll(async () => {
    const server = await startCannedPassbolt({
      [A]: json(500, { header: { status: 'error', message: 'An Internal Error Has Occurred.', code: 500 }, body: '' }),
      [B]: json(200, envelope('success', validUser(B))),
      [C]: json(200, envelope('success', { ...validUser(C), username: undefined })),
      [D]: text(200, '<html>Welcome</html>'),
      [E]: json(200, envelope('error', validUser(E))),
      [F]: json(200, envelope('success', validUser(B))),
      [G]: json(403, { header: { status: 'error', message: 'Access restricted to administrators.', code: 403 }, body: '' }),
      [H]: text(404, 'Not Found'),
    });
    canned = adapterFor(server.url);
  });

  const creds = () => canned.readCredentials(as(ADA_TOKEN));

  it('puts PROVIDER_UNAVAILABLE in every slot when every view answers 500', async () => {
    await expectEverySlot(canned.fetchUsers([A], creds()), 'PROVIDER_UNAVAILABLE');
  });

  it('keeps a 500 in its own slot when other views succeed', async () => {
    const results = await canned.fetchUsers([A, B], creds());
    expect(results.map((r) => (isUser(r) ? r.id : r.code))).toEqual(['PROVIDER_UNAVAILABLE', B]);
  });

  it('reports a malformed 200 (missing username, not JSON, header.status error, another user) as PROVIDER_BAD_RESPONSE', async () => {
    const results = await canned.fetchUsers([C, D, E, F], creds());
    expect(results.map((r) => (r as GatewayError).code)).toEqual(Array(4).fill('PROVIDER_BAD_RESPONSE'));
    expect((results[0] as GatewayError).message).toMatch(/body\.username/);
    expect(JSON.stringify(results.map((r) => (r as GatewayError).message))).not.toContain('Welcome');
  });

  it('maps a 403 "Access restricted to administrators." to FORBIDDEN', async () => {
    const [result] = await canned.fetchUsers([G], creds());
    expect((result as GatewayError).code).toBe('FORBIDDEN');
  });

  it('reports a bare 404 as a misconfigured base URL rather than a missing user', async () => {
    await expectEverySlot(canned.fetchUsers([H], creds()), 'PROVIDER_UNAVAILABLE', 'MISCONFIGURED');
  });

  it('reports an unreachable server as PROVIDER_UNAVAILABLE', async () => {
    const closed = await startCannedPassbolt({});
    const url = closed.url;
    await closed.close();
    const down = adapterFor(url);
    await expectEverySlot(down.fetchUsers([A, B], down.readCredentials(as(ADA_TOKEN))), 'PROVIDER_UNAVAILABLE');
    await expectRejection(down.fetchMe(down.readCredentials(as(ADA_TOKEN))), 'PROVIDER_UNAVAILABLE');
  });

  it('reports a server slower than the deadline as PROVIDER_TIMEOUT', async () => {
    const slow = await startSimulator('passbolt-slow', () => new Promise<SimulatorResponse>((resolve) => setTimeout(() => resolve(text(200, '')), 1_000)));
    sims.push(slow);
    const impatient = adapterFor(slow.url, { timeoutMs: 200 });
    await expectRejection(impatient.fetchMe(impatient.readCredentials(as(ADA_TOKEN))), 'PROVIDER_TIMEOUT');
  });
});
