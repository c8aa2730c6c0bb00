import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulators/http-simulator.js';
import { startScimSimulator, type ScimSimulatorData } from '../../src/simulators/scim/index.js';
import { parseFilter } from '../../src/simulators/scim/filter.js';
import demoData from '../../src/simulators/scim/demo-data.json' with { type: 'json' };

const DEMO = demoData as ScimSimulatorData;
const TOKEN = 'scim-demo-bjensen-4f8c2a9e71d3b5';
const BJENSEN = '2819c223-7f76-453a-919d-413861904646';
const ZOE = '7c1f4e2a-9d3b-4c8e-a5f1-2b6d8e0c4a97';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('SCIM simulator', () => {
  let sim: RunningSimulator;
  let noFilter: RunningSimulator;
  const base = () => `${sim.url}/scim/v2`;
  const get = async (url: string, headers: Record<string, string> = auth) => {
    const res = await fetch(url, { headers });
    return { status: res.status, type: res.headers.get('content-type'), headers: res.headers, body: (await res.json().catch(() => undefined)) as any };
  };
  const list = (filter: string, extra = '') => get(`${base()}/Users?filter=${encodeURIComponent(filter)}${extra}`);

  beforeAll(async () => {
    sim = await startScimSimulator(structuredClone(DEMO));
    noFilter = await startScimSimulator({ ...structuredClone(DEMO), filter: false, me: 'unsupported' });
  });
  afterAll(async () => {
    await sim?.close();
    await noFilter?.close();
  });

  it('serves a user as application/scim+json with its groups and location', async () => {
    const res = await get(`${base()}/Users/${BJENSEN}`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/scim\+json/);
    expect(res.body.userName).toBe('bjensen@example.com');
    expect(res.body.groups.map((g: any) => g.display).sort()).toEqual(['Employees', 'Tour Guides']);
    expect(res.body.meta.location).toBe(`${base()}/Users/${BJENSEN}`);
    expect(res.headers.get('location')).toBe(res.body.meta.location);
  });

  it('answers 401 with a SCIM error body and a Bearer challenge without a known token', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer nope' }, { authorization: `Basic ${TOKEN}` }];
    for (const headers of attempts) {
      const res = await get(`${base()}/Users/${BJENSEN}`, headers);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('answers an unknown id with a 404 SCIM error; ids are case-exact', async () => {
    const res = await get(`${base()}/Users/${BJENSEN.toUpperCase()}`);
    expect(res.status).toBe(404);
    expect(res.body.status).toBe('404');
  });

  it('serves /Me as the token user, and 404 for a token that is no user', async () => {
    expect((await get(`${base()}/Me`)).body.id).toBe(BJENSEN);
    const client = await get(`${base()}/Me`, { authorization: 'Bearer scim-demo-provisioning-client-3e6a0c9d' });
    expect(client.status).toBe(404);
  });

  it('filters with id eq … or …, userName eq (case-insensitive) and not/and/pr', async () => {
    const ids = await list(`id eq "${BJENSEN}" or id eq "${ZOE}" or id eq "nobody"`);
    expect(ids.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
    expect(ids.body.totalResults).toBe(2);
    expect(ids.body.Resources.map((u: any) => u.id).sort()).toEqual([BJENSEN, ZOE].sort());
    expect((await list('userName eq "BJENSEN@example.com"')).body.Resources[0].id).toBe(BJENSEN);
    expect((await list('emails.value co "angstrom"')).body.totalResults).toBe(1);
    expect((await list('active eq false')).body.Resources[0].userName).toBe('jurgen.gross@example.de');
    const enterprise = await list(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Finance"`);
    expect(enterprise.body.totalResults).toBe(1);
    expect((await list('not (title pr) and userType eq "Intern"')).body.totalResults).toBe(1);
  });

  it('filters on group membership and on grouped or-alternatives with escaped strings', async () => {
    const employees = await list('groups.value eq "fc348aa8-3835-40eb-a20b-c726e15c55b5"');
    expect(employees.body.Resources.map((u: any) => u.userName)).toEqual(['bjensen@example.com', 'jsmith@example.com', 'jurgen.gross@example.de']);
    const search = await list('(userName co "BARBARA" or displayName co "barbara" or name.formatted co "BARBARA" or emails.value co "barbara") and active eq true');
    expect(search.body.Resources.map((u: any) => u.id)).toEqual([BJENSEN]);
    expect((await list('userName co "a\\"b"')).body.totalResults).toBe(0);
    const paged = await list('groups.value eq "fc348aa8-3835-40eb-a20b-c726e15c55b5"', '&startIndex=3&count=5');
    expect(paged.body).toMatchObject({ totalResults: 3, startIndex: 3, itemsPerPage: 1 });
  });

  it('serves a group with its members, and 404 or 401 like users', async () => {
    const group = await get(`${base()}/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a`);
    expect(group.status).toBe(200);
    expect(group.type).toMatch(/^application\/scim\+json/);
    expect(group.body).toMatchObject({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id: 'e9e30dba-f08f-4109-8486-d5c6a331660a', displayName: 'Tour Guides' });
    expect(group.body.members).toEqual([
      { value: BJENSEN, $ref: `${base()}/Users/${BJENSEN}`, display: 'Babs Jensen', type: 'User' },
      { value: '0f4d6b8a-2c1e-4a3b-b7d9-6e5c3a1f8d24', $ref: `${base()}/Users/0f4d6b8a-2c1e-4a3b-b7d9-6e5c3a1f8d24`, display: 'Mandy Pepperidge', type: 'User' },
    ]);
    expect(group.body.meta).toEqual({ resourceType: 'Group', location: `${base()}/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a` });
    const slim = await get(`${base()}/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a?excludedAttributes=members`);
    expect(slim.body.members).toBeUndefined();
    expect(slim.body.displayName).toBe('Tour Guides');
    expect((await get(`${base()}/Groups/nope`)).body).toMatchObject({ status: '404' });
    expect((await get(`${base()}/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a`, {})).status).toBe(401);
  });

  it('answers 400 invalidFilter for what it cannot parse', async () => {
    for (const bad of ['emails[type eq "work"]', 'id eq', 'id xx "a"', '(id eq "a"', 'id eq "a" or', '((((((((((((((((((((((((((((((((((id pr))))))))))))))))))))))))))))))))))']) {
      const res = await list(bad);
      expect(res.status, bad).toBe(400);
      expect(res.body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
    }
  });

  it('pages with startIndex and count', async () => {
    const page = await get(`${base()}/Users?startIndex=2&count=2`);
    expect(page.body).toMatchObject({ totalResults: DEMO.users.length, startIndex: 2, itemsPerPage: 2 });
    expect(page.body.Resources.map((u: any) => u.id)).toEqual([DEMO.users[1], DEMO.users[2]].map((u: any) => u.id));
    expect((await get(`${base()}/Users?count=0`)).body.Resources).toEqual([]);
  });

  it('applies attributes and excludedAttributes, always keeping id and schemas', async () => {
    const only = await get(`${base()}/Users/${BJENSEN}?attributes=userName`);
    expect(Object.keys(only.body).sort()).toEqual(['id', 'schemas', 'userName']);
    const without = await get(`${base()}/Users/${BJENSEN}?excludedAttributes=groups,emails`);
    expect(without.body.groups).toBeUndefined();
    expect(without.body.emails).toBeUndefined();
    expect(without.body.userName).toBe('bjensen@example.com');
  });

  it('describes itself at /ServiceProviderConfig without authentication', async () => {
    const on = await get(`${base()}/ServiceProviderConfig`, {});
    expect(on.body.filter).toEqual({ supported: true, maxResults: 200 });
    const off = await get(`${noFilter.url}/scim/v2/ServiceProviderConfig`, {});
    expect(off.body.filter.supported).toBe(false);
  });

  it('can be told not to filter (501) and not to serve /Me (501)', async () => {
    const filtered = await get(`${noFilter.url}/scim/v2/Users?filter=${encodeURIComponent(`id eq "${BJENSEN}"`)}`);
    expect(filtered.status).toBe(501);
    expect(filtered.body.status).toBe('501');
    expect((await get(`${noFilter.url}/scim/v2/Me`)).status).toBe(501);
  });

  it('is read-only and serves nothing outside its base path', async () => {
    const post = await fetch(`${base()}/Users`, { method: 'POST', headers: { ...auth, 'content-type': 'application/scim+json' }, body: '{}' });
    expect(post.status).toBe(405);
    expect((await get(`${sim.url}/Users/${BJENSEN}`)).status).toBe(404);
  });

  it('injects faults like the other simulators', async () => {
    sim.injectFaults([{ fault: { kind: 'status', status: 503 }, path: '/scim/v2/Users' }]);
    expect((await get(`${base()}/Users/${BJENSEN}`)).status).toBe(503);
    expect((await get(`${base()}/Users/${BJENSEN}`)).status).toBe(200);
  });

  it('parses the filter grammar into a tree', () => {
    expect(parseFilter('a eq "x" or b eq "y" and not (c pr)')).toEqual({
      kind: 'or',
      left: { kind: 'compare', op: 'eq', path: 'a', value: 'x' },
      right: { kind: 'and', left: { kind: 'compare', op: 'eq', path: 'b', value: 'y' }, right: { kind: 'not', filter: { kind: 'pr', path: 'c' } } },
    });
  });
});
