/**
 * Two gateway replicas sharing one Redis, as they run in production: the compiled `usergraph start`
 * (dist/, built by tests/global-setup.ts) twice, in production mode, against the provider simulators
 * (in this process, so faults can be injected) and a real redis-server (tests/helpers/redis.ts).
 *
 * - A user record one replica fetched answers on the other without an upstream call, for the same
 *   credential only; another credential asks the provider with its own token.
 * - Past its TTL a kept record answers stale (and says so) on either replica while its provider
 *   fails, never for a 401, which forgets it on every replica.
 * - Redis killed: both replicas keep answering the same data (from the providers), report themselves
 *   degraded but ready, count the failed store calls, and share again once Redis is back.
 * - At rest, Redis holds no credential, no readable user data and no user id: keys are
 *   `<REDIS_KEY_PREFIX>user:<PROVIDER>:<opaque>`, values are sealed bytes.
 *
 * The sharing tests use a TTL of an hour, so a slow machine never turns a hit into a miss; only
 * Passbolt has a one-second TTL, for the stale test. Every wait is a poll for a condition.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDemoData, startSimulators, type SimulatorData, type Simulators } from '../../src/simulators/index.js';
import type { RunningSimulator } from '../../src/simulators/http-simulator.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

type Rec = Record<string, unknown>;

/** Generous: the CI machine is shared and at times slow; a wait only ends a test that would hang. */
const WAIT_MS = 45_000;
const PROCESS_TEST_TIMEOUT_MS = 120_000;

const CACHE_KEY_SECRET = 'replica-test-secret-7Yq2mVb9Lr4Xc8Np3Wd6Ks1Hf5Tg0Zj';
const KEY_PREFIX = 'ug-replicas:';

/** Every credential a client sends in these tests; none may ever be found in Redis. */
const CANARY = {
  passboltA: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJDQU5BUlktQSJ9.Q0FOQVJZLXBhc3Nib2x0LUE',
  passboltB: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJDQU5BUlktQiJ9.Q0FOQVJZLXBhc3Nib2x0LUI',
  scimA: 'canary-scim-token-a-5e1f9c3b7d2a',
  scimB: 'canary-scim-token-b-8c4d2e6f0a1b',
  scimRefused: 'canary-scim-refused-3b9e7a1c5d0f',
  syncanoApiKey: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee03',
  droplitToken: '_CANARY-droplit-4c8e2a6b0d9f',
  belladatiToken: 'CANARYbelladati77',
} as const;

/** The users read (ids from the demo data), their canary personal data set below. */
const PASSBOLT_ADA = 'f848277c-5398-58f8-a82a-72397af2d450';
const PASSBOLT_CAROL = 'd1db2a3e-1676-4440-bc34-1aacc89fa90f';
const SCIM_BJENSEN = '2819c223-7f76-453a-919d-413861904646';
const SCIM_ZOE = '7c1f4e2a-9d3b-4c8e-a5f1-2b6d8e0c4a97';
const DROPLIT_USER = 'C573b86eeee43dd7ba0244f8a;testUser';
const SYNCANO_USER = '2';
const BELLADATI_USER = '123';
/** Ids long enough that finding one in random bytes means it was stored (a "2" is in any ciphertext). */
const LONG_IDS = [PASSBOLT_ADA, PASSBOLT_CAROL, SCIM_BJENSEN, SCIM_ZOE, DROPLIT_USER];

/** Canary personal data, filled in by `canaryData`. */
const PERSONAL: string[] = [];

function canary(tag: string) {
  const person = {
    email: `canary.${tag}@canary-mail.example`,
    username: `canary-user-${tag}`,
    given: `Canarygiven${tag}`,
    family: `Canaryfamily${tag}`,
  };
  PERSONAL.push(...Object.values(person));
  return person;
}

