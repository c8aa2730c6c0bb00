import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, GatewayError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import type { PageRequest, UserPage } from '../../src/providers/directory.js';
import { createUpstreamGuard } from '../../src/providers/resilience.js';
import { toRequestHeaders } from '../../src/providers/request-headers.js';
import { createSyncanoAdapter, type SyncanoCredentials, type SyncanoUserModel } from '../../src/providers/syncano/index.js';
import type { DirectoryAdapter, ProviderAdapter } from '../../src/providers/types.js';
import type { RunningSimulator } from '../../src/simulators/http-simulator.js';
import { startSyncanoSimulator, type SyncanoSimulatorData } from '../../src/simulators/syncano/index.js';
import demoData from '../../src/simulators/syncano/demo-data.json' with { type: 'json' };

const DATA = demoData as SyncanoSimulatorData;
const IGNORE_ACL_KEY = DATA.apiKeys[0] as string;
const RESTRICTED_KEY = (DATA.apiKeys.find((k) => typeof k !== 'string') as { key: string }).key;
const ACCOUNT_KEY = DATA.accountKeys![0]!;
const USERS = DATA.users as Array<{ id: number; username: string; user_key: string; groups: Array<{ id: number }> }>;
const GERALT_KEY = USERS[0]!.user_key;
const ALL_IDS = USERS.map((u) => String(u.id));
const BASE_CONFIG = { timeoutMs: 2000, connections: 10, maxBodyBytes: 4_194_304, keepAliveTimeoutMs: 1000 };

/** `count` users with ids 1..count; every third one in group 7. Keys are 40 hex with an even last digit. */
function generatedData(count: number): SyncanoSimulatorData {
  const group = { id: 7, label: 'generated', description: 'every third user', links: {} };
  const users = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    username: `user${String(i + 1).padStart(4, '0')}`,
    user_key: `${(i + 1).toString(16).padStart(39, 'a')}0`,
    profile: { id: 1000 + i, owner: i + 1, email: `user${i + 1}@example.com` },
    groups: (i + 1) % 3 === 0 ? [group] : [],
    links: {},
  }));
  return { ...structuredClone(DATA), users };
}

const closers: Array<() => Promise<void>> = [];
const logLines: string[] = [];
function adapterFor(baseUrl: string): ProviderAdapter<SyncanoCredentials, SyncanoUserModel> {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  const adapter = createSyncanoAdapter(
    { ...BASE_CONFIG, baseUrl, instance: 'rivia', guard: createUpstreamGuard('SYNCANO', { maxRetries: 0 }) },
    { logger: createLogger({ level: 'debug' }, sink) },
  );
  closers.push(() => adapter.close());
  return adapter;
}

let sim: RunningSimulator;
let adapter: ProviderAdapter<SyncanoCredentials, SyncanoUserModel>;
let directory: DirectoryAdapter<SyncanoCredentials, SyncanoUserModel>;
const creds = (headers: Record<string, string>) => adapter.readCredentials(toRequestHeaders(headers));
const account = () => creds({ 'x-syncano-api-key': ACCOUNT_KEY });

beforeAll(async () => {
  sim = await startSyncanoSimulator(structuredClone(DATA));
  closers.push(() => sim.close());
  adapter = adapterFor(sim.url);
  directory = adapter.directory!;
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});
beforeEach(() => {
  sim.clearRequests();
  logLines.length = 0;
});

/** Every page from the first, following each page's last `after`; the number of pages read. */
async function readAll(
  list: (page: PageRequest) => Promise<UserPage<SyncanoUserModel>>,
  first: number,
): Promise<{ ids: string[]; pages: number; edges: Array<{ id: string; after: unknown }> }> {
  const edges: Array<{ id: string; after: unknown }> = [];
  let after: PageRequest['after'];
  for (let pages = 1; ; pages++) {
    const page = await list(after === undefined ? { first } : { first, after });
    expect(page.edges.length).toBeLessThanOrEqual(first);
    for (const edge of page.edges) edges.push({ id: edge.user.id, after: edge.after });
    if (!page.hasNextPage) return { ids: edges.map((e) => e.id), pages, edges };
    after = page.edges.at(-1)!.after;
    // A state the gateway hands back comes through checkPageState first.
    expect(directory.checkPageState(after)).toBe(after);
  }
}

