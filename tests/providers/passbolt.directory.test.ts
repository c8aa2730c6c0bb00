import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { createSilentLogger } from '../../src/logger.js';
import { createPassboltAdapter } from '../../src/providers/passbolt/index.js';
import { windowPage } from '../../src/providers/passbolt/directory.js';
import type { PassboltCredentials } from '../../src/providers/passbolt/credentials.js';
import type { PassboltUserModel } from '../../src/providers/passbolt/map-user.js';
import type { DirectoryAdapter, ProviderAdapter } from '../../src/providers/types.js';
import type { UserFilter, UserPage } from '../../src/providers/directory.js';
import type { RunningSimulator } from '../../src/simulators/http-simulator.js';
import { startPassboltSimulator, type PassboltSimulatorData } from '../../src/simulators/passbolt/index.js';
import demoData from '../../src/simulators/passbolt/demo-data.json' with { type: 'json' };
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';

const CAROL = 'd1db2a3e-1676-4440-bc34-1aacc89fa90f';
const FRANCES_DISABLED = 'f9235c17-6c07-4555-9ba4-ffea1d724849';
const LEADERSHIP = '8a3c5c4e-e931-4e6b-854a-9b2e9afcd3bc';
const ACCOUNTING = '6e62b9bd-4289-41dc-be78-abf615160b39';
const ADA_TOKEN = DEMO_CREDENTIALS.PASSBOLT['X-Passbolt-Token'];
const CAROL_TOKEN = Object.entries(demoData.tokens).find(([, id]) => id === CAROL)![0];
const GENERATED = 23;

/** The demo data plus generated set-up users `user-00@example.com` … in the Accounting group. */
function testData(): PassboltSimulatorData {
  const data = structuredClone(demoData) as PassboltSimulatorData;
  const template = (data.users as any[]).find((u) => u.id === CAROL);
  for (let i = 0; i < GENERATED; i++) {
    const user = structuredClone(template);
    const n = String(i).padStart(2, '0');
    user.id = `0000${n}00-0000-4000-8000-0000000000${n}`;
    user.username = `user-${n}@example.com`;
    user.profile.first_name = `Generated${n}`;
    user.profile.last_name = 'Person';
    user.groups_users = [{ ...template.groups_users[0], group_id: ACCOUNTING, user_id: user.id }];
    data.users.push(user);
  }
  return data;
}

let sim: RunningSimulator;
let adapter: ProviderAdapter<PassboltCredentials, PassboltUserModel>;
let directory: DirectoryAdapter<PassboltCredentials, PassboltUserModel>;
const as = (token: string) => adapter.readCredentials({ 'x-passbolt-token': [token] });

beforeAll(async () => {
  sim = await startPassboltSimulator(testData());
  adapter = createPassboltAdapter(
    { baseUrl: sim.url, timeoutMs: 2000, connections: 10, maxBodyBytes: 4_194_304, keepAliveTimeoutMs: 1000 },
    { logger: createSilentLogger() },
  );
  directory = adapter.directory!;
});

afterAll(async () => {
  await adapter?.close();
  await sim?.close();
});

beforeEach(() => sim.clearRequests());

/** Reads a whole list page by page, returning every page. */
async function readAll(filter: UserFilter, first: number, token = ADA_TOKEN): Promise<Array<UserPage<PassboltUserModel>>> {
  const pages: Array<UserPage<PassboltUserModel>> = [];
  let after: number | string | undefined;
  for (;;) {
    const page = await directory.listUsers(filter, { first, after }, as(token));
    pages.push(page);
    if (!page.hasNextPage) return pages;
    after = page.edges.at(-1)!.after;
  }
}