/** The demo data with canary credentials and canary personal data on every user these tests read. */
function canaryData(): SimulatorData {
  const data = loadDemoData();
  const find = (users: unknown[], id: unknown): Rec => {
    const user = users.find((u) => (u as Rec).id === id) as Rec | undefined;
    if (!user) throw new Error(`no user ${String(id)} in the demo data`);
    return user;
  };

  data.passbolt.tokens = { [CANARY.passboltA]: PASSBOLT_ADA, [CANARY.passboltB]: PASSBOLT_CAROL };
  for (const [id, tag] of [
    [PASSBOLT_ADA, 'pbada'],
    [PASSBOLT_CAROL, 'pbcarol'],
  ] as const) {
    const p = canary(tag);
    const user = find(data.passbolt.users, id);
    user.username = p.email;
    Object.assign(user.profile as Rec, { first_name: p.given, last_name: p.family });
  }

  data.scim.tokens = { [CANARY.scimA]: SCIM_BJENSEN, [CANARY.scimB]: SCIM_ZOE };
  for (const [id, tag] of [
    [SCIM_BJENSEN, 'scimbj'],
    [SCIM_ZOE, 'scimzoe'],
  ] as const) {
    const p = canary(tag);
    Object.assign(find(data.scim.users, id), {
      userName: p.username,
      displayName: `${p.given} ${p.family}`,
      nickName: p.given,
      name: { givenName: p.given, familyName: p.family, formatted: `${p.given} ${p.family}` },
      emails: [{ value: p.email, type: 'work', primary: true }],
    });
  }

  data.syncano.apiKeys = [CANARY.syncanoApiKey];
  {
    const p = canary('syncano');
    const user = find(data.syncano.users, Number(SYNCANO_USER));
    user.username = p.username;
    Object.assign(user.profile as Rec, { email: p.email, first_name: p.given, last_name: p.family });
  }

  data.droplit.tokens = { [CANARY.droplitToken]: { type: 'server' } };
  {
    const p = canary('droplit');
    Object.assign(find(data.droplit.users, DROPLIT_USER), { email: p.email, meta: { $label: `${p.given} ${p.family}` } });
  }

  data.belladati.tokens = { [CANARY.belladatiToken]: BELLADATI_USER };
  {
    const p = canary('belladati');
    Object.assign(find(data.belladati.users, BELLADATI_USER), { username: p.username, email: p.email, firstName: p.given, middleName: null, lastName: p.family });
  }
  return data;
}

const FIELDS = 'id provider username email displayName givenName familyName';
const SCIM_A = { 'X-Scim-Token': CANARY.scimA };
const SCIM_B = { 'X-Scim-Token': CANARY.scimB };
const PASSBOLT_A = { 'X-Passbolt-Token': CANARY.passboltA };
const ALL_HEADERS = {
  ...SCIM_A,
  ...PASSBOLT_A,
  'X-Syncano-Api-Key': CANARY.syncanoApiKey,
  'X-Droplit-Token': CANARY.droplitToken,
  'X-BellaDati-Token': CANARY.belladatiToken,
};
const USER_BY_ID = (provider: string) => `query ($id: ID!) { user(provider: ${provider}, id: $id) { ${FIELDS} } }`;
const ME_SCIM = `{ me(provider: SCIM) { ${FIELDS} } }`;
/** One user of every provider but Passbolt: all on the hour-long TTL. */
const LONG_TTL_USERS = `{
  scim: user(provider: SCIM, id: "${SCIM_ZOE}") { ${FIELDS} }
  syncano: user(provider: SYNCANO, id: "${SYNCANO_USER}") { ${FIELDS} }
  droplit: user(provider: DROPLIT, id: "${DROPLIT_USER}") { ${FIELDS} }
  belladati: user(provider: BELLADATI, id: "${BELLADATI_USER}") { ${FIELDS} }
}`;
/** Every provider, Passbolt (one-second TTL) included. */
const ALL_USERS = LONG_TTL_USERS.replace(/}\s*$/, `  passbolt: user(provider: PASSBOLT, id: "${PASSBOLT_CAROL}") { ${FIELDS} }\n}`);

