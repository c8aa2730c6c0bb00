import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { startDroplitSimulator, type DroplitSimulatorData } from '../../src/simulators/droplit/index.js';
import demoData from '../../src/simulators/droplit/demo-data.json' with { type: 'json' };
import type { RunningSimulator } from '../../src/simulators/http-simulator.js';

const DEMO = demoData as DroplitSimulatorData;

const SERVER = DEMO_CREDENTIALS.DROPLIT['X-Droplit-Token'];
const ECO = 'C573b86eeee43dd7ba0244f8a';
const ECO_2018 = 'C594b4a7e42a2ab152bca2195';

/** The user token the demo data issues to `C573b86eeee43dd7ba0244f8a;test`. */
function userTokenOfTest(): string {
  const [token] = Object.entries(DEMO.tokens).find(([, g]) => g.type === 'user' && g.user === `${ECO};test`) ?? [];
  if (!token) throw new Error('demo data has no user token for test');
  return token;
}

const INVALID_QUERY = {
  errorType: 'InvalidParams',
  errors: [{ in: 'query', message: expect.stringContaining('contains fields that are not allowed'), path: 'additional parameters' }],
};

describe('Droplit simulator', () => {
  let sim: RunningSimulator;
  /** A JSON body as a plain record, for field assertions. */
  const body = async (res: Response) => (await res.json()) as Record<string, unknown>;
  /** `token: null` sends no Authorization header. */
  const get = (path: string, token: string | null = SERVER, method = 'GET') =>
    fetch(`${sim.url}${path}`, { method, headers: token === null ? {} : { authorization: token } });
  /** fetch drops a bare `?` from the URL; node:http with an explicit `path` sends the target exactly as given. */
  const rawGet = (target: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: sim.port, path: target, headers: { authorization: SERVER } }, (res) => {
        let payload = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (payload += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: payload }));
      });
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    sim = await startDroplitSimulator(structuredClone(DEMO));
  });
  afterAll(async () => {
    await sim?.close();
  });
  beforeEach(() => sim.clearRequests());

  it('accepts the demo server token and serves the 2016 example user verbatim', async () => {
    const res = await get(`/api/users/${ECO};test`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      id: `${ECO};test`,
      ecosystemId: ECO,
      uniqueId: 'test',
      meta: { $label: 'Test' },
      email: 'test:::at:::test.com',
      createdAt: '2016-11-30T03:12:03.327Z',
      access: [],
    });
  });

  it('serves the same user under the /v0 prefix', async () => {
    const res = await get(`/v0/api/users/${ECO};test`);
    expect(res.status).toBe(200);
    expect((await body(res)).id).toBe(`${ECO};test`);
  });

  it('decodes the uniqueId before lookup (| as %7C, and a ; inside it)', async () => {
    const pipe = await get(`/api/users/${ECO_2018};demoAlias%7C595d5c8883fa9b12685bc0c1`);
    expect((await body(pipe)).uniqueId).toBe('demoAlias|595d5c8883fa9b12685bc0c1');
    const literal = await get(`/api/users/${ECO_2018};demoAlias|595d5c8883fa9b12685bc0c1`);
    expect(literal.status).toBe(200);
    const unicode = await get(`/api/users/${ECO_2018};${encodeURIComponent('auth0|Zoë Ødegård;ops')}`);
    expect(unicode.status).toBe(200);
    expect((await body(unicode)).email).toBe('zoe.odegard@example.org');
  });

  it('answers 401 with an empty body without a token or with an unknown one', async () => {
    for (const token of [null, '_unknown', `Bearer ${SERVER}`]) {
      const res = await get(`/api/users/${ECO};test`, token);
      expect(res.status).toBe(401);
      expect(await res.text()).toBe('');
    }
  });

  it('answers any query string, even a bare ?, with the standard 400 structure', async () => {
    for (const query of ['?fields=email', '?', '?_=123']) {
      const res = await rawGet(`/api/users/${ECO};test${query}`);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual(INVALID_QUERY);
    }
    expect(sim.requests().map((r) => r.path)).toContain(`/api/users/${ECO};test?`);
  });

  it('answers a malformed ecosystem id with the standard 400 structure on the ecosystem parameter', async () => {
    for (const eco of ['C573B86EEEE43DD7BA0244F8A', 'C573b86e', 'D53c19b2f3008801c0f4c3dca', 'my-domain']) {
      const res = await get(`/api/users/${eco};test`);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ errorType: 'InvalidParams', errors: [{ in: 'path', message: 'invalid id', path: 'ecosystemId' }] });
    }
  });

  it('answers an unknown but well-formed ecosystem with the documented plain-text 404', async () => {
    const res = await get('/api/users/C573b86c47fdf8178dfefc3fb;test');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('Ecosystem with id C573b86c47fdf8178dfefc3fb does not exist.');
  });

  it('answers an unknown user with a plain-text 404', async () => {
    const res = await get(`/api/users/${ECO};ghost`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe(`User with id ${ECO};ghost does not exist.`);
  });

  it('lets a user token read its own record only', async () => {
    const token = userTokenOfTest();
    expect((await get(`/api/users/${ECO};test`, token)).status).toBe(200);
    const other = await get(`/api/users/${ECO};testUser`, token);
    expect(other.status).toBe(403);
    expect(await other.text()).toBe('Token type not permitted!');
    expect((await get(`/api/users?ecosystemId=${ECO}`, token)).status).toBe(403);
  });

  it('lists an ecosystem’s users as {"items": [...]}', async () => {
    const res = await get(`/api/users?ecosystemId=${ECO_2018}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: Array<{ id: string }> };
    expect(body.items.map((u) => u.id).sort()).toEqual([`${ECO_2018};auth0|Zoë Ødegård;ops`, `${ECO_2018};demoAlias|595d5c8883fa9b12685bc0c1`]);
  });

  it('checks the list parameters', async () => {
    expect((await get('/api/users')).status).toBe(400);
    expect((await get('/api/users?ecosystemId=nope')).status).toBe(400);
    expect(await (await get(`/api/users?ecosystemId=${ECO}&limit=5`)).json()).toEqual(INVALID_QUERY);
    expect((await get('/api/users?ecosystemId=C573b86c47fdf8178dfefc3fb')).status).toBe(404);
  });

  it('answers odd paths and methods with 404 or 400, as a router would', async () => {
    expect((await get(`/api/users/${ECO}`)).status).toBe(404);
    expect((await get(`/api/users/${ECO};`)).status).toBe(404);
    expect((await get(`/api/users/${ECO}%3Btest`)).status).toBe(404);
    expect((await get(`/api/users/${ECO};test/extra`)).status).toBe(404);
    expect((await get(`/api/users/${ECO};test`, SERVER, 'DELETE')).status).toBe(404);
    expect((await get('/api/ecosystems')).status).toBe(404);
    expect((await get(`/api/users/${ECO};%E0%A4%A`)).status).toBe(400);
  });

  it('records every request at /__simulator/requests, raw path and headers included', async () => {
    await get(`/api/users/${ECO_2018};demoAlias%7C595d5c8883fa9b12685bc0c1`);
    const res = await fetch(`${sim.url}/__simulator/requests`);
    const recorded = (await res.json()) as Array<{ method: string; path: string; headers: Record<string, string> }>;
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ method: 'GET', path: `/api/users/${ECO_2018};demoAlias%7C595d5c8883fa9b12685bc0c1` });
    expect(recorded[0]!.headers.authorization).toBe(SERVER);
    expect(sim.requests()).toHaveLength(1);
    await fetch(`${sim.url}/__simulator/requests`, { method: 'DELETE' });
    expect(sim.requests()).toHaveLength(0);
  });
});
