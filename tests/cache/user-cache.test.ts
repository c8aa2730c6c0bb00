/**
 * The cache of provider user records, through real HTTP on one gateway with the in-process store and
 * an injected clock: hits cost no upstream call, entries are scoped by credential and projection,
 * expire after the TTL, answer stale (and say so) only while the provider fails, never for 401/404,
 * concurrent misses make one call, and `Cache-Control` lets a client read fresh.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGate } from '../../src/simulators/faults.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { loadDemoData } from '../../src/simulators/index.js';
import { startStack, type Stack } from '../helpers/stack.js';

const ADMIN = DEMO_CREDENTIALS.PASSBOLT['X-Passbolt-Token']!;
const OTHER = Object.keys(loadDemoData().passbolt.tokens as Record<string, string>).find((t) => t !== ADMIN)!;
const ID = 'd1db2a3e-1676-4440-bc34-1aacc89fa90f';
const USER = `query ($id: ID!) { user(provider: PASSBOLT, id: $id) { id username email } }`;
const TTL_S = 60;
const STALE_S = 600;

describe('the user record cache (in-process store)', () => {
  let stack: Stack;
  let clock: number;
  const passboltCalls = () => stack.sims.passbolt.requests().filter((r) => r.path.startsWith('/users')).length;
  const read = (token = ADMIN, headers: Record<string, string> = {}) => stack.gql(USER, { id: ID }, { 'X-Passbolt-Token': token, ...headers });

  beforeEach(async () => {
    clock = Date.UTC(2026, 0, 1);
    stack = await startStack({ env: { CACHE_TTL_S: String(TTL_S), CACHE_STALE_IF_ERROR_S: String(STALE_S) }, now: () => clock });
  });
  afterEach(async () => {
    await stack?.close();
  });

  it('answers a second request from the cache, with no upstream call', async () => {
    const first = await read();
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data.user).toMatchObject({ id: ID, username: 'carol@passbolt.com' });
    expect(passboltCalls()).toBe(1);
    const second = await read();
    expect(second.body).toEqual(first.body);
    expect(passboltCalls()).toBe(1);
    expect(second.body.extensions).toBeUndefined();
  });

  it('never lets another credential read an entry: it asks the provider with its own token', async () => {
    await read(ADMIN);
    stack.clearRequests();
    const other = await read(OTHER);
    expect(other.body.errors).toBeUndefined();
    const calls = stack.sims.passbolt.requests();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers.authorization).toBe(`Bearer ${OTHER}`);
    // A token the provider refuses gets its 401, not the entry the admin's read stored.
    const refused = await read('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJub2JvZHkifQ.bm90LWEtdG9rZW4');
    expect(refused.body.data.user).toBeNull();
    expect(refused.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('asks again once the TTL has passed', async () => {
    await read();
    clock += (TTL_S - 1) * 1000;
    await read();
    expect(passboltCalls()).toBe(1);
    clock += 2000;
    await read();
    expect(passboltCalls()).toBe(2);
  });

  it('answers from the kept entry while the provider fails past the TTL, and says so with the age', async () => {
    const fresh = await read();
    clock += (TTL_S + 15) * 1000;
    stack.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 }, times: -1 }]);
    const stale = await read();
    expect(stale.status).toBe(200);
    expect(stale.body.errors).toBeUndefined();
    expect(stale.body.data).toEqual(fresh.body.data);
    expect(stale.body.extensions.stale).toEqual([{ path: ['user'], provider: 'PASSBOLT', ageSeconds: TTL_S + 15 }]);
  });

  it('answers stale for a timeout too, but never past the stale-if-error window', async () => {
    await read();
    clock += (TTL_S + STALE_S - 1) * 1000;
    stack.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 }, times: -1 }]);
    const kept = await read();
    expect(kept.body.extensions?.stale?.[0]?.ageSeconds).toBe(TTL_S + STALE_S - 1);
    clock += 2000;
    const gone = await read();
    expect(gone.body.data.user).toBeNull();
    expect(gone.body.errors[0].extensions.code).toBe('PROVIDER_UNAVAILABLE');
    expect(gone.body.extensions?.stale).toBeUndefined();
  });

  it('never answers a 401 or a 404 stale, and forgets the entry', async () => {
    await read();
    clock += (TTL_S + 1) * 1000;
    stack.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 401, body: { header: { status: 'error', message: 'Authentication is required.' }, body: null } } }]);
    const refused = await read();
    expect(refused.body.data.user).toBeNull();
    expect(refused.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(refused.body.extensions?.stale).toBeUndefined();
    // The 401 removed the entry: the provider failing now has nothing to fall back on.
    stack.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 }, times: -1 }]);
    const down = await read();
    expect(down.body.errors[0].extensions.code).toBe('PROVIDER_UNAVAILABLE');
    expect(down.body.extensions?.stale).toBeUndefined();
  });

  it('answers a 404 as not found even with a kept entry', async () => {
    await read();
    clock += (TTL_S + 1) * 1000;
    stack.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 404, body: { header: { status: 'error', message: 'The user does not exist.' }, body: null } } }]);
    const missing = await read();
    expect(missing.body.data.user).toBeNull();
    expect(missing.body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(missing.body.extensions?.stale).toBeUndefined();
  });

  it('reads fresh with Cache-Control: no-cache, and neither reads nor stores with no-store', async () => {
    await read();
    await read(ADMIN, { 'Cache-Control': 'no-cache' });
    expect(passboltCalls()).toBe(2);
    await read(OTHER, { 'Cache-Control': 'no-store' });
    await read(OTHER);
    expect(passboltCalls()).toBe(4);
    // A client that asked for fresh data gets the provider's error, not a stale answer.
    clock += (TTL_S + 1) * 1000;
    stack.sims.passbolt.injectFaults([{ fault: { kind: 'status', status: 503 }, times: -1 }]);
    const noCache = await read(ADMIN, { 'Cache-Control': 'no-cache' });
    expect(noCache.body.errors[0].extensions.code).toBe('PROVIDER_UNAVAILABLE');
    expect(noCache.body.extensions?.stale).toBeUndefined();
  });

  it('makes one upstream call for concurrent misses of one key', async () => {
    const gate = createGate();
    stack.sims.passbolt.injectFaults([{ fault: { kind: 'gate', gate }, path: '/users' }]);
    const pending = Array.from({ length: 5 }, () => read());
    // Hold the leader's upstream call until every request has reached the gateway.
    await waitFor(async () => (await gauge(stack.url, 'usergraph_graphql_requests_in_flight')) >= 5);
    gate.open();
    const results = await Promise.all(pending);
    for (const r of results) expect(r.body.data.user.id).toBe(ID);
    expect(passboltCalls()).toBe(1);
  });

  it('keys me by the credential alone', async () => {
    const me = `{ me(provider: PASSBOLT) { id } }`;
    const a = await stack.gql(me, {}, { 'X-Passbolt-Token': ADMIN });
    const again = await stack.gql(me, {}, { 'X-Passbolt-Token': ADMIN });
    expect(again.body).toEqual(a.body);
    const b = await stack.gql(me, {}, { 'X-Passbolt-Token': OTHER });
    expect(b.body.data.me.id).toBe(ID);
    expect(a.body.data.me.id).not.toBe(ID);
    expect(passboltCalls()).toBe(2);
  });

  it('keeps entries per projection: a narrow read never answers a wider one (BellaDati exclude)', async () => {
    const headers = DEMO_CREDENTIALS.BELLADATI as Record<string, string>;
    const calls = () => stack.sims.belladati.requests().filter((r) => r.path.includes('/users/')).length;
    const narrow = await stack.gql(`{ user(provider: BELLADATI, id: "123") { id } }`, {}, headers);
    expect(narrow.body.errors).toBeUndefined();
    const wide = await stack.gql(`{ user(provider: BELLADATI, id: "123") { id email } }`, {}, headers);
    expect(wide.body.data.user.email).toEqual(expect.any(String));
    expect(calls()).toBe(2);
    await stack.gql(`{ user(provider: BELLADATI, id: "123") { id email } }`, {}, headers);
    await stack.gql(`{ user(provider: BELLADATI, id: "123") { id } }`, {}, headers);
    expect(calls()).toBe(2);
  });

  it('counts hits, misses and stale answers in the metrics and on the operation line', async () => {
    await read();
    await read();
    const text = await (await fetch(stack.url.replace('/graphql', '/metrics'))).text();
    expect(text).toMatch(/usergraph_cache_reads_total\{provider="PASSBOLT",result="miss"\} 1\b/);
    expect(text).toMatch(/usergraph_cache_reads_total\{provider="PASSBOLT",result="hit"\} 1\b/);
    expect(text).toMatch(/usergraph_cache_store_up\{kind="memory"\} 1\b/);
    const ready = (await (await fetch(stack.url.replace('/graphql', '/readyz'))).json()) as { cache: unknown };
    expect(ready.cache).toEqual({ store: 'memory', state: 'ok' });
  });
});

async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(url.replace('/graphql', '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
