import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulators/http-simulator.js';
import { startSyncanoSimulator, type SyncanoSimulatorData } from '../../src/simulators/syncano/index.js';
import demoData from '../../src/simulators/syncano/demo-data.json' with { type: 'json' };

const DATA = demoData as SyncanoSimulatorData;
const API_KEY = DATA.apiKeys[0] as string;
const RESTRICTED_KEY = (DATA.apiKeys.find((k) => typeof k !== 'string') as { key: string }).key;
const ACCOUNT_KEY = DATA.accountKeys![0]!;
const GERALT_KEY = (DATA.users[0] as { user_key: string }).user_key;
const PERMISSION_DENIED = { detail: 'You do not have permission to perform this action.' };

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSyncanoSimulator(structuredClone(DATA));
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.clearRequests());

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(sim.url + path, { headers });
  return { status: res.status, body: (await res.json()) as any };
}

describe('Syncano simulator', () => {
  it('serves a user by id to an API key with ignore_acl, user_key included as Syncano does', async () => {
    const res = await get('/v1.1/instances/rivia/users/1/', { 'x-api-key': API_KEY });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(DATA.users[0]);
    expect(res.body.user_key).toBe(GERALT_KEY);
  });

  it('accepts the key from the api_key query and from Authorization: token <key>', async () => {
    expect((await get(`/v1.1/instances/rivia/users/1/?api_key=${API_KEY}`)).status).toBe(200);
    expect((await get('/v1.1/instances/rivia/users/1/', { authorization: `token ${API_KEY}` })).status).toBe(200);
  });

  it('answers 403 "No such API Key." for an unknown key and the permission message for none', async () => {
    expect(await get('/v1.1/instances/rivia/users/1/', { 'x-api-key': `${API_KEY.slice(0, -1)}3` })).toEqual({
      status: 403,
      body: { detail: 'No such API Key.' },
    });
    expect(await get('/v1.1/instances/rivia/users/1/')).toEqual({ status: 403, body: PERMISSION_DENIED });
  });

  it('tells account keys from API keys by the parity of the last hex digit', async () => {
    expect((await get('/v1.1/instances/rivia/users/2/', { 'x-api-key': ACCOUNT_KEY })).status).toBe(200);
    // An even-parity key that is not a known account key is unknown.
    expect((await get('/v1.1/instances/rivia/users/2/', { 'x-api-key': `${ACCOUNT_KEY.slice(0, -1)}0` })).body).toEqual({ detail: 'No such API Key.' });
  });

  it('refuses an API key without ignore_acl on /users/{id}/ with 403', async () => {
    expect(await get('/v1.1/instances/rivia/users/1/', { 'x-api-key': RESTRICTED_KEY })).toEqual({ status: 403, body: PERMISSION_DENIED });
  });

  it('scopes /users/{id}/ to the caller when a user key comes with the API key', async () => {
    const headers = { 'x-api-key': RESTRICTED_KEY, 'x-user-key': GERALT_KEY };
    expect((await get('/v1.1/instances/rivia/users/1/', headers)).status).toBe(200);
    expect(await get('/v1.1/instances/rivia/users/2/', headers)).toEqual({ status: 404, body: { detail: 'Not found.' } });
  });

  it('serves /user/ only to an API key with a known user key', async () => {
    expect((await get('/v1.1/instances/rivia/user/', { 'x-api-key': API_KEY, 'x-user-key': GERALT_KEY })).body.username).toBe('geralt');
    expect((await get(`/v1.1/instances/rivia/user/?user_key=${GERALT_KEY}`, { 'x-api-key': API_KEY })).status).toBe(200);
    expect(await get('/v1.1/instances/rivia/user/', { 'x-api-key': API_KEY, 'x-user-key': '0'.repeat(40) })).toEqual({ status: 403, body: PERMISSION_DENIED });
    expect(await get('/v1.1/instances/rivia/user/', { 'x-api-key': ACCOUNT_KEY, 'x-user-key': GERALT_KEY })).toEqual({ status: 403, body: PERMISSION_DENIED });
  });

  it('answers 404 "Instance was not found." for another instance, whatever the case of the name', async () => {
    expect(await get('/v1.1/instances/novigrad/users/1/', { 'x-api-key': API_KEY })).toEqual({ status: 404, body: { detail: 'Instance was not found.' } });
    expect((await get('/v1.1/instances/RIVIA/users/1/', { 'x-api-key': API_KEY })).status).toBe(200);
  });

  it('answers 404 for a non-integer id or a path without the trailing slash', async () => {
    expect((await get('/v1.1/instances/rivia/users/abc/', { 'x-api-key': API_KEY })).status).toBe(404);
    expect((await get('/v1.1/instances/rivia/users/1', { 'x-api-key': API_KEY })).status).toBe(404);
  });

  it('lists users in the cursor envelope with page_size and username__startswith', async () => {
    const first = await get('/v1.1/instances/rivia/users/?page_size=2', { 'x-api-key': API_KEY });
    expect(first.body.objects.map((u: { id: number }) => u.id)).toEqual([1, 2]);
    expect(first.body.prev).toBeNull();
    expect(first.body.next).toBe('/v1.1/instances/rivia/users/?page_size=2&direction=1&last_pk=2');
    const second = await get(first.body.next, { 'x-api-key': API_KEY });
    expect(second.body.objects.map((u: { id: number }) => u.id)).toEqual([3, 4]);
    const filtered = await get('/v1.1/instances/rivia/users/?username__startswith=Gor', { 'x-api-key': API_KEY });
    expect(filtered.body).toMatchObject({ objects: [{ id: 66 }], next: null });
    expect((await get('/v1.1/instances/rivia/users/?page_size=x', { 'x-api-key': API_KEY })).body).toEqual({ detail: 'Incorrect page parameter provided.' });
  });

  it('answers a batch with one {code, content} per sub-request and refuses more than 50', async () => {
    const post = async (requests: unknown[]) => {
      const res = await fetch(`${sim.url}/v1.1/instances/rivia/batch/`, {
        method: 'POST',
        headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ requests }),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const res = await post([
      { method: 'GET', path: '/v1.1/instances/rivia/users/1/' },
      { method: 'GET', path: '/v1.1/instances/rivia/users/999/' },
      { method: 'GET', path: '/v1.1/instances/other/users/1/' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { code: 200, content: DATA.users[0] },
      { code: 404, content: { detail: 'Not found.' } },
      { code: 404, content: 'Invalid endpoint specified.' },
    ]);
    const tooMany = await post(Array.from({ length: 51 }, () => ({ method: 'GET', path: '/v1.1/instances/rivia/users/1/' })));
    expect(tooMany).toEqual({ status: 400, body: { detail: 'Max requests per batch exceeded (50).' } });
  });

  it('lists only the caller when a user key comes with the API key, and refuses a key without ignore_acl', async () => {
    const own = await get('/v1.1/instances/rivia/users/', { 'x-api-key': RESTRICTED_KEY, 'x-user-key': GERALT_KEY });
    expect(own.body).toEqual({ objects: [DATA.users[0]], next: null, prev: null });
    expect(await get('/v1.1/instances/rivia/users/', { 'x-api-key': RESTRICTED_KEY })).toEqual({ status: 403, body: PERMISSION_DENIED });
  });

  it('resumes a list only with direction: 1 reads ids above last_pk, 0 below it, none ignores last_pk', async () => {
    const headers = { 'x-api-key': API_KEY };
    const ids = (body: { objects: Array<{ id: number }> }) => body.objects.map((u) => u.id);
    expect(ids((await get('/v1.1/instances/rivia/users/?page_size=2&direction=1&last_pk=4', headers)).body)).toEqual([5, 6]);
    expect(ids((await get('/v1.1/instances/rivia/users/?page_size=2&direction=0&last_pk=4', headers)).body)).toEqual([2, 3]);
    expect(ids((await get('/v1.1/instances/rivia/users/?page_size=2&last_pk=4', headers)).body)).toEqual([1, 2]);
    expect((await get('/v1.1/instances/rivia/users/?direction=2', headers)).status).toBe(400);
    expect((await get('/v1.1/instances/rivia/users/?page_size=-1', headers)).status).toBe(400);
    // Larger sizes are cut to 100, as Syncano does for v1.1.
    expect((await get('/v1.1/instances/rivia/users/?page_size=500', headers)).status).toBe(200);
  });

  it('gives a next link whenever a page comes back full, even when nothing follows', async () => {
    const headers = { 'x-api-key': API_KEY };
    const full = await get('/v1.1/instances/rivia/users/?page_size=7', headers);
    expect(full.body.objects).toHaveLength(7);
    expect(full.body.next).toBe('/v1.1/instances/rivia/users/?page_size=7&direction=1&last_pk=66');
    const after = await get(full.body.next, headers);
    expect(after.body).toEqual({ objects: [], next: null, prev: '/v1.1/instances/rivia/users/?page_size=7&direction=0' });
  });

  it('serves a group to an account key and to any API key, 404 for an unknown group', async () => {
    const witchers = await get('/v1.1/instances/rivia/groups/1/', { 'x-api-key': RESTRICTED_KEY });
    expect(witchers).toEqual({ status: 200, body: (DATA.users[0] as { groups: unknown[] }).groups[0] });
    expect((await get('/v1.1/instances/rivia/groups/1/', { 'x-api-key': ACCOUNT_KEY })).status).toBe(200);
    expect(await get('/v1.1/instances/rivia/groups/999/', { 'x-api-key': API_KEY })).toEqual({ status: 404, body: { detail: 'Not found.' } });
    expect((await get('/v1.1/instances/rivia/groups/x/', { 'x-api-key': API_KEY })).status).toBe(404);
    expect(await get('/v1.1/instances/rivia/groups/1/')).toEqual({ status: 403, body: PERMISSION_DENIED });
  });

  it('lists a group as memberships {user, links}, paged on the membership key, full members to an account key', async () => {
    const headers = { 'x-api-key': ACCOUNT_KEY };
    const first = await get('/v1.1/instances/rivia/groups/1/users/?page_size=2', headers);
    expect(first.status).toBe(200);
    expect(first.body.objects).toEqual([
      { user: DATA.users[0], links: { self: '/v1.1/instances/rivia/groups/1/users/1/' } },
      { user: DATA.users[2], links: { self: '/v1.1/instances/rivia/groups/1/users/3/' } },
    ]);
    // The cursor is the membership's own key, not the user id.
    const lastPk = Number(new URL(first.body.next, sim.url).searchParams.get('last_pk'));
    expect(lastPk).not.toBe(3);
    const second = await get(first.body.next, headers);
    expect(second.body.objects.map((m: { user: { id: number } }) => m.user.id)).toEqual([6]);
    expect(second.body.next).toBeNull();
    expect(await get('/v1.1/instances/rivia/groups/999/users/', headers)).toEqual({ status: 404, body: { detail: 'Not found.' } });
  });

  it('lists a group to an API key only with a user key, and then only the caller', async () => {
    const own = await get('/v1.1/instances/rivia/groups/1/users/', { 'x-api-key': API_KEY, 'x-user-key': GERALT_KEY });
    expect(own.body.objects.map((m: { user: { id: number } }) => m.user.id)).toEqual([1]);
    const notMember = await get('/v1.1/instances/rivia/groups/2/users/', { 'x-api-key': API_KEY, 'x-user-key': GERALT_KEY });
    expect(notMember.body).toEqual({ objects: [], next: null, prev: null });
    // ignore_acl does not open the member list: Syncano wants a user there.
    expect(await get('/v1.1/instances/rivia/groups/1/users/', { 'x-api-key': API_KEY })).toEqual({ status: 403, body: PERMISSION_DENIED });
  });

  it('knows groups given in the data that nobody belongs to', async () => {
    const lonely = await startSyncanoSimulator({ ...structuredClone(DATA), groups: [{ id: 9, label: 'sorceresses', description: 'empty' }] });
    try {
      const res = await fetch(`${lonely.url}/v1.1/instances/rivia/groups/9/users/`, { headers: { 'x-api-key': ACCOUNT_KEY } });
      expect(await res.json()).toEqual({ objects: [], next: null, prev: null });
    } finally {
      await lonely.close();
    }
  });

  it('reads keys from the apikey and userkey query spellings too', async () => {
    const res = await get(`/v1.1/instances/rivia/user/?apikey=${RESTRICTED_KEY}&userkey=${GERALT_KEY}`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(1);
  });

  it('checks the batch call itself: unknown instance, unknown key, a body that is not a batch', async () => {
    const post = async (path: string, body: string, headers: Record<string, string> = { 'x-api-key': API_KEY }) => {
      const res = await fetch(sim.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const one = JSON.stringify({ requests: [{ method: 'GET', path: '/v1.1/instances/rivia/users/1/' }] });
    expect(await post('/v1.1/instances/novigrad/batch/', one)).toEqual({ status: 404, body: { detail: 'Instance was not found.' } });
    expect(await post('/v1.1/instances/rivia/batch/', one, { 'x-api-key': `${API_KEY.slice(0, -1)}3` })).toEqual({
      status: 403,
      body: { detail: 'No such API Key.' },
    });
    for (const bad of ['not json', 'null', '{}', '{"requests":[null]}', '{"requests":[{"method":"GET"}]}']) {
      expect((await post('/v1.1/instances/rivia/batch/', bad)).status).toBe(400);
    }
  });

  it('applies the outer call\'s user key to every batch sub-request', async () => {
    const res = await fetch(`${sim.url}/v1.1/instances/rivia/batch/`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'x-user-key': GERALT_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ requests: [1, 2].map((id) => ({ method: 'GET', path: `/v1.1/instances/rivia/users/${id}/` })) }),
    });
    expect(((await res.json()) as Array<{ code: number }>).map((item) => item.code)).toEqual([200, 404]);
  });

  it('answers 405 to methods the user endpoints do not allow', async () => {
    const res = await fetch(`${sim.url}/v1.1/instances/rivia/users/1/`, { method: 'DELETE', headers: { 'x-api-key': API_KEY } });
    expect(res.status).toBe(405);
    expect(await res.json()).toEqual({ detail: 'Method "DELETE" not allowed.' });
  });

  it('throttles above rateLimitPerSecond with 429 and Retry-After: 1', async () => {
    const throttled = await startSyncanoSimulator({ ...structuredClone(DATA), rateLimitPerSecond: 2 });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${throttled.url}/v1.1/instances/rivia/users/1/`, { headers: { 'x-api-key': API_KEY } });
        statuses.push(res.status);
        if (res.status === 429) {
          retryAfter = res.headers.get('retry-after');
          expect(await res.json()).toEqual({ detail: 'Request was throttled. Expected available in 1 second.' });
        } else await res.arrayBuffer();
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(retryAfter).toBe('1');
    } finally {
      await throttled.close();
    }
  });

  it('records every request for the tests, and clears the record on DELETE', async () => {
    await get('/v1.1/instances/rivia/users/1/?x=1', { 'x-api-key': API_KEY });
    const recorded = (await (await fetch(`${sim.url}/__simulator/requests`)).json()) as Array<{ path: string; headers: Record<string, string> }>;
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.path).toBe('/v1.1/instances/rivia/users/1/?x=1');
    expect(recorded[0]!.headers['x-api-key']).toBe(API_KEY);
    await fetch(`${sim.url}/__simulator/requests`, { method: 'DELETE' });
    expect(sim.requests()).toHaveLength(0);
  });
});
