import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { RunningSimulator } from '../../src/simulators/http-simulator.js';
import { startBellaDatiSimulator, type BellaDatiSimulatorData } from '../../src/simulators/belladati/index.js';

const CONSUMER = 'sim-test-consumer';
const DOMAIN_ADMIN_TOKEN = 'tok-domain-admin';
const PLAIN_TOKEN = 'tok/plain+user=';
const GLOBAL_ADMIN_TOKEN = 'tok-global-admin';
const INACTIVE_TOKEN = 'tok-inactive';
const THROTTLED_TOKEN = 'tok-throttled';

const user = (id: string, username: string, domainId: string, extra: Record<string, unknown> = {}) => ({
  id,
  username,
  domain_id: domainId,
  firstName: 'First',
  lastName: 'Last',
  email: username,
  active: true,
  info: null,
  firstLogin: 'Thu, 14 Jan 2012 15:33:28 GMT',
  lastLogin: 'Tue, 12 Apr 2016 11:40:58 GMT',
  phone: null,
  timeZone: 'Europe/Prague',
  locale: 'cs',
  roles: [],
  groups: [],
  ...extra,
});

const DOMAIN_ADMIN = user('123', 'myusername@example.com', '45', {
  roles: [{ role: 'WORKSPACE_ADMIN' }],
  groups: [{ id: '56', name: 'My User Group nr.1' }],
});
const PLAIN = user('124', 'plain/user?@example.com', '45', {
  roles: [{ role: 'DATASET_ADMIN' }],
  groups: [
    { id: '56', name: 'My User Group nr.1' },
    { id: '345', name: 'My User Group nr.2', description: 'This is description' },
  ],
});
const NEVER_LOGGED_IN = (() => {
  const { firstLogin: _f, lastLogin: _l, ...rest } = user('125', 'new.hire', '45', { email: null });
  return rest;
})();
const INACTIVE = user('126', 'gone@example.com', '45', { active: false });
const GLOBAL_ADMIN = user('222', 'root@example.com', '7', { roles: [{ role: 'ADMIN' }] });
const THROTTLED = user('300', 'busy@example.com', '7');

const DATA: BellaDatiSimulatorData = {
  consumerKey: CONSUMER,
  tokens: {
    [DOMAIN_ADMIN_TOKEN]: '123',
    [PLAIN_TOKEN]: '124',
    [GLOBAL_ADMIN_TOKEN]: '222',
    [INACTIVE_TOKEN]: '126',
    [THROTTLED_TOKEN]: '300',
  },
  users: [DOMAIN_ADMIN, PLAIN, NEVER_LOGGED_IN, INACTIVE, GLOBAL_ADMIN, THROTTLED],
};

const enc = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const now = () => Math.floor(Date.now() / 1000);

interface OAuthOptions {
  consumer?: string | null;
  token?: string | null;
  timestamp?: string | number | null;
  nonce?: string | null;
  realm?: string;
  separator?: string;
}

