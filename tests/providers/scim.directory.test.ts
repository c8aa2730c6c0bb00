import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { createSilentLogger } from '../../src/logger.js';
import type { UserPage } from '../../src/providers/directory.js';
import { createScimAdapter } from '../../src/providers/scim/index.js';
import type { ScimCredentials } from '../../src/providers/scim/credentials.js';
import type { ScimUserModel } from '../../src/providers/scim/map-user.js';
import type { DirectoryAdapter, ProviderAdapter } from '../../src/providers/types.js';
import { json, startSimulator, type RunningSimulator, type SimulatorHandler } from '../../src/simulators/http-simulator.js';
import { startScimSimulator, type ScimSimulatorData } from '../../src/simulators/scim/index.js';

const TOKEN = 'scim-directory-token';
const BASE_CONFIG = { timeoutMs: 2000, connections: 10, maxBodyBytes: 1_048_576, keepAliveTimeoutMs: 1000 };
const adapters: Array<ProviderAdapter<ScimCredentials, ScimUserModel>> = [];
const sims: RunningSimulator[] = [];

/** `n` users u01…, every third inactive, names and emails that searches can tell apart. */
function generated(n: number, overrides: Partial<ScimSimulatorData> = {}): ScimSimulatorData {
  const users = Array.from({ length: n }, (_, i) => {
    const k = String(i + 1).padStart(2, '0');
    return {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: `u${k}`,
      userName: `user${k}@example.com`,
      displayName: i % 2 === 0 ? `Even Person ${k}` : `Odd Person ${k}`,
      emails: [{ value: `User${k}@Example.com`, primary: true }],
      active: i % 3 !== 2,
    };
  });
  return { tokens: { [TOKEN]: 'u01' }, users, ...overrides };
}

async function sim(data: ScimSimulatorData): Promise<RunningSimulator> {
  const s = await startScimSimulator(data);
  sims.push(s);
  return s;
}

async function canned(handler: SimulatorHandler): Promise<RunningSimulator> {
  const s = await startSimulator('scim-canned', handler);
  sims.push(s);
  return s;
}

function directoryFor(baseUrl: string): { dir: DirectoryAdapter<ScimCredentials, ScimUserModel>; creds: ScimCredentials; adapter: ProviderAdapter<ScimCredentials, ScimUserModel> } {
  const adapter = createScimAdapter({ ...BASE_CONFIG, baseUrl }, { logger: createSilentLogger() });
  adapters.push(adapter);
  return { dir: adapter.directory!, creds: adapter.readCredentials({ 'x-scim-token': [TOKEN] }), adapter };
}

const ids = (page: UserPage<ScimUserModel>) => page.edges.map((e) => e.user.id);
const query = (s: RunningSimulator, i = 0) => new URLSearchParams(s.requests()[i]!.path.split('?')[1]);

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

/** Every page of a listing, following each page's last `after`. */
async function allPages(next: (after: number | undefined) => Promise<UserPage<ScimUserModel>>): Promise<UserPage<ScimUserModel>[]> {
  const pages: UserPage<ScimUserModel>[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await next(after);
    pages.push(page);
    if (!page.hasNextPage) return pages;
    after = page.edges.at(-1)!.after as number;
  }
}

afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

