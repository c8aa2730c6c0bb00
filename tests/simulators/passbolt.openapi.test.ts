/**
 * Passbolt's own OpenAPI 3.1 description as a test oracle: what the simulator serves must validate
 * against the response schemas Passbolt publishes (passbolt/passbolt-docs `openapi/`, commit ad2ff01,
 * AGPL-3.0, so it is read from beside the checkout rather than copied in: `../shared/contracts/
 * passbolt-openapi/`, or the folder named by PASSBOLT_OPENAPI_DIR). Where the description itself is wrong, the fix
 * is narrow, applied to the compiled copy only, and explained in `repairSpecSlips` below.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { dereference } from '@readme/openapi-parser';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { startPassboltSimulator } from '../../src/simulators/passbolt/index.js';
import type { RunningSimulator } from '../../src/simulators/http-simulator.js';
import demoData from '../../src/simulators/passbolt/demo-data.json' with { type: 'json' };
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';

const SPEC_DIR = [process.env.PASSBOLT_OPENAPI_DIR, resolve(import.meta.dirname, '../../../shared/contracts/passbolt-openapi')]
  .filter((dir): dir is string => Boolean(dir))
  .find((dir) => existsSync(resolve(dir, 'root.yml')));
const SPEC = SPEC_DIR && resolve(SPEC_DIR, 'root.yml');
if (!SPEC) console.warn('passbolt.openapi.test: Passbolt OpenAPI description not found beside the checkout; set PASSBOLT_OPENAPI_DIR to run the oracle.');
const ADA_TOKEN = DEMO_CREDENTIALS.PASSBOLT['X-Passbolt-Token'];
const CAROL = 'd1db2a3e-1676-4440-bc34-1aacc89fa90f';
const LEADERSHIP = '8a3c5c4e-e931-4e6b-854a-9b2e9afcd3bc';
const CAROL_TOKEN = Object.entries(demoData.tokens).find(([, id]) => id === CAROL)![0];
const demoUsers = demoData.users as Array<{ id: string; deleted: boolean }>;

type Schema = Record<string, unknown>;

/**
 * Copies a dereferenced schema, replacing a schema that contains itself with `true`. Passbolt's
 * `groupsUsersIndexAndView` embeds an optional `user`, whose `groups_users` embeds the group user
 * again; Ajv cannot compile a cyclic object. Only that nested `groups_users[].user` loses checking,
 * and Passbolt's user view never sends it.
 */
function acyclic(node: unknown, ancestors: Set<unknown> = new Set()): unknown {
  if (typeof node !== 'object' || node === null) return node;
  if (ancestors.has(node)) return true;
  ancestors.add(node);
  const copy = Array.isArray(node) ? node.map((item) => acyclic(item, ancestors)) : Object.fromEntries(Object.entries(node).map(([k, v]) => [k, acyclic(v, ancestors)]));
  ancestors.delete(node);
  return copy;
}

/**
 * The description's known slips, each repaired where it occurs:
 *
 * 1. `x-nullable: true` is the Swagger 2 / OpenAPI 3.0 way of saying "or null"; OpenAPI 3.1 uses
 *    JSON Schema 2020-12 and ignores it. The description's own examples send null there
 *    (`disabled`, `last_logged_in`, `gpgkey.expires`, `pagination.limit`, and `gpgkey` before
 *    setup), so each such schema gets `null` added.
 * 2. `header.url` is `format: uri`, yet the described value is a path ("/auth/verify.json" in the
 *    description itself, "/users/<uuid>.json" in the 2019 docs): it is a URI reference.
 * 3. `userIndexAndView.groups_users` refers to one `groupsUsersIndexAndView` object, while every
 *    example (and the server) sends an array of them.
 */
function repairSpecSlips(node: unknown, path: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((item, i) => repairSpecSlips(item, [...path, String(i)]));
  if (typeof node !== 'object' || node === null) return node;
  const schema: Schema = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, repairSpecSlips(v, [...path, k])]));
  // The property a schema describes: `…/properties/<name>`; `owner` is the object holding it.
  const property = path.at(-2) === 'properties' ? path.at(-1) : undefined;
  const owner = path.at(-3);
  if (owner === 'header' && property === 'url' && schema.format === 'uri') schema.format = 'uri-reference';
  if (property === 'groups_users' && schema.type === 'object') {
    return { type: 'array', items: schema };
  }
  if (schema['x-nullable'] === true) {
    const { 'x-nullable': _nullable, ...rest } = schema;
    return { anyOf: [rest, { type: 'null' }] };
  }
  return schema;
}

let api: any;
let sim: RunningSimulator;
const ajv = new Ajv2020({ strict: false, allErrors: true });
// ajv-formats is CommonJS: under NodeNext its default import is the module, whose `default` is the plugin.
ajvFormats.default(ajv);

function validator(path: string, status: number): ValidateFunction {
  const schema = api.paths[path].get.responses[String(status)].content['application/json'].schema;
  return ajv.compile(repairSpecSlips(acyclic(schema)) as Schema);
}

function expectValid(validate: ValidateFunction, value: unknown, label: string): void {
  const ok = validate(value);
  expect(ok ? [] : ajv.errorsText(validate.errors, { separator: '\n' }).split('\n'), label).toEqual([]);
}