interface GqlResult {
  status: number;
  // A GraphQL response as JSON: the tests read it field by field, as a client does.
  body: { data?: any; errors?: any[]; extensions?: any };
}

async function post(url: string, payload: unknown, headers: Record<string, string> = {}): Promise<GqlResult> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(payload) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as GqlResult['body'] };
  } catch {
    throw new Error(`not JSON (HTTP ${res.status}): ${text.slice(0, 500)}`);
  }
}

const gql = (gw: Gateway, query: string, variables: Rec = {}, headers: Record<string, string> = {}) => post(gw.url, { query, variables }, headers);

/** Polls `probe` until it returns something other than undefined; `what` names the condition in the error. */
async function waitFor<T>(what: string | (() => string), probe: () => Promise<T | undefined> | T | undefined, stop?: () => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const name = () => (typeof what === 'string' ? what : what());
    if (stop?.()) throw new Error(`gave up waiting for ${name()}`);
    if (Date.now() > deadline) throw new Error(`${name()}: not within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Gateway {
  name: string;
  /** …/graphql */
  url: string;
  readyz(): Promise<{ status: number; body: { status: string; cache: { store: string; state: string; reason?: string } } }>;
  metrics(): Promise<string>;
  output(): string;
  kill(): Promise<void>;
}

const running = new Set<Gateway>();

/** `node dist/cli.js start` in production mode against `sims`; resolves once it logs the URL it listens on. */
async function startGateway(name: string, sims: Simulators, env: Record<string, string>): Promise<Gateway> {
  const proc: ChildProcess = spawn(process.execPath, ['dist/cli.js', 'start'], {
    env: {
      ...process.env,
      USERGRAPH_MODE: 'production',
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      SYNCANO_URL: sims.syncano.url,
      SYNCANO_INSTANCE: sims.data.syncano.instance,
      DROPLIT_URL: sims.droplit.url,
      PASSBOLT_URL: sims.passbolt.url,
      BELLADATI_URL: `${sims.belladati.url}/api`,
      BELLADATI_CONSUMER_KEY: sims.data.belladati.consumerKey,
      SCIM_URL: `${sims.scim.url}/scim/v2`,
      CACHE_KEY_SECRET,
      REDIS_KEY_PREFIX: KEY_PREFIX,
      // A slow machine must never turn a Redis call into a miss (nor an upstream call into a timeout).
      REDIS_TIMEOUT_MS: '15000',
      UPSTREAM_TIMEOUT_MS: '20000',
      REQUEST_DEADLINE_MS: '30000',
      CACHE_TTL_S: '3600',
      CACHE_STALE_IF_ERROR_S: '3600',
      PASSBOLT_CACHE_TTL_S: '1',
      PASSBOLT_CACHE_STALE_IF_ERROR_S: '3600',
      // One upstream call per read, whatever fails: counts are exact, and no breaker opens (a 401 must reach Passbolt).
      UPSTREAM_RETRIES: '0',
      BREAKER_CONSECUTIVE_FAILURES: '1000000',
      BREAKER_MINIMUM_CALLS: '1000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = once(proc, 'exit');
  let gone = false;
  void exited.then(() => (gone = true));
  const gw: Gateway = {
    name,
    url: '',
    async readyz() {
      const res = await fetch(gw.url.replace(/\/graphql$/, '/readyz'));
      return { status: res.status, body: (await res.json()) as Awaited<ReturnType<Gateway['readyz']>>['body'] };
    },
    async metrics() {
      return (await fetch(gw.url.replace(/\/graphql$/, '/metrics'))).text();
    },
    output: () => out,
    async kill() {
      running.delete(gw);
      if (!gone) {
        proc.kill('SIGKILL');
        await exited;
      }
    },
  };
  running.add(gw);
  gw.url = await waitFor(
    () => `gateway ${name} to log its URL; output:\n${out}`,
    () => {
      for (const line of out.split('\n')) {
        if (!line.includes('usergraph is listening')) continue;
        const url = (JSON.parse(line) as { url?: string }).url;
        if (url) return url;
      }
      return undefined;
    },
    () => gone,
  );
  return gw;
}

/** The sum of a counter's samples (every label set). */
function counterSum(metrics: string, name: string): number {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

function calls(sim: RunningSimulator): number {
  return sim.requests().length;
}

describe('two gateway replicas sharing one Redis', () => {
  let sims: Simulators;
  let redis: RedisServer;
  let a: Gateway;
  let b: Gateway;
  let allSims: RunningSimulator[];
  const totalCalls = () => allSims.reduce((n, s) => n + calls(s), 0);
  const clearCalls = () => allSims.forEach((s) => s.clearRequests());

  beforeAll(async () => {
    sims = await startSimulators({ data: canaryData() });
    allSims = [sims.syncano, sims.droplit, sims.passbolt, sims.belladati, sims.scim];
    redis = await startRedis();
    [a, b] = await Promise.all([startGateway('A', sims, { REDIS_URL: redis.url }), startGateway('B', sims, { REDIS_URL: redis.url })]);
  }, PROCESS_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([...running].map((gw) => gw.kill()));
    await redis?.stop();
    await sims?.close();
  });

  beforeEach(async (context) => {
    // A failure shows what the gateways logged (state changes of the store, errors).
    context.onTestFailed(() => {
      for (const gw of running) process.stderr.write(`--- gateway ${gw.name}, last output ---\n${gw.output().slice(-6000)}\n`);
    });
    for (const sim of allSims) {
      sim.clearFaults();
      sim.clearRequests();
    }
    // Each test starts from an empty store (and a Redis that answers: a failed test may have left it down).
    const client = redis.client();
    try {
      await client.flushall();
    } catch {
      await redis.restart();
    } finally {
      client.disconnect();
    }
    await Promise.all([a, b].map((gw) => waitFor(`${gw.name} ready with Redis`, async () => ((await gw.readyz()).body.status === 'ready' ? true : undefined))));
  }, PROCESS_TEST_TIMEOUT_MS);

  it('a user read through A costs no upstream call through B, for the same credential; `me` likewise', async () => {
    const first = await gql(a, USER_BY_ID('SCIM'), { id: SCIM_ZOE }, SCIM_A);
    expect(first.status).toBe(200);
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data.user).toMatchObject({ id: SCIM_ZOE, provider: 'SCIM', givenName: 'Canarygivenscimzoe' });
    expect(calls(sims.scim)).toBe(1);

    const second = await gql(b, USER_BY_ID('SCIM'), { id: SCIM_ZOE }, SCIM_A);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(calls(sims.scim)).toBe(1);

    const meA = await gql(a, ME_SCIM, {}, SCIM_A);
    expect(meA.body.errors).toBeUndefined();
    expect(meA.body.data.me.id).toBe(SCIM_BJENSEN);
    expect(calls(sims.scim)).toBe(2);
    const meB = await gql(b, ME_SCIM, {}, SCIM_A);
    expect(meB.body).toEqual(meA.body);
    expect(calls(sims.scim)).toBe(2);

    // And the other way round: B's read is A's hit.
    const wide = await gql(b, LONG_TTL_USERS, {}, ALL_HEADERS);
    expect(wide.body.errors).toBeUndefined();
    const before = totalCalls();
    expect(before).toBeGreaterThan(2);
    const again = await gql(a, LONG_TTL_USERS, {}, ALL_HEADERS);
    expect(again.body).toEqual(wide.body);
    expect(totalCalls()).toBe(before);
  });

  it('another credential through B asks the provider with its own token; a refused one is UNAUTHENTICATED', async () => {
    const fromA = await gql(a, USER_BY_ID('SCIM'), { id: SCIM_ZOE }, SCIM_A);
    expect(fromA.body.errors).toBeUndefined();
    const meA = await gql(a, ME_SCIM, {}, SCIM_A);
    expect(meA.body.data.me.id).toBe(SCIM_BJENSEN);
    sims.scim.clearRequests();

    const other = await gql(b, USER_BY_ID('SCIM'), { id: SCIM_ZOE }, SCIM_B);
    expect(other.body.errors).toBeUndefined();
    expect(other.body.data.user).toEqual(fromA.body.data.user);
    let seen = sims.scim.requests();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${CANARY.scimB}`);

    // `me` is keyed by the credential: B's caller gets its own user, never A's cached one.
    sims.scim.clearRequests();
    const meB = await gql(b, ME_SCIM, {}, SCIM_B);
    expect(meB.body.errors).toBeUndefined();
    expect(meB.body.data.me).toMatchObject({ id: SCIM_ZOE, givenName: 'Canarygivenscimzoe' });
    seen = sims.scim.requests();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${CANARY.scimB}`);

    const refused = { 'X-Scim-Token': CANARY.scimRefused };
    const user = await gql(b, USER_BY_ID('SCIM'), { id: SCIM_ZOE }, refused);
    expect(user.status).toBe(200);
    expect(user.body.data.user).toBeNull();
    expect(user.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const me = await gql(a, ME_SCIM, {}, refused);
    expect(me.body.data.me).toBeNull();
    expect(me.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify([user.body, me.body])).not.toContain('Canary');
  });

  it(
    'answers stale on either replica past the TTL while the provider is down; never after a 401, which forgets the entry everywhere',
    async () => {
      const read = (gw: Gateway) => gql(gw, USER_BY_ID('PASSBOLT'), { id: PASSBOLT_CAROL }, PASSBOLT_A);
      const fresh = await read(a);
      expect(fresh.body.errors).toBeUndefined();
      expect(fresh.body.data.user).toMatchObject({ id: PASSBOLT_CAROL, email: 'canary.pbcarol@canary-mail.example' });
      expect(calls(sims.passbolt)).toBe(1);

      sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 }, times: -1 }]);
      // Hits until the one-second TTL has passed, then the kept entry answers, marked stale.
      const stale = await waitFor('a stale answer through B', async () => {
        const res = await read(b);
        expect(res.status).toBe(200);
        expect(res.body.errors, 'the kept entry must answer while Passbolt is down').toBeUndefined();
        return res.body.extensions?.stale ? res : undefined;
      });
      expect(stale.body.data).toEqual(fresh.body.data);
      expect(stale.body.extensions.stale).toHaveLength(1);
      expect(stale.body.extensions.stale[0]).toEqual({ path: ['user'], provider: 'PASSBOLT', ageSeconds: expect.any(Number) });
      expect(stale.body.extensions.stale[0].ageSeconds).toBeGreaterThanOrEqual(1);
      // The provider was asked (and failed): the entry answered only because of that.
      expect(calls(sims.passbolt)).toBeGreaterThan(1);

      const staleOnA = await read(a);
      expect(staleOnA.body.errors).toBeUndefined();
      expect(staleOnA.body.data).toEqual(fresh.body.data);
      expect(staleOnA.body.extensions?.stale?.[0]).toMatchObject({ path: ['user'], provider: 'PASSBOLT' });

      // A 401 is an answer about the caller: never served stale, and it removes the shared entry.
      sims.passbolt.clearFaults();
      sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 401, body: { header: { status: 'error', message: 'Authentication is required.' }, body: null } } }]);
      const refused = await read(b);
      expect(refused.status).toBe(200);
      expect(refused.body.data.user).toBeNull();
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(refused.body.extensions?.stale).toBeUndefined();

      sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 }, times: -1 }]);
      for (const gw of [a, b]) {
        const down = await read(gw);
        expect(down.body.data.user, gw.name).toBeNull();
        expect(down.body.errors?.[0]?.extensions?.code, gw.name).toBe('PROVIDER_UNAVAILABLE');
        expect(down.body.extensions?.stale, gw.name).toBeUndefined();
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'keeps answering the same data with Redis killed, reports degraded (still 200), and shares again once it is back',
    async () => {
      const before = await gql(a, ALL_USERS, {}, ALL_HEADERS);
      expect(before.status).toBe(200);
      expect(before.body.errors).toBeUndefined();
      const beforeB = await gql(b, ALL_USERS, {}, ALL_HEADERS);
      expect(beforeB.body.data).toEqual(before.body.data);
      const errorsBefore = await Promise.all([a, b].map(async (gw) => counterSum(await gw.metrics(), 'usergraph_cache_store_errors_total')));

      await redis.stop('SIGKILL');
      try {
        for (const gw of [a, b]) {
          const ready = await waitFor(`${gw.name} to report the cache degraded`, async () => {
            const r = await gw.readyz();
            expect(r.status, `${gw.name} /readyz`).toBe(200);
            return r.body.status === 'degraded' && r.body.cache.state === 'degraded' ? r : undefined;
          });
          expect(ready.body.cache).toEqual({ store: 'redis', state: 'degraded', reason: expect.any(String) });
        }

        clearCalls();
        for (const gw of [a, b, a, b]) {
          const res = await gql(gw, ALL_USERS, {}, ALL_HEADERS);
          expect(res.status, gw.name).toBe(200);
          expect(res.body.errors, gw.name).toBeUndefined();
          expect(res.body.data, gw.name).toEqual(before.body.data);
          expect(res.body.extensions?.stale, gw.name).toBeUndefined();
        }
        // Without the shared cache every read went upstream: each provider was asked by each read.
        for (const sim of allSims) expect(calls(sim)).toBeGreaterThanOrEqual(4);

        for (const [i, gw] of [a, b].entries()) {
          const metrics = await gw.metrics();
          expect(counterSum(metrics, 'usergraph_cache_store_errors_total'), gw.name).toBeGreaterThan(errorsBefore[i]!);
          expect(metrics).toMatch(/usergraph_cache_store_up\{kind="redis"\} 0\b/);
        }
      } finally {
        await redis.restart();
      }

      for (const gw of [a, b]) {
        const ready = await waitFor(`${gw.name} to be ready again with Redis`, async () => {
          const r = await gw.readyz();
          return r.body.status === 'ready' ? r : undefined;
        });
        expect(ready.status).toBe(200);
        expect(ready.body.cache).toEqual({ store: 'redis', state: 'ok' });
        expect(await gw.metrics()).toMatch(/usergraph_cache_store_up\{kind="redis"\} 1\b/);
      }

      clearCalls();
      const viaA = await gql(a, LONG_TTL_USERS, {}, ALL_HEADERS);
      expect(viaA.body.errors).toBeUndefined();
      const afterA = totalCalls();
      expect(afterA).toBeGreaterThan(0);
      const viaB = await gql(b, LONG_TTL_USERS, {}, ALL_HEADERS);
      expect(viaB.body).toEqual(viaA.body);
      expect(totalCalls()).toBe(afterA);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it('keeps no credential, personal data or user id at rest: opaque keys, sealed values', { timeout: PROCESS_TEST_TIMEOUT_MS }, async () => {
    for (const gw of [a, b]) {
      const all = await gql(gw, ALL_USERS, {}, ALL_HEADERS);
      expect(all.body.errors).toBeUndefined();
      for (const headers of [SCIM_A, SCIM_B]) expect((await gql(gw, ME_SCIM, {}, headers)).body.errors).toBeUndefined();
      expect((await gql(gw, `{ me(provider: PASSBOLT) { ${FIELDS} } }`, {}, { 'X-Passbolt-Token': CANARY.passboltB })).body.errors).toBeUndefined();
    }

    // A persisted query (APQ) registered through A, holding a user id and an email literally, runs on B by its hash.
    const query = `{ user(provider: SCIM, id: "${SCIM_BJENSEN}") { id email } hint: user(provider: SCIM, id: "canary.scimbj@canary-mail.example") { id } }`;
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const persistedQuery = { version: 1, sha256Hash };
    const registered = await post(a.url, { query, extensions: { persistedQuery } }, SCIM_A);
    expect(registered.body.data?.user?.id).toBe(SCIM_BJENSEN);
    // Apollo stores the query without waiting for the store: B may look before the write lands.
    const byHash = await waitFor('the persisted query through B', async () => {
      const res = await post(b.url, { extensions: { persistedQuery } }, SCIM_A);
      return res.body.errors?.[0]?.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND' ? undefined : res;
    });
    expect(byHash.body.data).toEqual(registered.body.data);

    const entries = await redis.scanAll();
    const keys = entries.map((e) => e.key.toString('latin1'));
    const userKey = new RegExp(`^${KEY_PREFIX}user:(SYNCANO|DROPLIT|PASSBOLT|BELLADATI|SCIM):[A-Za-z0-9_-]{43}$`);
    const apqKey = new RegExp(`^${KEY_PREFIX}apq:${sha256Hash}$`);
    for (const key of keys) expect(key).toMatch(new RegExp(`${userKey.source}|${apqKey.source}`));
    expect(keys.filter((k) => apqKey.test(k))).toHaveLength(1);
    const providersStored = new Set(keys.filter((k) => userKey.test(k)).map((k) => k.split(':')[2]));
    expect([...providersStored].sort()).toEqual(['BELLADATI', 'DROPLIT', 'PASSBOLT', 'SCIM', 'SYNCANO']);

    const forbidden = [...Object.values(CANARY), ...PERSONAL, ...LONG_IDS, CACHE_KEY_SECRET];
    // The canary marker itself, in any case: no part of a canary's personal data either.
    const marker = /canary/i;
    for (const { key, value } of entries) {
      expect(value, `${key.toString('latin1')} has a value`).not.toBeNull();
      for (const bytes of [key, value!]) {
        for (const text of [bytes.toString('utf8'), bytes.toString('latin1')]) {
          for (const secret of forbidden) expect(text.includes(secret), `${secret} in ${key.toString('latin1')}`).toBe(false);
          expect(marker.test(text), `a canary in ${key.toString('latin1')}`).toBe(false);
          // Sealed bytes, not the entry's JSON.
          expect(text.includes('"m":') || text.includes('"v":1'), `plaintext JSON in ${key.toString('latin1')}`).toBe(false);
        }
      }
    }
    // Nor in the replicas' logs: no credential, no server secret.
    for (const gw of [a, b]) {
      for (const secret of [...Object.values(CANARY), CACHE_KEY_SECRET]) expect(gw.output().includes(secret), `${secret} in ${gw.name}'s log`).toBe(false);
    }
  });

  it(
    'a replica started while Redis is down answers, reports degraded, and uses Redis once it is up',
    async () => {
      const late = await startRedis();
      await late.stop('SIGKILL');
      const c = await startGateway('C', sims, { REDIS_URL: late.url });
      try {
        const boot = await c.readyz();
        expect(boot.status).toBe(200);
        expect(boot.body.status).toBe('degraded');
        expect(boot.body.cache).toEqual({ store: 'redis', state: 'degraded', reason: expect.any(String) });

        const read = () => gql(c, USER_BY_ID('SCIM'), { id: SCIM_ZOE }, SCIM_A);
        const first = await read();
        expect(first.status).toBe(200);
        expect(first.body.errors).toBeUndefined();
        expect(first.body.data.user.id).toBe(SCIM_ZOE);
        expect(calls(sims.scim)).toBe(1);

        await late.restart();
        await waitFor('C to be ready with Redis', async () => ((await c.readyz()).body.status === 'ready' ? true : undefined));
        sims.scim.clearRequests();
        const stored = await read();
        expect(stored.body).toEqual(first.body);
        expect(calls(sims.scim)).toBe(1);
        const hit = await read();
        expect(hit.body).toEqual(first.body);
        expect(calls(sims.scim)).toBe(1);
        const keys = (await late.scanAll()).map((e) => e.key.toString('latin1'));
        expect(keys).toEqual([expect.stringMatching(new RegExp(`^${KEY_PREFIX}user:SCIM:[A-Za-z0-9_-]{43}$`))]);
      } finally {
        await c.kill();
        await late.stop();
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});
