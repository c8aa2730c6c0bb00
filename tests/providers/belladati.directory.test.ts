import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, GatewayError } from '../../src/errors.js';
import { createSilentLogger } from '../../src/logger.js';
import type { UserFilter } from '../../src/providers/directory.js';
import type { RequestHeaders } from '../../src/providers/request-headers.js';
import type { ProviderAdapter } from '../../src/providers/types.js';
import { createBellaDatiAdapter, type BellaDatiConfig, type BellaDatiCredentials, type BellaDatiUserModel } from '../../src/providers/belladati/index.js';
import { startBellaDatiSimulator, type BellaDatiSimulatorData } from '../../src/simulators/belladati/index.js';
import { json, startSimulator, type RunningSimulator } from '../../src/simulators/http-simulator.js';

const CONSUMER = 'directory-test-consumer';
const ADMIN = { token: 'adm-token-1', username: 'admin@example.com' };
const PLAIN = { token: 'plain-token-2', username: 'plain@example.com' };
const GLOBAL = { token: 'global-token-3', username: 'root@elsewhere.example' };

const user = (id: string, username: string, extra: Record<string, unknown> = {}) => ({
  id,
  username,
  domain_id: '45',
  firstName: `Given${id}`,
  lastName: `Family${id}`,
  email: username,
  active: true,
  locale: 'en',
  roles: [] as Array<{ role: string }>,
  groups: [] as Array<{ id: string; name: string; description?: string }>,
  ...extra,
});

/** Domain 45: an admin, a plain user and 11 generated users; domain 7: a global admin. */
const USERS = [
  user('1', ADMIN.username, { roles: [{ role: 'WORKSPACE_ADMIN' }], groups: [{ id: '56', name: 'Sales' }] }),
  user('2', PLAIN.username, { groups: [{ id: '56', name: 'Sales' }, { id: '345', name: 'Support', description: 'Second line' }] }),
  ...Array.from({ length: 11 }, (_, i) =>
    user(String(10 + i), `member${10 + i}@example.com`, {
      active: i % 3 !== 0,
      firstName: i === 4 ? 'Zoë' : `Given${10 + i}`,
      groups: i % 2 === 0 ? [{ id: '56', name: 'Sales' }] : [],
    }),
  ),
  user('900', GLOBAL.username, { domain_id: '7', roles: [{ role: 'ADMIN' }] }),
];
const DOMAIN_45 = USERS.filter((u) => u.domain_id === '45');

const DATA: BellaDatiSimulatorData = {
  consumerKey: CONSUMER,
  tokens: { [ADMIN.token]: '1', [PLAIN.token]: '2', [GLOBAL.token]: '900' },
  users: USERS,
};