function expectNoUserKey(value: unknown) {
  const text = JSON.stringify(value) + logLines.join('');
  expect(text).not.toContain('user_key');
  for (const user of USERS) expect(text).not.toContain(user.user_key);
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe('Syncano directory: listing users', () => {
  it('pages through every user two at a time, in id order, with no duplicate or gap and one call per page', async () => {
    const all = await readAll((page) => directory.listUsers({}, page, account()), 2);
    expect(all.ids).toEqual(ALL_IDS);
    // 7 users in pages of 2: the fourth page is short, so Syncano sends no next link after it.
    expect(all.pages).toBe(4);
    const paths = sim.requests().map((r) => r.path);
    expect(paths).toEqual([
      '/v1.1/instances/rivia/users/?page_size=2',
      '/v1.1/instances/rivia/users/?page_size=2&direction=1&last_pk=2',
      '/v1.1/instances/rivia/users/?page_size=2&direction=1&last_pk=4',
      '/v1.1/instances/rivia/users/?page_size=2&direction=1&last_pk=6',
    ]);
    expect(all.edges.map((e) => e.after)).toEqual(USERS.map((u) => u.id));
  });

  it('resumes right after any listed user, not only after the last of a page', async () => {
    const page = await directory.listUsers({}, { first: 3 }, account());
    const rest = await directory.listUsers({}, { first: 100, after: page.edges[0]!.after }, account());
    expect(rest.edges.map((e) => e.user.id)).toEqual(ALL_IDS.slice(1));
    expect(rest.hasNextPage).toBe(false);
  });

  it('maps every listed user like a single read, with user_key stripped from results and logs', async () => {
    const page = await directory.listUsers({}, { first: 100 }, account());
    const [single] = await adapter.fetchUsers(['2'], account());
    expect(page.edges[1]!.user).toEqual(single);
    expect(page.edges[1]!.user).toMatchObject({ id: '2', username: 'yennefer', email: 'yennefer@vengerberg.example' });
    expectNoUserKey(page);
  });

  it('reads 250 generated users in pages of 100: three calls, each user once', async () => {
    const big = await startSyncanoSimulator(generatedData(250));
    closers.push(() => big.close());
    const bigDirectory = adapterFor(big.url).directory!;
    const all = await readAll((page) => bigDirectory.listUsers({}, page, account()), 100);
    expect(all.ids).toEqual(Array.from({ length: 250 }, (_, i) => String(i + 1)));
    expect(big.requests()).toHaveLength(3);
    expect(new Set(all.ids).size).toBe(250);
  });

  it('lists only the caller when a user key comes with the API key, as Syncano scopes it', async () => {
    const page = await directory.listUsers({}, { first: 20 }, creds({ 'x-syncano-api-key': RESTRICTED_KEY, 'x-syncano-user-key': GERALT_KEY }));
    expect(page.edges.map((e) => e.user.id)).toEqual(['1']);
    expect(page.hasNextPage).toBe(false);
    expect(sim.requests()[0]!.headers['x-user-key']).toBe(GERALT_KEY);
  });

  it('lists everyone for an API key with ignore_acl, and refuses one without it (FORBIDDEN)', async () => {
    const page = await directory.listUsers({}, { first: 20 }, creds({ 'x-syncano-api-key': IGNORE_ACL_KEY }));
    expect(page.edges.map((e) => e.user.id)).toEqual(ALL_IDS);
    const error = await rejection(directory.listUsers({}, { first: 20 }, creds({ 'x-syncano-api-key': RESTRICTED_KEY })));
    expect(error.code).toBe(ErrorCode.FORBIDDEN);
    expectNoUserKey(error);
  });

  it('answers UNAUTHENTICATED without a call when no API key is sent, and for an unknown key', async () => {
    expect((await rejection(directory.listUsers({}, { first: 5 }, creds({})))).code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(sim.requests()).toHaveLength(0);
    const unknown = `${IGNORE_ACL_KEY.slice(0, -1)}5`;
    expect((await rejection(directory.listUsers({}, { first: 5 }, creds({ 'x-syncano-api-key': unknown })))).code).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('honours only groupId and active natively; search and email would need the whole list', () => {
    expect([...directory.listFilters].sort()).toEqual(['active', 'groupId']);
    expect(directory.listPageSize).toBe(100);
  });

  it('answers active: false with an empty page and no call (no Syncano user is inactive), active: true as no filter', async () => {
    expect(await directory.listUsers({ active: false }, { first: 5 }, account())).toEqual({ edges: [], hasNextPage: false, totalCount: null });
    expect(sim.requests()).toHaveLength(0);
    const active = await directory.listUsers({ active: true }, { first: 100 }, account());
    expect(active.edges.map((e) => e.user.id)).toEqual(ALL_IDS);
  });

  it('refuses page states it could not have made', () => {
    expect(directory.checkPageState(5)).toBe(5);
    expect(directory.checkPageState('107.2')).toBe('107.2');
    for (const bad of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, '5', '1.101', '1.-1', 'x.1', '', {}, null, [1]]) {
      expect(() => directory.checkPageState(bad), JSON.stringify(bad)).toThrow(GatewayError);
    }
  });

  it('refuses a member-list state on the user list, without a call', async () => {
    const error = await rejection(directory.listUsers({}, { first: 5, after: '107.1' }, account()));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(sim.requests()).toHaveLength(0);
  });
});

describe('Syncano directory: groups', () => {
  const witcherIds = USERS.filter((u) => u.groups.some((g) => g.id === 1)).map((u) => String(u.id));

  it('reads a group: label as name, description', async () => {
    expect(await directory.fetchGroup('1', account())).toEqual({ id: '1', name: 'witchers', description: '' });
    expect(sim.requests().map((r) => r.path)).toEqual(['/v1.1/instances/rivia/groups/1/']);
  });

  it('answers NOT_FOUND for an unknown group and BAD_USER_INPUT without a call for a malformed id', async () => {
    expect((await rejection(directory.fetchGroup('999', account()))).code).toBe(ErrorCode.NOT_FOUND);
    sim.clearRequests();
    expect(() => directory.normalizeGroupId('abc')).toThrow(GatewayError);
    expect(directory.normalizeGroupId('007')).toBe('7');
    expect((await rejection(directory.fetchGroup('-1', account()))).code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(sim.requests()).toHaveLength(0);
  });

  it('pages through a group\'s members two at a time, one call per page, with the membership key from next', async () => {
    const all = await readAll((page) => directory.listGroupMembers('1', page, account()), 2);
    expect(all.ids).toEqual(witcherIds);
    expect(all.pages).toBe(2);
    const [first, second] = sim.requests().map((r) => new URL(r.path, sim.url));
    expect(first!.pathname).toBe('/v1.1/instances/rivia/groups/1/users/');
    expect(first!.searchParams.get('last_pk')).toBeNull();
    // The second page resumes from the membership key Syncano gave in next, not a user id.
    expect(second!.searchParams.get('direction')).toBe('1');
    expect(second!.searchParams.get('last_pk')).not.toBe('3');
    expectNoUserKey(all);
  });

  it('resumes right after any member, including one in the middle of a page', async () => {
    const page = await directory.listGroupMembers('1', { first: 3 }, account());
    for (let i = 0; i < page.edges.length; i++) {
      const rest = await directory.listGroupMembers('1', { first: 10, after: page.edges[i]!.after }, account());
      expect(rest.edges.map((e) => e.user.id)).toEqual(witcherIds.slice(i + 1));
    }
  });

  it('filters users by groupId through the member list, with the same cursors', async () => {
    const all = await readAll((page) => directory.listUsers({ groupId: '1' }, page, account()), 2);
    expect(all.ids).toEqual(witcherIds);
    expect(sim.requests().every((r) => r.path.startsWith('/v1.1/instances/rivia/groups/1/users/'))).toBe(true);
  });

  it('reads every member of a large generated group without duplicates, one call per page', async () => {
    const big = await startSyncanoSimulator(generatedData(400));
    closers.push(() => big.close());
    const bigDirectory = adapterFor(big.url).directory!;
    const all = await readAll((page) => bigDirectory.listGroupMembers('7', page, account()), 50);
    expect(all.ids).toEqual(Array.from({ length: 133 }, (_, i) => String((i + 1) * 3)));
    expect(big.requests()).toHaveLength(3);
  });

  it('answers an unknown group: NOT_FOUND for its members, an empty page for the groupId filter', async () => {
    expect((await rejection(directory.listGroupMembers('999', { first: 5 }, account()))).code).toBe(ErrorCode.NOT_FOUND);
    expect(await directory.listUsers({ groupId: '999' }, { first: 5 }, account())).toEqual({ edges: [], hasNextPage: false, totalCount: null });
  });

  it('shows an API key with a user key only the caller\'s own membership, and refuses the key alone', async () => {
    const own = await directory.listGroupMembers('1', { first: 5 }, creds({ 'x-syncano-api-key': IGNORE_ACL_KEY, 'x-syncano-user-key': GERALT_KEY }));
    expect(own.edges.map((e) => e.user.id)).toEqual(['1']);
    const error = await rejection(directory.listGroupMembers('1', { first: 5 }, creds({ 'x-syncano-api-key': IGNORE_ACL_KEY })));
    expect(error.code).toBe(ErrorCode.FORBIDDEN);
  });

  it('refuses a user-list state on a member list, without a call', async () => {
    expect((await rejection(directory.listGroupMembers('1', { first: 5, after: 3 }, account()))).code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(sim.requests()).toHaveLength(0);
  });
});