const usernames = (pages: Array<UserPage<PassboltUserModel>>) => pages.flatMap((p) => p.edges.map((e) => e.user.username));
const listQueries = () => sim.requests().filter((r) => r.path.startsWith('/users.json')).map((r) => new URL(r.path, 'http://x').searchParams);

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe('Passbolt directory: paging', () => {
  it('reads every visible user once, in username order, one upstream call per page', async () => {
    const all = usernames(await readAll({}, 100));
    expect(all).toEqual([...all].sort((a, b) => a.localeCompare(b)));
    sim.clearRequests();
    const pages = await readAll({}, 4);
    expect(usernames(pages)).toEqual(all);
    expect(new Set(usernames(pages)).size).toBe(all.length);
    expect(listQueries()).toHaveLength(pages.length);
    expect(listQueries().map((q) => [q.get('page'), q.get('limit')])).toEqual(pages.map((_, i) => [String(i + 1), '4']));
  });

  it('reports Passbolt\'s header.pagination.count as totalCount', async () => {
    const all = usernames(await readAll({}, 100));
    const page = await directory.listUsers({}, { first: 3 }, as(ADA_TOKEN));
    expect(page.totalCount).toBe(all.length);
    expect(page.edges).toHaveLength(3);
    expect(page.hasNextPage).toBe(true);
  });

  it('resumes right after any edge, even when the page size changes between pages', async () => {
    const all = usernames(await readAll({}, 100));
    const first = await directory.listUsers({}, { first: 5 }, as(ADA_TOKEN));
    // Resume after the third user of that page with a page of 7: a window across Passbolt pages.
    sim.clearRequests();
    const next = await directory.listUsers({}, { first: 7, after: first.edges[2]!.after }, as(ADA_TOKEN));
    expect(next.edges.map((e) => e.user.username)).toEqual(all.slice(3, 10));
    expect(listQueries()).toHaveLength(1);
  });

  it('picks a Passbolt page that holds the whole window', () => {
    for (const [offset, first] of [[0, 1], [3, 7], [10, 5], [99, 100], [37, 13], [1, 100]] as const) {
      const { limit, pageNumber } = windowPage(offset, first);
      expect(limit).toBeGreaterThanOrEqual(first);
      expect((pageNumber - 1) * limit).toBeLessThanOrEqual(offset);
      expect(offset + first).toBeLessThanOrEqual(pageNumber * limit);
    }
    expect(windowPage(40, 20)).toEqual({ limit: 20, pageNumber: 3 });
  });

  it('refuses page states it could not have made, without an upstream call', async () => {
    for (const state of [0, -1, 1.5, '3', 1e12, Number.NaN, null, {}]) {
      const error = (() => {
        try {
          directory.checkPageState(state);
        } catch (e) {
          return e as GatewayError;
        }
        return undefined;
      })();
      expect(error?.code, String(state)).toBe('BAD_USER_INPUT');
    }
    expect(directory.checkPageState(7)).toBe(7);
    expect(sim.requests()).toHaveLength(0);
  });
});

describe('Passbolt directory: filters', () => {
  it('declares every unified filter', () => {
    expect([...directory.listFilters].sort()).toEqual(['active', 'email', 'groupId', 'search']);
  });

  it('sends search as filter[search] and keeps Passbolt\'s count', async () => {
    const page = await directory.listUsers({ search: 'GENERATED1' }, { first: 5 }, as(ADA_TOKEN));
    expect(page.edges.map((e) => e.user.username)).toEqual([...Array(5)].map((_, i) => `user-1${i}@example.com`));
    expect(page.totalCount).toBe(10);
    expect(listQueries()[0]!.get('filter[search]')).toBe('GENERATED1');
  });

  it('matches an email exactly and case-insensitively, though filter[search] also finds longer usernames', async () => {
    const page = await directory.listUsers({ email: 'USER-01@example.com' }, { first: 5 }, as(ADA_TOKEN));
    expect(page.edges.map((e) => e.user.username)).toEqual(['user-01@example.com']);
    expect(page).toMatchObject({ hasNextPage: false, totalCount: 1 });
    const none = await directory.listUsers({ email: 'ser-01@example.com' }, { first: 5 }, as(ADA_TOKEN));
    expect(none).toMatchObject({ edges: [], hasNextPage: false, totalCount: 0 });
    expect(listQueries().map((q) => q.get('filter[search]'))).toEqual(['USER-01@example.com', 'ser-01@example.com']);
  });

  it('checks search in the gateway when email takes filter[search]', async () => {
    const hit = await directory.listUsers({ email: 'carol@passbolt.com', search: 'CAROL' }, { first: 5 }, as(ADA_TOKEN));
    expect(hit.edges.map((e) => e.user.id)).toEqual([CAROL]);
    const miss = await directory.listUsers({ email: 'carol@passbolt.com', search: 'generated' }, { first: 5 }, as(ADA_TOKEN));
    expect(miss.edges).toEqual([]);
  });

  it('filters by group with filter[has-groups][] and pages the members', async () => {
    const pages = await readAll({ groupId: ACCOUNTING.toUpperCase() }, 10);
    const members = usernames(pages);
    expect(members).toContain('carol@passbolt.com');
    expect(members).toContain('frances@passbolt.com');
    expect(members).toHaveLength(GENERATED + 2);
    expect(pages[0]!.totalCount).toBe(GENERATED + 2);
    expect(listQueries().every((q) => q.getAll('filter[has-groups][]').join() === ACCOUNTING)).toBe(true);
    const leaders = await directory.listGroupMembers(LEADERSHIP, { first: 10 }, as(ADA_TOKEN));
    expect(leaders.edges.map((e) => e.user.username).sort()).toEqual(['ada@passbolt.local', 'carol@passbolt.com']);
  });

  it('refuses a group id that is not a UUID before any call', async () => {
    expect((await rejection(directory.listUsers({ groupId: 'accounting' }, { first: 5 }, as(ADA_TOKEN)))).code).toBe('BAD_USER_INPUT');
    expect(() => directory.normalizeGroupId('accounting')).toThrow(GatewayError);
    expect(sim.requests()).toHaveLength(0);
  });

  it('applies the unified active flag: set up and not disabled', async () => {
    const activeIds = usernames(await readAll({ active: true }, 7)).length;
    const inactive = usernames(await readAll({ active: false }, 7));
    expect(inactive.sort()).toEqual(['edith@passbolt.com', 'frances@passbolt.com']);
    const all = usernames(await readAll({}, 100));
    expect(activeIds + inactive.length).toBe(all.length);
    expect(listQueries().some((q) => q.get('filter[is-active]') === '1')).toBe(true);
  });

  it('gives a regular user, whom Passbolt shows set-up users only, the disabled ones as inactive', async () => {
    const inactive = await directory.listUsers({ active: false }, { first: 10 }, as(CAROL_TOKEN));
    expect(inactive.edges.map((e) => e.user.id)).toEqual([FRANCES_DISABLED]);
    const all = usernames(await readAll({}, 100, CAROL_TOKEN));
    expect(all).not.toContain('edith@passbolt.com');
  });

  it('pages a gateway-checked list without short pages, with an exact count', async () => {
    const pages = await readAll({ active: true }, 4);
    expect(pages.slice(0, -1).every((p) => p.edges.length === 4)).toBe(true);
    const names = usernames(pages);
    expect(new Set(names).size).toBe(names.length);
    expect(pages[0]!.totalCount).toBe(names.length);
    expect(names).not.toContain('frances@passbolt.com');
    expect(listQueries()).toHaveLength(pages.length);
    expect(listQueries().every((q) => !q.has('limit'))).toBe(true);
  });
});