const BASE: Omit<BellaDatiConfig, 'baseUrl'> = { timeoutMs: 2000, connections: 10, maxBodyBytes: 1_048_576, keepAliveTimeoutMs: 1000, consumerKey: CONSUMER };
const headers = (token?: string, username?: string): RequestHeaders => ({
  ...(token === undefined ? {} : { 'x-belladati-token': [token] }),
  ...(username === undefined ? {} : { 'x-belladati-username': [username] }),
});

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe('BellaDati directory adapter', () => {
  let sim: RunningSimulator;
  let adapter: ProviderAdapter<BellaDatiCredentials, BellaDatiUserModel>;
  let configured: ProviderAdapter<BellaDatiCredentials, BellaDatiUserModel>;
  const dir = () => adapter.directory!;
  const paths = () => sim.requests().map((r) => r.path);

  beforeAll(async () => {
    sim = await startBellaDatiSimulator(DATA);
    adapter = createBellaDatiAdapter({ ...BASE, baseUrl: `${sim.url}/api` }, { logger: createSilentLogger() });
    configured = createBellaDatiAdapter({ ...BASE, baseUrl: `${sim.url}/api`, domain: '45', defaultToken: ADMIN.token }, { logger: createSilentLogger() });
  });
  afterAll(async () => {
    await adapter.close();
    await configured.close();
    await sim.close();
  });
  beforeEach(() => sim.clearRequests());

  /** Every page of a list, following `after`, with the number of pages. */
  async function walk(filter: UserFilter, first: number, creds = adapter.readCredentials(headers(ADMIN.token, ADMIN.username))) {
    const ids: string[] = [];
    const totals: Array<number | null> = [];
    let after: string | number | undefined;
    let pages = 0;
    for (;;) {
      const page = await dir().listUsers(filter, { first, after }, creds);
      pages++;
      ids.push(...page.edges.map((e) => e.user.id));
      totals.push(page.totalCount);
      expect(page.edges.length).toBeLessThanOrEqual(first);
      if (!page.hasNextPage) break;
      after = page.edges.at(-1)!.after;
    }
    return { ids, totals, pages };
  }

  it('declares the whole list in one call and the four filters', () => {
    expect(dir().listPageSize).toBe(Infinity);
    expect([...dir().listFilters].sort()).toEqual(['active', 'email', 'groupId', 'search']);
  });

  it('pages through the caller’s domain with no gaps or duplicates, one list call per page plus one domain lookup', async () => {
    const { ids, totals, pages } = await walk({}, 4);
    expect(ids).toEqual(DOMAIN_45.map((u) => u.id));
    expect(pages).toBe(Math.ceil(DOMAIN_45.length / 4));
    expect(new Set(totals)).toEqual(new Set([DOMAIN_45.length]));
    const requests = paths();
    expect(requests.filter((p) => p.startsWith('/api/users/username/'))).toEqual([`/api/users/username/${encodeURIComponent(ADMIN.username)}`]);
    expect(requests.filter((p) => p === '/api/domains/45/users')).toHaveLength(pages);
    expect(requests).toHaveLength(pages + 1);
  });

  it('maps every listed user with the single-user mapper', async () => {
    const page = await dir().listUsers({}, { first: 2 }, adapter.readCredentials(headers(ADMIN.token, ADMIN.username)));
    expect(page.edges.map((e) => e.user)).toMatchObject([
      { __typename: 'BellaDatiUser', id: '1', username: ADMIN.username, givenName: 'Given1', domainId: '45', roles: [{ value: 'WORKSPACE_ADMIN' }] },
      { id: '2', groups: [{ id: '56' }, { id: '345', name: 'Support', description: 'Second line' }] },
    ]);
    expect(page.edges.map((e) => e.after)).toEqual([1, 2]);
  });

  it('uses the configured domain without a lookup, with the configured default token', async () => {
    const creds = configured.readCredentials(headers());
    const page = await configured.directory!.listUsers({}, { first: 100 }, creds);
    expect(page.edges.map((e) => e.user.id)).toEqual(DOMAIN_45.map((u) => u.id));
    expect(paths()).toEqual(['/api/domains/45/users']);
  });

  it('filters by group natively with userGroup_id', async () => {
    const expected = DOMAIN_45.filter((u) => u.groups.some((g) => g.id === '56')).map((u) => u.id);
    const { ids, totals } = await walk({ groupId: '56' }, 3);
    expect(ids).toEqual(expected);
    expect(totals[0]).toBe(expected.length);
    expect(paths().filter((p) => p.startsWith('/api/domains/'))).toSatisfy((ps: string[]) => ps.every((p) => p === '/api/domains/45/users?userGroup_id=56'));
  });

  it('filters active, email and search in the adapter; totalCount is the filtered count', async () => {
    const inactive = DOMAIN_45.filter((u) => !u.active).map((u) => u.id);
    expect(inactive.length).toBeGreaterThan(1);
    const { ids, totals } = await walk({ active: false }, 2);
    expect(ids).toEqual(inactive);
    expect(totals[0]).toBe(inactive.length);

    expect((await walk({ email: 'MEMBER12@Example.com' }, 5)).ids).toEqual(['12']);
    // Names, username and email, without regard to case: "zoë" is member 14's given name.
    expect((await walk({ search: 'ZOË' }, 5)).ids).toEqual(['14']);
    expect((await walk({ search: 'family1' }, 20)).ids).toEqual(['1', ...DOMAIN_45.filter((u) => u.id.startsWith('1') && u.id !== '1').map((u) => u.id)]);
    expect((await walk({ search: 'plain@' }, 5)).ids).toEqual(['2']);
    const combined = await walk({ search: 'member', active: true, groupId: '56' }, 2);
    expect(combined.ids).toEqual(DOMAIN_45.filter((u) => u.username.startsWith('member') && u.active && u.groups.length > 0).map((u) => u.id));
  });

  it('answers an empty last page when the list shrank below the offset', async () => {
    const page = await dir().listUsers({ email: 'plain@example.com' }, { first: 5, after: 40 }, adapter.readCredentials(headers(ADMIN.token, ADMIN.username)));
    expect(page).toEqual({ edges: [], hasNextPage: false, totalCount: 1 });
  });

  it('refuses a non-admin with FORBIDDEN, after learning the domain', async () => {
    const error = await rejection(dir().listUsers({}, { first: 5 }, adapter.readCredentials(headers(PLAIN.token, PLAIN.username))));
    expect(error.code).toBe(ErrorCode.FORBIDDEN);
    expect(error.message).toMatch(/administrator/);
  });

  it('needs X-BellaDati-Username without a configured domain, and the token always, before any call', async () => {
    const noUsername = await rejection(dir().listUsers({}, { first: 5 }, adapter.readCredentials(headers(ADMIN.token))));
    expect(noUsername.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(noUsername.message).toMatch(/X-BellaDati-Username/);
    const noToken = await rejection(dir().listUsers({}, { first: 5 }, adapter.readCredentials(headers(undefined, ADMIN.username))));
    expect(noToken.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(noToken.message).toMatch(/X-BellaDati-Token/);
    const badUsername = await rejection(dir().listUsers({}, { first: 5 }, adapter.readCredentials(headers(ADMIN.token, '..'))));
    expect(badUsername.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(paths()).toEqual([]);
  });

  it('says when the username given names nobody, so the domain is unknown', async () => {
    const error = await rejection(dir().listUsers({}, { first: 5 }, adapter.readCredentials(headers(ADMIN.token, 'nobody@example.com'))));
    expect(error.code).toBe(ErrorCode.NOT_FOUND);
    expect(error.message).toContain('X-BellaDati-Username');
    expect(paths()).toEqual([`/api/users/username/${encodeURIComponent('nobody@example.com')}`]);
  });

  it('looks the domain up once per request, whatever the number of lists', async () => {
    const creds = adapter.readCredentials(headers(ADMIN.token, ADMIN.username));
    await Promise.all([dir().listUsers({}, { first: 1 }, creds), dir().listGroupMembers('56', { first: 1 }, creds), dir().fetchGroup('345', creds)]);
    expect(paths().filter((p) => p.startsWith('/api/users/username/'))).toHaveLength(1);
    expect(paths()).toHaveLength(4);
  });

  it('reads a group from the domain’s group list, NOT_FOUND for one not there', async () => {
    const creds = configured.readCredentials(headers(ADMIN.token));
    expect(await configured.directory!.fetchGroup('345', creds)).toEqual({ id: '345', name: 'Support', description: 'Second line' });
    expect((await rejection(configured.directory!.fetchGroup('999', creds))).code).toBe(ErrorCode.NOT_FOUND);
    expect(paths()).toEqual(['/api/domains/45/userGroups', '/api/domains/45/userGroups']);
  });

  it('lists a group’s members with userGroup_id', async () => {
    const page = await configured.directory!.listGroupMembers('345', { first: 10 }, configured.readCredentials(headers(ADMIN.token)));
    expect(page.edges.map((e) => e.user.id)).toEqual(['2']);
    expect(paths()).toEqual(['/api/domains/45/users?userGroup_id=345']);
  });

  it('refuses group ids and page states it could never have produced', () => {
    for (const bad of ['', 'x1', '-1', '1'.repeat(19)]) expect(() => dir().normalizeGroupId(bad)).toThrow(GatewayError);
    expect(dir().normalizeGroupId('0056')).toBe('0056');
    for (const bad of [0, -1, 1.5, '3', Number.NaN, 10_000_001, null, {}]) {
      expect(() => dir().checkPageState(bad)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT }));
    }
    expect(dir().checkPageState(7)).toBe(7);
  });

  it('lists the configured domain for a global admin of another domain', async () => {
    const creds = configured.readCredentials(headers(GLOBAL.token, GLOBAL.username));
    const page = await configured.directory!.listUsers({}, { first: 3 }, creds);
    expect(page.totalCount).toBe(DOMAIN_45.length);
    // From the caller instead: the global admin's own domain 7.
    const own = await dir().listUsers({}, { first: 3 }, adapter.readCredentials(headers(GLOBAL.token, GLOBAL.username)));
    expect(own.edges.map((e) => e.user.id)).toEqual(['900']);
  });
});

describe('BellaDati directory adapter on a misbehaving server', () => {
  let sim: RunningSimulator;
  let body: unknown;
  let adapter: ProviderAdapter<BellaDatiCredentials, BellaDatiUserModel>;

  beforeAll(async () => {
    sim = await startSimulator('belladati-bad', () => json(200, body));
    adapter = createBellaDatiAdapter({ ...BASE, baseUrl: `${sim.url}/api`, domain: '45' }, { logger: createSilentLogger() });
  });
  afterAll(async () => {
    await adapter.close();
    await sim.close();
  });

  it('answers PROVIDER_BAD_RESPONSE for a body without a users array or an entry without an id', async () => {
    const creds = adapter.readCredentials(headers(ADMIN.token));
    for (const bad of [[], { items: [] }, { users: [{ username: 'no-id' }] }]) {
      body = bad;
      const error = await rejection(adapter.directory!.listUsers({}, { first: 5 }, creds));
      expect(error.code).toBe(ErrorCode.PROVIDER_BAD_RESPONSE);
    }
  });

  it('answers PROVIDER_BAD_RESPONSE when the domain lookup returns another user or no domain', async () => {
    const own = createBellaDatiAdapter({ ...BASE, baseUrl: `${sim.url}/api` }, { logger: createSilentLogger() });
    try {
      body = user('5', 'someone.else@example.com');
      expect((await rejection(own.directory!.listUsers({}, { first: 5 }, own.readCredentials(headers(ADMIN.token, ADMIN.username))))).code).toBe(
        ErrorCode.PROVIDER_BAD_RESPONSE,
      );
      body = { ...user('1', ADMIN.username), domain_id: null };
      expect((await rejection(own.directory!.listUsers({}, { first: 5 }, own.readCredentials(headers(ADMIN.token, ADMIN.username))))).code).toBe(
        ErrorCode.PROVIDER_BAD_RESPONSE,
      );
    } finally {
      await own.close();
    }
  });
});