/** Builds the documented header (BellaDati "Authorization"); null omits a parameter. */
function oauth(token: string | null, options: OAuthOptions = {}): string {
  const params: Array<[string, string | number | null | undefined]> = [
    ['oauth_consumer_key', options.consumer === undefined ? CONSUMER : options.consumer],
    ['oauth_token', token],
    ['oauth_timestamp', options.timestamp === undefined ? now() : options.timestamp],
    ['oauth_nonce', options.nonce === undefined ? randomUUID() : options.nonce],
  ];
  const parts = params.filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k}="${enc(String(v))}"`);
  if (options.realm) parts.unshift(`realm="${options.realm}"`);
  return `OAuth ${parts.join(options.separator ?? ', ')}`;
}

describe('BellaDati simulator over HTTP', () => {
  let sim: RunningSimulator;

  const get = (path: string, authorization?: string, init: RequestInit = {}) =>
    fetch(`${sim.url}${path}`, { ...init, headers: authorization === undefined ? {} : { authorization } });
  const asForm = async (res: Response) => Object.fromEntries(new URLSearchParams(await res.text()));

  beforeAll(async () => {
    sim = await startBellaDatiSimulator(DATA);
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => sim.clearRequests());

  describe('GET /api/users/{id}', () => {
    it('serves the stored record exactly as given', async () => {
      const res = await get('/api/users/123', oauth(DOMAIN_ADMIN_TOKEN));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual(DOMAIN_ADMIN);
    });

    it('accepts the documented header with a realm, and one without spaces after the commas', async () => {
      expect((await get('/api/users/123', oauth(DOMAIN_ADMIN_TOKEN, { realm: 'https://service.belladati.com/' }))).status).toBe(200);
      expect((await get('/api/users/123', oauth(DOMAIN_ADMIN_TOKEN, { separator: ',' }))).status).toBe(200);
    });

    it('percent-decodes parameter values (a token with / + = in it)', async () => {
      const res = await get('/api/users/124', oauth(PLAIN_TOKEN));
      expect(res.status).toBe(200);
      expect(((await res.json()) as { id: string }).id).toBe('124');
    });

    it('drops the fields named in exclude, but never id or username', async () => {
      const res = await get('/api/users/123?exclude=email,lastLogin,id,username', oauth(DOMAIN_ADMIN_TOKEN));
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).not.toHaveProperty('email');
      expect(body).not.toHaveProperty('lastLogin');
      expect(body).toMatchObject({ id: '123', username: 'myusername@example.com', firstLogin: DOMAIN_ADMIN.firstLogin });
    });

    it('ignores other query parameters such as locale and lang', async () => {
      expect((await get('/api/users/123?locale=cs&lang=en', oauth(DOMAIN_ADMIN_TOKEN))).status).toBe(200);
    });

    it('serves a user who never logged in without firstLogin and lastLogin', async () => {
      const body = (await (await get('/api/users/125', oauth(DOMAIN_ADMIN_TOKEN))).json()) as Record<string, unknown>;
      expect(body).not.toHaveProperty('firstLogin');
      expect(body).not.toHaveProperty('lastLogin');
      expect(body.email).toBeNull();
    });

    it('answers 404 for an unknown user when the caller is an admin', async () => {
      expect((await get('/api/users/999', oauth(DOMAIN_ADMIN_TOKEN))).status).toBe(404);
      expect((await get('/api/users/999', oauth(GLOBAL_ADMIN_TOKEN))).status).toBe(404);
    });

    it('answers 400 for an id that is not digits and for broken percent-encoding', async () => {
      expect((await get('/api/users/abc', oauth(DOMAIN_ADMIN_TOKEN))).status).toBe(400);
      expect((await get('/api/users/%zz', oauth(DOMAIN_ADMIN_TOKEN))).status).toBe(400);
    });

    it('answers 404 for unknown paths and paths outside /api', async () => {
      expect((await get('/api/users/123/extra/more', oauth(DOMAIN_ADMIN_TOKEN))).status).toBe(404);
      expect((await get('/api/users/123/', oauth(DOMAIN_ADMIN_TOKEN))).status).toBe(404);
      expect((await get('/api/nothing', oauth(DOMAIN_ADMIN_TOKEN))).status).toBe(404);
      expect((await get('/users/123', oauth(DOMAIN_ADMIN_TOKEN))).status).toBe(404);
    });

    it('answers 405 to another method', async () => {
      expect((await get('/api/users/123', oauth(DOMAIN_ADMIN_TOKEN), { method: 'DELETE' })).status).toBe(405);
    });
  });

  describe('who may read whom', () => {
    it('lets every user read their own record', async () => {
      expect((await get('/api/users/124', oauth(PLAIN_TOKEN))).status).toBe(200);
    });

    it('refuses a plain user another record with 403, whether or not it exists', async () => {
      expect((await get('/api/users/123', oauth(PLAIN_TOKEN))).status).toBe(403);
      expect((await get('/api/users/999', oauth(PLAIN_TOKEN))).status).toBe(403);
    });

    it('lets a domain admin read users of their own domain only', async () => {
      expect((await get('/api/users/124', oauth(DOMAIN_ADMIN_TOKEN))).status).toBe(200);
      expect((await get('/api/users/222', oauth(DOMAIN_ADMIN_TOKEN))).status).toBe(403);
    });

    it('lets a global admin read anyone', async () => {
      for (const id of ['123', '124', '125', '126']) expect((await get(`/api/users/${id}`, oauth(GLOBAL_ADMIN_TOKEN))).status).toBe(200);
    });
  });

  describe('GET /api/users/username/{username}', () => {
    it('finds a user by the decoded username segment', async () => {
      const res = await get(`/api/users/username/${encodeURIComponent('plain/user?@example.com')}`, oauth(PLAIN_TOKEN));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(PLAIN);
    });

    it('accepts the username raw in the path, as the docs show it', async () => {
      expect((await get('/api/users/username/myusername@example.com', oauth(DOMAIN_ADMIN_TOKEN))).status).toBe(200);
    });

    it('applies the same access rule and exclude', async () => {
      expect((await get('/api/users/username/myusername@example.com', oauth(PLAIN_TOKEN))).status).toBe(403);
      expect((await get('/api/users/username/nobody@example.com', oauth(DOMAIN_ADMIN_TOKEN))).status).toBe(404);
      const body = (await (await get('/api/users/username/myusername@example.com?exclude=email', oauth(DOMAIN_ADMIN_TOKEN))).json()) as object;
      expect(body).not.toHaveProperty('email');
    });
  });

  describe('GET /api/users/{id}/status', () => {
    it('answers ACTIVE or INACTIVE as text', async () => {
      const active = await get('/api/users/125/status', oauth(DOMAIN_ADMIN_TOKEN));
      expect(active.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await active.text()).toBe('ACTIVE');
      expect(await (await get('/api/users/126/status', oauth(DOMAIN_ADMIN_TOKEN))).text()).toBe('INACTIVE');
      expect((await get('/api/users/123/status', oauth(PLAIN_TOKEN))).status).toBe(403);
    });
  });

  describe('GET /api/domains/{id}/users and /userGroups', () => {
    it('lists the domain users in a {"users": [...]} envelope for the domain admin', async () => {
      const res = await get('/api/domains/45/users', oauth(DOMAIN_ADMIN_TOKEN));
      expect(res.status).toBe(200);
      const body = (await res.json()) as { users: Array<{ id: string }> };
      expect(body.users.map((u) => u.id)).toEqual(['123', '124', '125', '126']);
      expect(body.users[0]).toEqual(DOMAIN_ADMIN);
    });

    it('filters by userGroup_id', async () => {
      const body = (await (await get('/api/domains/45/users?userGroup_id=345', oauth(DOMAIN_ADMIN_TOKEN))).json()) as { users: Array<{ id: string }> };
      expect(body.users.map((u) => u.id)).toEqual(['124']);
    });

    it('answers an empty list for a group nobody belongs to, and 400 for a group id that is not digits', async () => {
      const empty = await get('/api/domains/45/users?userGroup_id=901', oauth(DOMAIN_ADMIN_TOKEN));
      expect(empty.status).toBe(200);
      expect(await empty.json()).toEqual({ users: [] });
      expect((await get('/api/domains/45/users?userGroup_id=5x', oauth(DOMAIN_ADMIN_TOKEN))).status).toBe(400);
    });

    it('refuses a plain user whatever the group filter', async () => {
      expect((await get('/api/domains/45/users?userGroup_id=56', oauth(PLAIN_TOKEN))).status).toBe(403);
      expect((await get('/api/domains/45/userGroups', oauth(PLAIN_TOKEN))).status).toBe(403);
    });

    it('is for admins only: 403 for a plain user and for another domain admin, 404 for an unknown domain', async () => {
      expect((await get('/api/domains/45/users', oauth(PLAIN_TOKEN))).status).toBe(403);
      expect((await get('/api/domains/7/users', oauth(DOMAIN_ADMIN_TOKEN))).status).toBe(403);
      expect((await get('/api/domains/45/users', oauth(GLOBAL_ADMIN_TOKEN))).status).toBe(200);
      expect((await get('/api/domains/99/users', oauth(GLOBAL_ADMIN_TOKEN))).status).toBe(404);
      expect((await get('/api/domains/x/users', oauth(GLOBAL_ADMIN_TOKEN))).status).toBe(400);
    });

    it('lists the domain groups with their description', async () => {
      const body = (await (await get('/api/domains/45/userGroups', oauth(DOMAIN_ADMIN_TOKEN))).json()) as unknown;
      expect(body).toEqual({
        userGroups: [
          { id: '56', name: 'My User Group nr.1', description: null },
          { id: '345', name: 'My User Group nr.2', description: 'This is description' },
        ],
      });
    });
  });

  describe('OAuth refusals (form-encoded oauth_problem bodies)', () => {
    it('answers a request without Authorization with 400 missing_consumer', async () => {
      const res = await get('/api/users/123');
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
      expect(await asForm(res)).toEqual({ oauth_problem: 'missing_consumer' });
    });

    it('answers another scheme (Bearer) like a missing OAuth header', async () => {
      const res = await get('/api/users/123', `Bearer ${DOMAIN_ADMIN_TOKEN}`);
      expect([res.status, await asForm(res)]).toEqual([400, { oauth_problem: 'missing_consumer' }]);
    });

    it('answers an unknown consumer key with 403 invalid_consumer', async () => {
      const res = await get('/api/users/123', oauth(DOMAIN_ADMIN_TOKEN, { consumer: 'someone-else' }));
      expect([res.status, await asForm(res)]).toEqual([403, { oauth_problem: 'invalid_consumer' }]);
    });

    it('answers a missing or unknown token with 401 invalid_token', async () => {
      for (const header of [oauth(null), oauth('not-a-token')]) {
        const res = await get('/api/users/123', header);
        expect([res.status, await asForm(res)]).toEqual([401, { oauth_problem: 'invalid_token' }]);
      }
    });

    it('answers a stale timestamp with 400 timestamp_refused and the acceptable range', async () => {
      const res = await get('/api/users/123', oauth(DOMAIN_ADMIN_TOKEN, { timestamp: now() - 301 }));
      expect(res.status).toBe(400);
      const body = await asForm(res);
      expect(body.oauth_problem).toBe('timestamp_refused');
      const [from, to] = body.oauth_acceptable_timestamps!.split('-').map(Number);
      expect(to! - from!).toBe(600);
      expect(Math.abs((from! + to!) / 2 - now())).toBeLessThanOrEqual(2);
    });

    it('answers a timestamp that is not a number with timestamp_refused', async () => {
      const res = await get('/api/users/123', oauth(DOMAIN_ADMIN_TOKEN, { timestamp: 'yesterday' }));
      expect((await asForm(res)).oauth_problem).toBe('timestamp_refused');
    });

    it('answers a missing nonce or timestamp with 400 parameter_absent naming them', async () => {
      const res = await get('/api/users/123', oauth(DOMAIN_ADMIN_TOKEN, { nonce: null, timestamp: null }));
      expect([res.status, await asForm(res)]).toEqual([
        400,
        { oauth_problem: 'parameter_absent', oauth_parameters_absent: 'oauth_timestamp&oauth_nonce' },
      ]);
    });

    it('answers a nonce reused within the window with 401 nonce_used', async () => {
      const header = oauth(DOMAIN_ADMIN_TOKEN, { nonce: 'once-only' });
      expect((await get('/api/users/123', header)).status).toBe(200);
      const replay = await get('/api/users/123', header);
      expect([replay.status, await asForm(replay)]).toEqual([401, { oauth_problem: 'nonce_used' }]);
    });

    it('answers the token of an inactive user with 403 user_not_active', async () => {
      const res = await get('/api/users/126', oauth(INACTIVE_TOKEN));
      expect([res.status, await asForm(res)]).toEqual([403, { oauth_problem: 'user_not_active' }]);
    });

    it('answers an unparseable header with 400 parameter_rejected', async () => {
      for (const header of ['OAuth oauth_consumer_key=unquoted', `OAuth oauth_consumer_key="${CONSUMER}", oauth_token="%zz"`]) {
        const res = await get('/api/users/123', header);
        expect([res.status, await asForm(res)]).toEqual([400, { oauth_problem: 'parameter_rejected' }]);
      }
    });
  });

  it('throttles with 503 (BellaDati\'s rate-limit status) once one user goes over the limit', async () => {
    const limited = await startBellaDatiSimulator({ ...DATA, rateLimit: { requests: 3, perSeconds: 60 } });
    try {
      const call = (id: string, token: string) => fetch(`${limited.url}/api/users/${id}`, { headers: { authorization: oauth(token) } });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await call('300', THROTTLED_TOKEN)).status);
      expect(statuses).toEqual([200, 200, 200, 503, 503]);
      const throttled = await call('300', THROTTLED_TOKEN);
      expect(throttled.headers.get('retry-after')).toBeNull();
      // Per user: another user's calls still pass.
      expect((await call('123', DOMAIN_ADMIN_TOKEN)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('records every request, with its raw path and headers, at /__simulator/requests', async () => {
    const header = oauth(DOMAIN_ADMIN_TOKEN);
    await get('/api/users/username/a%40b.example?exclude=email', header);
    await get('/api/users/999');
    const recorded = (await (await fetch(`${sim.url}/__simulator/requests`)).json()) as Array<{ method: string; path: string; headers: Record<string, string> }>;
    expect(recorded.map((r) => [r.method, r.path])).toEqual([
      ['GET', '/api/users/username/a%40b.example?exclude=email'],
      ['GET', '/api/users/999'],
    ]);
    expect(recorded[0]!.headers.authorization).toBe(header);
    expect((await fetch(`${sim.url}/__simulator/requests`, { method: 'DELETE' })).status).toBe(204);
    expect(sim.requests()).toEqual([]);
  });
});
