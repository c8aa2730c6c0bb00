import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { startPassboltSimulator, type PassboltSimulatorData } from '../../src/simulators/passbolt/index.js';
import type { RunningSimulator } from '../../src/simulators/http-simulator.js';
import demoData from '../../src/simulators/passbolt/demo-data.json' with { type: 'json' };
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';

const ADA = 'f848277c-5398-58f8-a82a-72397af2d450';
const V5_EXAMPLE = '8bb80df5-700c-48ce-b568-85a60fc3c8f2';
const CAROL = 'd1db2a3e-1676-4440-bc34-1aacc89fa90f';
const EDITH_NOT_SET_UP = '00d1fdda-111c-470c-9d3d-d7b4fcb4cb93';
const FRANCES_DISABLED = 'f9235c17-6c07-4555-9ba4-ffea1d724849';
const KATHLEEN_DELETED = 'a0dd685f-7e8a-4948-b9eb-d94e4a22bc94';
const GUEST = 'e0bd92eb-9a5e-49dc-9aab-d958f441a290';
const LEADERSHIP = '8a3c5c4e-e931-4e6b-854a-9b2e9afcd3bc';
const ACCOUNTING = '6e62b9bd-4289-41dc-be78-abf615160b39';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const ADA_TOKEN = DEMO_CREDENTIALS.PASSBOLT['X-Passbolt-Token'];
const CAROL_TOKEN = Object.entries(demoData.tokens).find(([, id]) => id === CAROL)![0];
const EXPIRED_TOKEN = jwt({ sub: ADA, exp: Math.floor(Date.now() / 1000) - 1 });
const FRESH_TOKEN = jwt({ sub: ADA, exp: Math.floor(Date.now() / 1000) + 300 });
const FRANCES_TOKEN = jwt({ sub: FRANCES_DISABLED });
const KATHLEEN_TOKEN = jwt({ sub: KATHLEEN_DELETED });
const MFA_TOKEN = jwt({ sub: CAROL, mfa: true });

function jwt(payload: object): string {
  const part = (v: object | string) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  return [part({ alg: 'RS256', typ: 'JWT' }), part(payload), part('sig')].join('.');
}

const demoUsers = demoData.users as Array<Record<string, any>>;
const record = (id: string) => structuredClone(demoUsers.find((u) => u.id === id)!);

function testData(): PassboltSimulatorData {
  const data = structuredClone(demoData) as PassboltSimulatorData;
  const guest = { ...record(CAROL), id: GUEST, username: 'guest@passbolt.com', role: { ...record(CAROL).role, name: 'guest' } };
  data.users.push(guest);
  Object.assign(data.tokens, { [EXPIRED_TOKEN]: ADA, [FRESH_TOKEN]: ADA, [FRANCES_TOKEN]: FRANCES_DISABLED, [KATHLEEN_TOKEN]: KATHLEEN_DELETED, [MFA_TOKEN]: CAROL });
  data.mfaPending = { [MFA_TOKEN]: ['totp', 'yubikey'] };
  return data;
}

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startPassboltSimulator(testData());
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => sim.clearRequests());