describe('Passbolt directory: contains, credentials and groups', () => {
  it('turns off the contains no selected field needs', async () => {
    const page = await directory.listUsers({}, { first: 2 }, as(ADA_TOKEN), { fields: new Set(['id', 'username', 'email']) });
    const q = listQueries()[0]!;
    for (const contain of ['profile', 'role', 'gpgkey', 'groups_users']) expect(q.get(`contain[${contain}]`), contain).toBe('0');
    expect(q.has('contain[is_mfa_enabled]')).toBe(false);
    expect(page.edges[0]!.user.gpgkey).toBeNull();
    sim.clearRequests();
    await directory.listUsers({}, { first: 2 }, as(ADA_TOKEN), { fields: new Set(['givenName', 'groups']) });
    const q2 = listQueries()[0]!;
    expect([q2.get('contain[profile]'), q2.get('contain[groups_users]'), q2.get('contain[gpgkey]'), q2.get('contain[role]')]).toEqual([null, null, '0', '0']);
  });

  it('lists with the full model when no selection is known', async () => {
    const page = await directory.listUsers({ email: 'carol@passbolt.com' }, { first: 1 }, as(ADA_TOKEN));
    const carol = page.edges[0]!.user;
    expect(carol.givenName).toBeTruthy();
    expect(carol.groups.map((g) => g.id).sort()).toEqual([ACCOUNTING, LEADERSHIP].sort());
    expect(carol.gpgkey).not.toBeNull();
  });

  it('needs a token: UNAUTHENTICATED without an upstream call', async () => {
    const none = adapter.readCredentials({});
    expect((await rejection(directory.listUsers({}, { first: 2 }, none))).code).toBe('UNAUTHENTICATED');
    expect((await rejection(directory.fetchGroup(LEADERSHIP, none))).code).toBe('UNAUTHENTICATED');
    expect(sim.requests()).toHaveLength(0);
  });

  it('maps a refused token to UNAUTHENTICATED', async () => {
    expect((await rejection(directory.listUsers({}, { first: 2 }, as('eyJ.unknown.token')))).code).toBe('UNAUTHENTICATED');
  });

  it('views a group by id for any user, and NOT_FOUND for an unknown one', async () => {
    expect(await directory.fetchGroup(ACCOUNTING.toUpperCase(), as(CAROL_TOKEN))).toEqual({ id: ACCOUNTING, name: 'Accounting', description: null });
    const error = await rejection(directory.fetchGroup('20d1fa38-7d83-4006-bc4a-32d52c0ce93d', as(ADA_TOKEN)));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toMatch(/group/);
  });
});