describe('SCIM directory: listing users', () => {
  it('pages through every user with startIndex and count, one request per page, without gaps or duplicates', async () => {
    const s = await sim(generated(7));
    const { dir, creds } = directoryFor(`${s.url}`);
    const pages = await allPages((after) => dir.listUsers({}, { first: 3, after }, creds));
    expect(pages.map(ids)).toEqual([
      ['u01', 'u02', 'u03'],
      ['u04', 'u05', 'u06'],
      ['u07'],
    ]);
    expect(pages.map((p) => p.totalCount)).toEqual([7, 7, 7]);
    expect(pages[0]!.edges.map((e) => e.after)).toEqual([2, 3, 4]);
    expect(s.requests()).toHaveLength(3);
    expect([0, 1, 2].map((i) => [query(s, i).get('startIndex'), query(s, i).get('count'), query(s, i).get('filter')])).toEqual([
      ['1', '3', null],
      ['4', '3', null],
      ['7', '3', null],
    ]);
    expect(s.requests()[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('ends exactly at the last user when the list divides into full pages', async () => {
    const s = await sim(generated(4));
    const { dir, creds } = directoryFor(s.url);
    const pages = await allPages((after) => dir.listUsers({}, { first: 2, after }, creds));
    expect(pages.map(ids)).toEqual([['u01', 'u02'], ['u03', 'u04']]);
    expect(s.requests()).toHaveLength(2);
  });

  it('keeps paging from totalResults when the server returns fewer users than asked', async () => {
    const s = await sim(generated(5, { maxResults: 2 }));
    const { dir, creds } = directoryFor(s.url);
    const first = await dir.listUsers({}, { first: 4 }, creds);
    expect(ids(first)).toEqual(['u01', 'u02']);
    expect(first.hasNextPage).toBe(true);
    expect(first.totalCount).toBe(5);
    const pages = await allPages((after) => dir.listUsers({}, { first: 4, after }, creds));
    expect(pages.flatMap(ids)).toEqual(['u01', 'u02', 'u03', 'u04', 'u05']);
  });

  it('sends search as an escaped co filter over userName, displayName, name.formatted and emails', async () => {
    const s = await sim(generated(6));
    const { dir, creds } = directoryFor(s.url);
    const page = await dir.listUsers({ search: 'odd PERSON' }, { first: 10 }, creds);
    expect(ids(page)).toEqual(['u02', 'u04', 'u06']);
    expect(page.totalCount).toBe(3);
    expect(query(s).get('filter')).toBe(
      '(userName co "odd PERSON" or displayName co "odd PERSON" or name.formatted co "odd PERSON" or emails.value co "odd PERSON")',
    );
    s.clearRequests();
    const hostile = await dir.listUsers({ search: 'x" or userName pr or "' }, { first: 10 }, creds);
    expect(ids(hostile)).toEqual([]);
    expect(query(s).get('filter')).toContain('userName co "x\\" or userName pr or \\""');
    expect(s.requests()[0]!.path).not.toContain('+');
  });

  it('filters by email (case-insensitive), active and group, joined with and', async () => {
    const s = await sim(generated(6, { groups: [{ id: 'g-1', displayName: 'Team', members: [{ value: 'u02' }, { value: 'u03' }, { value: 'u05' }] }] }));
    const { dir, creds } = directoryFor(s.url);
    expect(ids(await dir.listUsers({ email: 'user04@EXAMPLE.COM' }, { first: 10 }, creds))).toEqual(['u04']);
    expect(ids(await dir.listUsers({ active: false }, { first: 10 }, creds))).toEqual(['u03', 'u06']);
    expect(ids(await dir.listUsers({ groupId: 'g-1' }, { first: 10 }, creds))).toEqual(['u02', 'u03', 'u05']);
    expect(ids(await dir.listUsers({ groupId: 'g-1', active: true, search: 'odd' }, { first: 10 }, creds))).toEqual(['u02']);
    expect(s.requests().map((r) => new URLSearchParams(r.path.split('?')[1]).get('filter'))).toEqual([
      'emails.value eq "user04@EXAMPLE.COM"',
      'active eq false',
      'groups.value eq "g-1"',
      '(userName co "odd" or displayName co "odd" or name.formatted co "odd" or emails.value co "odd") and active eq true and groups.value eq "g-1"',
    ]);
  });

  it('says FILTER_NOT_SUPPORTED, naming the filters, when the server refuses the filter', async () => {
    const noFilter = await sim(generated(3, { filter: false }));
    const { dir, creds } = directoryFor(noFilter.url);
    const refused = await rejection(dir.listUsers({ search: 'a', active: true }, { first: 5 }, creds));
    expect(refused.extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'SCIM', reason: 'FILTER_NOT_SUPPORTED' });
    expect(refused.message).toContain('search, active');
    // The same server lists without a filter.
    expect(ids(await dir.listUsers({}, { first: 5 }, creds))).toEqual(['u01', 'u02', 'u03']);

    const invalid = await canned(() =>
      json(400, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidFilter', detail: 'ZX-SERVER-DETAIL' }),
    );
    const other = directoryFor(invalid.url);
    const error = await rejection(other.dir.listUsers({ groupId: 'g' }, { first: 5 }, other.creds));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'FILTER_NOT_SUPPORTED' });
    expect(error.message).not.toContain('ZX-SERVER-DETAIL');
  });

  it('maps a refused token and a forbidden listing like other reads, without leaking the token', async () => {
    const s = await sim(generated(2));
    const adapter = createScimAdapter({ ...BASE_CONFIG, baseUrl: s.url }, { logger: createSilentLogger() });
    adapters.push(adapter);
    const wrong = await rejection(adapter.directory!.listUsers({}, { first: 2 }, adapter.readCredentials({ 'x-scim-token': ['nope-secret'] })));
    expect(wrong.extensions).toMatchObject({ code: 'UNAUTHENTICATED', provider: 'SCIM' });
    expect(JSON.stringify(wrong)).not.toContain('nope-secret');
    s.clearRequests();
    const missing = await rejection(adapter.directory!.listUsers({}, { first: 2 }, adapter.readCredentials({})));
    expect(missing.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(s.requests()).toHaveLength(0);

    const forbidden = await canned(() => json(403, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '403' }));
    const other = directoryFor(forbidden.url);
    const error = await rejection(other.dir.listUsers({}, { first: 2 }, other.creds));
    expect(error.extensions).toMatchObject({ code: 'FORBIDDEN', provider: 'SCIM' });
    expect(error.message).toMatch(/list of users/);
  });

  it('never returns more users than asked, and stops on an empty page whatever totalResults says', async () => {
    const users = generated(5).users;
    const s = await canned((req) => {
      const start = Number(req.query.get('startIndex'));
      const resources = start === 1 ? users : [];
      return json(200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 50, startIndex: start, itemsPerPage: resources.length, Resources: resources });
    });
    const { dir, creds } = directoryFor(s.url);
    const first = await dir.listUsers({}, { first: 2 }, creds);
    expect(ids(first)).toEqual(['u01', 'u02']);
    expect(first.hasNextPage).toBe(true);
    const empty = await dir.listUsers({}, { first: 2, after: 3 }, creds);
    expect(empty).toEqual({ edges: [], hasNextPage: false, totalCount: 50 });
  });

  it('refuses page states it could not have made', async () => {
    const { dir } = directoryFor('http://127.0.0.1:9');
    for (const bad of [0, 1, -4, 2.5, '3', null, {}, Number.MAX_SAFE_INTEGER, NaN]) {
      expect(() => dir.checkPageState(bad)).toThrow(GatewayError);
    }
    expect(dir.checkPageState(2)).toBe(2);
    expect(dir.checkPageState(151)).toBe(151);
    expect([...dir.listFilters].sort()).toEqual(['active', 'email', 'groupId', 'search']);
  });
});

describe('SCIM directory: groups', () => {
  const groupData = () =>
    generated(8, {
      groups: [
        { id: 'g/1', displayName: 'Crew', members: [{ value: 'u05' }, { value: 'g-2', type: 'Group' }, { value: 'u01' }, { value: 'gone' }, { value: 'u03' }, { value: 'u07' }, { value: 'u01' }] },
        { id: 'g-2', displayName: 'Nested', members: [{ value: 'u08' }] },
      ],
    });

  it('reads a group with GET /Groups/{id}, leaving out its members', async () => {
    const s = await sim(groupData());
    const { dir, creds } = directoryFor(s.url);
    expect(await dir.fetchGroup('g/1', creds)).toEqual({ id: 'g/1', name: 'Crew', description: null });
    expect(s.requests().map((r) => r.path)).toEqual(['/Groups/g%2F1?excludedAttributes=members']);
    const missing = await rejection(dir.fetchGroup('nope', creds));
    expect(missing.extensions).toMatchObject({ code: 'NOT_FOUND', provider: 'SCIM' });
    expect(missing.message).toMatch(/no such group/);
    expect(() => dir.normalizeGroupId('')).toThrow(GatewayError);
  });

  it('pages through the group members in members[] order: users only, each once, vanished users left out', async () => {
    const s = await sim(groupData());
    const { dir, creds } = directoryFor(s.url);
    const pages = await allPages((after) => dir.listGroupMembers('g/1', { first: 2, after }, creds));
    expect(pages.map(ids)).toEqual([['u05', 'u01'], ['u03'], ['u07']]);
    expect(pages.map((p) => p.totalCount)).toEqual([5, 5, 5]);
    expect(pages.map((p) => p.hasNextPage)).toEqual([true, true, false]);
    // Each page: the group, then one filtered read of that page's members.
    // (a page of one member reads that user directly).
    expect(s.requests().map((r) => r.path.split('?')[0])).toEqual(['/Groups/g%2F1', '/Users', '/Groups/g%2F1', '/Users', '/Groups/g%2F1', '/Users/u07']);
    expect(query(s, 1).get('filter')).toBe('id eq "u05" or id eq "u01"');
    expect(pages.at(-1)!.edges[0]!.user.username).toBe('user07@example.com');
  });

  it('reads on past a page of members that are all gone, and gives up on a group of mostly stale members', async () => {
    const stale = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `gone-${i}` }));
    const s = await sim(
      generated(3, {
        groups: [
          { id: 'g', displayName: 'Stale', members: [...stale(2), { value: 'u02' }, { value: 'u03' }] },
          { id: 'h', displayName: 'Staler', members: [...stale(6), { value: 'u01' }] },
        ],
      }),
    );
    const { dir, creds } = directoryFor(s.url);
    const page = await dir.listGroupMembers('g', { first: 2 }, creds);
    expect(ids(page)).toEqual(['u02', 'u03']);
    expect(page.hasNextPage).toBe(false);
    expect(s.requests().map((r) => r.path.split('?')[0])).toEqual(['/Groups/g', '/Users', '/Users']);
    const error = await rejection(dir.listGroupMembers('h', { first: 2 }, creds));
    expect(error.extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', reason: 'STALE_MEMBERS' });
  });

  it('answers an empty page for a group without members, and NOT_FOUND for an unknown group', async () => {
    const s = await sim(generated(2, { groups: [{ id: 'empty', displayName: 'Nobody', members: [] }] }));
    const { dir, creds } = directoryFor(s.url);
    expect(await dir.listGroupMembers('empty', { first: 5 }, creds)).toEqual({ edges: [], hasNextPage: false, totalCount: 0 });
    expect(s.requests()).toHaveLength(1);
    expect((await rejection(dir.listGroupMembers('nope', { first: 5 }, creds))).extensions).toMatchObject({ code: 'NOT_FOUND' });
  });
});