async function get(path: string, token: string | null = ADA_TOKEN) {
  const res = await fetch(`${sim.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as any };
}

beforeAll(async () => {
  if (!SPEC) return;
  api = await dereference(SPEC);
  sim = await startPassboltSimulator(structuredClone(demoData));
});

afterAll(async () => {
  await sim?.close();
});

describe.skipIf(!SPEC)('Passbolt simulator against Passbolt\'s OpenAPI description', () => {
  it('serves every visible demo user as a valid 200 of GET /users/{userId}.json', async () => {
    const validate = validator('/users/{userId}.json', 200);
    const visible = demoUsers.filter((u) => !u.deleted);
    expect(visible.length).toBeGreaterThanOrEqual(5);
    for (const user of visible) {
      const res = await get(`/users/${user.id}.json`);
      expect(res.status, user.id).toBe(200);
      expectValid(validate, res.body, user.id);
    }
  });

  it('serves a valid 200 for me, for an admin and for a regular user', async () => {
    const validate = validator('/users/{userId}.json', 200);
    for (const token of [ADA_TOKEN, CAROL_TOKEN]) {
      const res = await get('/users/me.json', token);
      expect(res.status).toBe(200);
      expectValid(validate, res.body, 'me');
    }
  });

  it('serves valid 400, 401 and 404 error envelopes', async () => {
    const cases = [
      { status: 400, path: '/users/not-a-uuid.json', token: ADA_TOKEN },
      { status: 400, path: '/users/me.json?api-version=v1', token: ADA_TOKEN },
      { status: 401, path: `/users/${CAROL}.json`, token: null },
      { status: 401, path: '/users/me.json', token: 'eyJ.unknown.token' },
      { status: 404, path: '/users/20d1fa38-7d83-4006-bc4a-32d52c0ce93d.json', token: ADA_TOKEN },
      { status: 404, path: `/users/${demoUsers.find((u) => u.deleted)!.id}.json`, token: ADA_TOKEN },
    ];
    for (const { status, path, token } of cases) {
      const res = await get(path, token);
      expect(res.status, path).toBe(status);
      expectValid(validator('/users/{userId}.json', status), res.body, path);
    }
  });

  it('serves a valid 200 of GET /users.json, plain, paginated and with contains dropped', async () => {
    const validate = validator('/users.json', 200);
    for (const query of ['', '?limit=2&page=2', '?contain[gpgkey]=0&contain[role]=0', '?contain[is_mfa_enabled]=1&contain[missing_metadata_key_ids]=1']) {
      const res = await get(`/users.json${query}`);
      expect(res.status).toBe(200);
      expectValid(validate, res.body, query);
    }
    expectValid(validate, (await get('/users.json', CAROL_TOKEN)).body, 'regular user');
  });

  it('serves a valid 200 of GET /users.json for every query the gateway sends', async () => {
    const validate = validator('/users.json', 200);
    const queries = [
      '?page=3&limit=2',
      '?filter[search]=passbolt&page=1&limit=20',
      `?filter[has-groups][]=${LEADERSHIP}&page=1&limit=1`,
      '?filter[is-active]=1&contain[profile]=0&contain[role]=0&contain[gpgkey]=0&contain[groups_users]=0',
      '?filter[search]=carol@passbolt.com&contain[is_mfa_enabled]=1',
      '?page=9&limit=5',
    ];
    for (const query of queries) {
      for (const token of [ADA_TOKEN, CAROL_TOKEN]) {
        const res = await get(`/users.json${query}`, token);
        expect(res.status, query).toBe(200);
        expectValid(validate, res.body, query);
      }
    }
  });

  it('serves valid 200, 400, 401 and 404 answers of GET /groups/{groupId}.json', async () => {
    const cases = [
      { status: 200, path: `/groups/${LEADERSHIP}.json`, token: CAROL_TOKEN },
      { status: 200, path: `/groups/${LEADERSHIP.toUpperCase()}.json`, token: ADA_TOKEN },
      { status: 400, path: '/groups/leadership.json', token: ADA_TOKEN },
      { status: 401, path: `/groups/${LEADERSHIP}.json`, token: null },
      { status: 404, path: '/groups/20d1fa38-7d83-4006-bc4a-32d52c0ce93d.json', token: ADA_TOKEN },
    ];
    for (const { status, path, token } of cases) {
      const res = await get(path, token);
      expect(res.status, path).toBe(status);
      expectValid(validator('/groups/{groupId}.json', status), res.body, path);
    }
  });

  it('accepts the description\'s own view example once the username it omits is added (the repairs are not too loose or too strict)', () => {
    const validate = validator('/users/{userId}.json', 200);
    const example = structuredClone(api.paths['/users/{userId}.json'].get.responses['200'].content['application/json'].examples.base.value);
    expect(validate(example)).toBe(false);
    example.body.username = 'ada@passbolt.local';
    expectValid(validate, example, 'example');
  });

  it('still rejects what the description forbids', () => {
    const validate = validator('/users/{userId}.json', 200);
    const good = structuredClone(api.paths['/users/{userId}.json'].get.responses['200'].content['application/json'].examples.base.value);
    good.body.username = 'ada@passbolt.local';
    const broken = [
      (v: any) => (v.body.disabled = 'yesterday'),
      (v: any) => (v.body.role.name = 'superuser'),
      (v: any) => (v.body.gpgkey.type = 'DSA'),
      (v: any) => (v.body.groups_users = { id: 'x' }),
      (v: any) => (v.header.status = 'ok'),
      (v: any) => delete v.body.active,
    ];
    for (const breakIt of broken) {
      const value = structuredClone(good);
      breakIt(value);
      expect(validate(value), breakIt.toString()).toBe(false);
    }
  });
});