async function get(path: string, token: string | null = ADA_TOKEN, headers: Record<string, string> = {}) {
  const res = await fetch(`${sim.url}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  const raw = await res.text();
  let body: any;
  try {
    body = JSON.parse(raw);
  } catch {
    body = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type'), raw, body };
}

describe('Passbolt simulator: GET /users/{id}.json', () => {
  it('serves the raw record in the {header, body} envelope', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await get(`/users/${CAROL}.json`);
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/application\/json/);
    expect(res.body.body).toEqual(record(CAROL));
    expect(res.body.header).toMatchObject({ status: 'success', message: 'The operation was successful.', url: `/users/${CAROL}.json`, code: 200 });
    expect(res.body.header.id).toMatch(UUID);
    expect(res.body.header.action).toMatch(UUID);
    expect(res.body.header.servertime).toBeGreaterThanOrEqual(before);
    expect(res.body.header.servertime).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('gives every answer a fresh header id but a stable action id', async () => {
    const [a, b] = await Promise.all([get(`/users/${ADA}.json`), get(`/users/${CAROL}.json`)]);
    expect(a.body.header.id).not.toBe(b.body.header.id);
    expect(a.body.header.action).toBe(b.body.header.action);
  });

  it('lower-cases an upper-case UUID', async () => {
    const res = await get(`/users/${CAROL.toUpperCase()}.json`);
    expect(res.status).toBe(200);
    expect(res.body.body.id).toBe(CAROL);
  });

  it('resolves me to the token\'s user', async () => {
    expect((await get('/users/me.json')).body.body).toEqual(record(ADA));
    expect((await get('/users/me.json', CAROL_TOKEN)).body.body).toEqual(record(CAROL));
  });

  it('answers 400 for an id that is neither a UUID nor exactly "me"', async () => {
    for (const id of ['ME', 'not-a-uuid', '42', '017f22e2-79b0-7cc3-98c4-dc0c0c07398f', '%E0%A4%A']) {
      const res = await get(`/users/${id}.json`);
      expect(res.status, id).toBe(400);
      expect(res.body.header).toMatchObject({ status: 'error', code: 400, message: 'The user identifier should be a valid UUID or "me".' });
      expect(res.body.body).toBe('');
    }
  });

  it('answers 404 "The user does not exist." for unknown, deleted and guest users', async () => {
    for (const id of ['20d1fa38-7d83-4006-bc4a-32d52c0ce93d', KATHLEEN_DELETED, GUEST]) {
      const res = await get(`/users/${id}.json`);
      expect(res.status, id).toBe(404);
      expect(res.body).toMatchObject({ header: { status: 'error', code: 404, message: 'The user does not exist.' }, body: '' });
    }
  });

  it('shows a user who has not finished setup to admins only', async () => {
    expect((await get(`/users/${EDITH_NOT_SET_UP}.json`)).status).toBe(200);
    expect((await get(`/users/${EDITH_NOT_SET_UP}.json`, CAROL_TOKEN)).status).toBe(404);
  });

  it('includes is_mfa_enabled for admins and for the user themself only', async () => {
    expect((await get(`/users/${CAROL}.json`)).body.body.is_mfa_enabled).toBe(true);
    expect((await get(`/users/${CAROL}.json`, CAROL_TOKEN)).body.body.is_mfa_enabled).toBe(true);
    const adaForCarol = (await get(`/users/${ADA}.json`, CAROL_TOKEN)).body.body;
    expect(adaForCarol).not.toHaveProperty('is_mfa_enabled');
    expect(adaForCarol.username).toBe('ada@passbolt.com');
  });

  it('requires .json or Accept: application/json, else answers the HTML 404', async () => {
    const res = await get(`/users/${CAROL}`);
    expect(res.status).toBe(404);
    expect(res.contentType).toMatch(/text\/html/);
    expect(res.raw).toContain('Please use .json extension in URL or accept application/json.');
    const accepted = await get(`/users/${CAROL}`, ADA_TOKEN, { accept: 'application/json' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.body.id).toBe(CAROL);
  });

  it('answers 400 for api-version=v1 and serves v2 as the default', async () => {
    for (const version of ['v1', '1']) {
      const res = await get(`/users/${CAROL}.json?api-version=${version}`);
      expect(res.status).toBe(400);
      expect(res.body.header.message).toBe('API v1 support is deprecated in this version.');
    }
    expect((await get(`/users/${CAROL}.json?api-version=v2`)).status).toBe(200);
  });

  it('answers 404 for routes and methods it does not serve', async () => {
    expect((await get('/resources.json')).status).toBe(404);
    expect((await get(`/users/${CAROL}/extra.json`)).status).toBe(404);
    const post = await fetch(`${sim.url}/users/${CAROL}.json`, { method: 'POST', headers: { authorization: `Bearer ${ADA_TOKEN}` } });
    expect(post.status).toBe(404);
  });
});

describe('Passbolt simulator: authentication', () => {
  it('answers 401 "Authentication is required to continue." with an empty body for a missing, unknown, expired or wrongly sent token', async () => {
    const attempts = [
      get(`/users/${CAROL}.json`, null),
      get(`/users/${CAROL}.json`, 'eyJ.unknown.token'),
      get(`/users/${CAROL}.json`, EXPIRED_TOKEN),
      get(`/users/${CAROL}.json`, null, { authorization: ADA_TOKEN }),
      get(`/users/${CAROL}.json`, null, { authorization: `Token ${ADA_TOKEN}` }),
      get('/users/me.json', null),
      get('/users.json', null),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ header: { status: 'error', code: 401, message: 'Authentication is required to continue.' }, body: '' });
    }
  });

  it('accepts an unexpired token with an exp claim', async () => {
    expect((await get('/users/me.json', FRESH_TOKEN)).body.body.id).toBe(ADA);
  });

  it('refuses tokens of disabled and deleted users, who cannot log in', async () => {
    expect((await get('/users/me.json', FRANCES_TOKEN)).status).toBe(401);
    expect((await get('/users/me.json', KATHLEEN_TOKEN)).status).toBe(401);
  });

  it('checks the token before the id', async () => {
    expect((await get('/users/not-a-uuid.json', null)).status).toBe(401);
  });

  it('answers 403 "MFA authentication is required." with the MFA providers while MFA is pending', async () => {
    const res = await get('/users/me.json', MFA_TOKEN);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ header: { status: 'error', code: 403, message: 'MFA authentication is required.' }, body: { mfa_providers: ['totp', 'yubikey'] } });
  });
});

describe('Passbolt simulator: GET /users.json', () => {
  const usernames = (res: { body: any }) => res.body.body.map((u: any) => u.username);

  it('lists visible users by username with a pagination header', async () => {
    const res = await get('/users.json');
    expect(res.status).toBe(200);
    expect(usernames(res)).toEqual(['ada@passbolt.com', 'ada@passbolt.local', 'carol@passbolt.com', 'edith@passbolt.com', 'frances@passbolt.com']);
    expect(res.body.header).toMatchObject({ url: '/users.json', code: 200, pagination: { count: 5, page: 1, limit: null } });
  });

  it('hides users who have not finished setup from non-admins', async () => {
    expect(usernames(await get('/users.json', CAROL_TOKEN))).not.toContain('edith@passbolt.com');
  });

  it('filters by search, by groups (all of them), by admin role and, for admins, by active flag', async () => {
    expect(usernames(await get('/users.json?filter[search]=SHAW'))).toEqual(['carol@passbolt.com']);
    expect(usernames(await get(`/users.json?filter[has-groups][]=${ACCOUNTING}`))).toEqual(['carol@passbolt.com', 'frances@passbolt.com']);
    expect(usernames(await get(`/users.json?filter[has-groups][]=${ACCOUNTING}&filter[has-groups][]=${LEADERSHIP}`))).toEqual(['carol@passbolt.com']);
    expect(usernames(await get('/users.json?filter[is-admin]=0'))).toEqual(['ada@passbolt.com', 'ada@passbolt.local']);
    expect(usernames(await get('/users.json?filter[is-active]=0'))).toEqual(['edith@passbolt.com']);
    expect(usernames(await get('/users.json?filter[is-active]=0', CAROL_TOKEN))).toHaveLength(4);
  });

  it('sorts on the allowed fields and refuses others', async () => {
    expect(usernames(await get('/users.json?sort=Profiles.last_name&direction=desc'))[0]).toBe('carol@passbolt.com');
    const bad = await get('/users.json?sort=Users.password');
    expect(bad.status).toBe(400);
    expect(bad.body.header.message).toMatch(/^Invalid order\./);
  });

  it('paginates with page and limit', async () => {
    const res = await get('/users.json?limit=2&page=2');
    expect(usernames(res)).toEqual(['carol@passbolt.com', 'edith@passbolt.com']);
    expect(res.body.header.pagination).toEqual({ count: 5, page: 2, limit: 2 });
    expect((await get('/users.json?limit=0')).status).toBe(400);
  });

  it('drops parts with contain[x]=0 and adds optional ones only on request', async () => {
    const lean = (await get('/users.json?contain[gpgkey]=0&contain[groups_users]=0')).body.body[0];
    expect(lean).not.toHaveProperty('gpgkey');
    expect(lean).not.toHaveProperty('groups_users');
    expect(lean).toHaveProperty('profile');
    const plain = (await get('/users.json')).body.body.find((u: any) => u.id === V5_EXAMPLE);
    expect(plain).not.toHaveProperty('is_mfa_enabled');
    expect(plain).not.toHaveProperty('missing_metadata_key_ids');
    const full = (await get('/users.json?contain[is_mfa_enabled]=1&contain[missing_metadata_key_ids]=1')).body.body.find((u: any) => u.id === V5_EXAMPLE);
    expect(full).toEqual(record(V5_EXAMPLE));
    const forUser = (await get('/users.json?contain[is_mfa_enabled]=1', CAROL_TOKEN)).body.body[0];
    expect(forUser).not.toHaveProperty('is_mfa_enabled');
  });

  it('answers 400 for malformed filter and contain values', async () => {
    expect((await get('/users.json?filter[has-groups][]=accounting')).status).toBe(400);
    expect((await get('/users.json?contain[gpgkey]=maybe')).status).toBe(400);
    expect((await get('/users.json?filter[is-active]=perhaps')).status).toBe(400);
  });
});

describe('Passbolt simulator: GET /groups.json and the request record', () => {
  it('lists the groups every given user belongs to', async () => {
    const names = async (query: string) => (await get(`/groups.json?${query}`)).body.body.map((g: any) => g.name);
    expect(await names(`filter[has-users][]=${CAROL}`)).toEqual(['Leadership', 'Accounting']);
    expect(await names(`filter[has-users][]=${CAROL}&filter[has-users][]=${V5_EXAMPLE}`)).toEqual(['Leadership']);
  });

  it('records each request with its path and headers, and clears the record on DELETE', async () => {
    await get(`/users/${CAROL}.json?api-version=v2`);
    const record = (await (await fetch(`${sim.url}/__simulator/requests`)).json()) as any[];
    expect(record).toHaveLength(1);
    expect(record[0]).toMatchObject({ method: 'GET', path: `/users/${CAROL}.json?api-version=v2` });
    expect(record[0].headers.authorization).toBe(`Bearer ${ADA_TOKEN}`);
    expect((await fetch(`${sim.url}/__simulator/requests`, { method: 'DELETE' })).status).toBe(204);
    expect(sim.requests()).toHaveLength(0);
  });
});

describe('Passbolt simulator: GET /groups/{id}.json', () => {
  it('serves the group in the envelope to any authenticated user, any UUID case', async () => {
    for (const token of [ADA_TOKEN, CAROL_TOKEN]) {
      const res = await get(`/groups/${ACCOUNTING.toUpperCase()}.json`, token);
      expect(res.status).toBe(200);
      expect(res.body.header).toMatchObject({ status: 'success', url: `/groups/${ACCOUNTING.toUpperCase()}.json`, code: 200 });
      expect(res.body.body).toMatchObject({ id: ACCOUNTING, name: 'Accounting', deleted: false });
    }
  });

  it('answers 400 for an id that is not a UUID and 404 for an unknown group', async () => {
    const bad = await get('/groups/accounting.json');
    expect(bad.status).toBe(400);
    expect(bad.body.header.message).toBe('The group identifier should be a valid UUID.');
    const missing = await get('/groups/20d1fa38-7d83-4006-bc4a-32d52c0ce93d.json');
    expect(missing.status).toBe(404);
    expect(missing.body.header.message).toBe('The group does not exist.');
  });

  it('requires a token', async () => {
    expect((await get(`/groups/${ACCOUNTING}.json`, null)).status).toBe(401);
  });
});

describe('Passbolt simulator: paging the user list', () => {
  it('lets any authenticated user list, and pages to an empty page past the end with the same count', async () => {
    const pages = [];
    for (let page = 1; page <= 3; page++) pages.push((await get(`/users.json?limit=2&page=${page}`, CAROL_TOKEN)).body);
    expect(pages.map((p) => p.body.length)).toEqual([2, 2, 0]);
    expect(pages.every((p) => p.header.pagination.count === 4)).toBe(true);
    const names = pages.flatMap((p) => p.body.map((u: any) => u.username));
    expect(new Set(names).size).toBe(4);
  });
});
