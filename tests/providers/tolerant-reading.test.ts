/**
 * Tolerant reading: a record that lacks, or mistypes, any one field other than the user's identity
 * still yields the user. Property tests start from each simulator's demo records, break one field at
 * any depth (drop it, or swap its type), and check that the mapper still returns the user with its
 * identity intact and every field that does not derive from the broken one unchanged. An end-to-end
 * test shows the same through GraphQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import type { UserModel } from '../../src/model.js';
import { mapUser as mapBellaDati } from '../../src/providers/belladati/map-user.js';
import { parseBellaDatiUserWire } from '../../src/providers/belladati/wire.js';
import { mapUser as mapDroplit } from '../../src/providers/droplit/map-user.js';
import { parseDroplitUserWire } from '../../src/providers/droplit/wire.js';
import { mapUser as mapPassbolt } from '../../src/providers/passbolt/map-user.js';
import { parsePassboltUserWire } from '../../src/providers/passbolt/wire.js';
import { mapUser as mapSyncano } from '../../src/providers/syncano/map-user.js';
import { parseSyncanoUserWire } from '../../src/providers/syncano/wire.js';
import { droppedFields } from '../../src/providers/tolerant.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import type { BellaDatiSimulatorData } from '../../src/simulators/belladati/index.js';
import belladatiDemo from '../../src/simulators/belladati/demo-data.json' with { type: 'json' };
import droplitDemo from '../../src/simulators/droplit/demo-data.json' with { type: 'json' };
import passboltDemo from '../../src/simulators/passbolt/demo-data.json' with { type: 'json' };
import syncanoDemo from '../../src/simulators/syncano/demo-data.json' with { type: 'json' };
import { startStack, type Stack } from '../helpers/stack.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

/** One way to break a field: leave it out, or send a value of another type. */
const BREAKS = ['drop', 'swap', 'object', 'array', 'null', 'boolean'] as const;
type Break = (typeof BREAKS)[number];

/** Every path in a record, at any depth (object keys and list entries), parents before children. */
function pathsOf(value: Json, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: Array<[string | number, Json]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

/** A copy of `record` with the field at `path` broken the way `how` says. */
function broken(record: Json, path: Path, how: Break): Json {
  const copy = structuredClone(record);
  let parent: any = copy;
  for (const key of path.slice(0, -1)) parent = parent[key];
  const last = path[path.length - 1]!;
  const current = parent[last] as Json;
  if (how === 'drop') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
    return copy;
  }
  parent[last] = {
    // number ↔ string; anything else becomes a string
    swap: typeof current === 'number' ? String(current) : typeof current === 'string' ? 42 : 'x',
    object: typeof current === 'object' && current !== null && !Array.isArray(current) ? 'x' : { unexpected: 1 },
    array: Array.isArray(current) ? 7 : [current],
    null: current === null ? 0 : null,
    boolean: typeof current === 'boolean' ? 'true' : true,
  }[how];
  return copy;
}

interface ProviderCase {
  name: string;
  records: Json[];
  /** Record keys that identify the user: breaking them may (and does) fail the user. */
  identity: string[];
  /** Model fields that only the identity determines: equal to the unbroken record's whatever is broken. */
  identityFields: string[];
  /** Per top-level record key, the model fields derived from it (they alone may change). */
  derived: Record<string, string[]>;
  /** Model fields the schema declares non-null besides identity: a value, or an error on that field. */
  nonNull: string[];
  map(raw: Json): UserModel;
}

const PASSBOLT_BASE = 'https://passbolt.example.com';

const CASES: ProviderCase[] = [
  {
    name: 'Syncano',
    records: syncanoDemo.users as unknown as Json[],
    identity: ['id', 'username'],
    identityFields: ['__typename', 'provider', 'id', 'username', 'active', 'middleName', 'lastLoginAt', 'locale', 'timezone', 'phone', 'roles'],
    derived: {
      profile: ['profile', 'email', 'givenName', 'familyName', 'displayName', 'avatarUrl', 'createdAt', 'updatedAt'],
      groups: ['groups', 'syncanoGroups'],
      links: ['links'],
      user_key: [],
    },
    nonNull: ['active', 'groups', 'roles', 'syncanoGroups', 'links'],
    map: (raw) => mapSyncano(parseSyncanoUserWire(raw)),
  },
  {
    name: 'Droplit',
    records: droplitDemo.users as unknown as Json[],
    identity: ['id', 'ecosystemId', 'uniqueId'],
    identityFields: ['__typename', 'provider', 'id', 'username', 'ecosystemId', 'uniqueId', 'active', 'groups'],
    derived: {
      meta: ['meta', 'displayName'],
      email: ['email'],
      createdAt: ['createdAt'],
      access: ['access', 'roles'],
    },
    nonNull: ['active', 'groups', 'roles', 'meta', 'access'],
    map: (raw) => mapDroplit(parseDroplitUserWire(raw)),
  },
  {
    name: 'Passbolt',
    records: passboltDemo.users as unknown as Json[],
    identity: ['id', 'username'],
    identityFields: ['__typename', 'provider', 'id', 'username', 'email', 'locale', 'timezone', 'phone'],
    derived: {
      role_id: ['roleId'],
      active: ['active', 'setupCompleted'],
      deleted: ['deleted'],
      created: ['createdAt'],
      modified: ['updatedAt'],
      disabled: ['disabled', 'active'],
      last_logged_in: ['lastLoginAt'],
      is_mfa_enabled: ['isMfaEnabled'],
      profile: ['profile', 'givenName', 'familyName', 'displayName', 'avatarUrl'],
      role: ['role', 'roles'],
      gpgkey: ['gpgkey'],
      groups_users: ['groups', 'groupsUsers'],
      // Not part of the user the gateway serves.
      missing_metadata_key_ids: [],
    },
    nonNull: ['active', 'groups', 'roles', 'roleId', 'setupCompleted', 'deleted', 'groupsUsers'],
    map: (raw) => mapPassbolt(parsePassboltUserWire({ header: { status: 'success' }, body: raw }), { baseUrl: PASSBOLT_BASE }),
  },
  {
    name: 'BellaDati',
    records: belladatiDemo.users as unknown as Json[],
    identity: ['id', 'username'],
    identityFields: ['__typename', 'provider', 'id', 'username', 'createdAt', 'updatedAt', 'avatarUrl'],
    derived: {
      domain_id: ['domainId'],
      firstName: ['givenName', 'displayName'],
      name: ['givenName', 'displayName'],
      middleName: ['middleName', 'displayName'],
      lastName: ['familyName', 'displayName'],
      surname: ['familyName', 'displayName'],
      email: ['email'],
      active: ['active'],
      info: ['info'],
      firstLogin: ['firstLoginAt'],
      lastLogin: ['lastLoginAt'],
      phone: ['phone'],
      timeZone: ['timezone'],
      locale: ['locale'],
      roles: ['roles'],
      groups: ['groups'],
    },
    nonNull: ['active', 'groups', 'roles', 'domainId'],
    map: (raw) => mapBellaDati(parseBellaDatiUserWire(raw)),
  },
];

/** A fixed seed: the same broken records on every run and every machine. */
const SEED = 20_240_611;

describe.each(CASES)('$name: one broken non-identity field never fails the user', (provider) => {
  const baselines = provider.records.map((record) => provider.map(record));
  const breakable = provider.records.map((record) => pathsOf(record).filter((path) => !(path.length === 1 && provider.identity.includes(path[0] as string))));

  it('maps every demo record as it is (the property starts from valid records)', () => {
    expect(baselines.length).toBeGreaterThan(0);
    for (const user of baselines) expect(droppedFields(user)).toEqual([]);
  });

  it('keeps identity, leaves every field not derived from the broken one unchanged, and serves each non-null field', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.constantFrom(...BREAKS), (r, p, how) => {
        const index = r % provider.records.length;
        const paths = breakable[index]!;
        const path = paths[p % paths.length]!;
        const baseline = baselines[index] as unknown as Record<string, unknown>;
        const user = provider.map(broken(provider.records[index]!, path, how)) as unknown as Record<string, unknown>;

        const top = String(path[0]);
        const mayChange = new Set(provider.derived[top] ?? []);
        expect(provider.derived[top], `no derived fields listed for ${top}`).toBeDefined();
        for (const field of provider.identityFields) expect(user[field], field).toEqual(baseline[field]);
        for (const [field, value] of Object.entries(baseline)) {
          if (!mayChange.has(field)) expect(user[field], `${field} after breaking ${path.join('.')}`).toEqual(value);
        }
        for (const field of provider.nonNull) {
          const value = user[field];
          expect(value === null || value === undefined, `${field} is null`).toBe(false);
        }
        for (const field of ['groups', 'roles']) expect(Array.isArray(user[field])).toBe(true);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('still refuses a record whose identity field is dropped or of another type', () => {
    for (const key of provider.identity) {
      for (const how of ['drop', 'object', 'null'] as const) {
        expect(() => provider.map(broken(provider.records[0]!, [key], how)), `${key} ${how}`).toThrowError(
          expect.objectContaining({ code: 'PROVIDER_BAD_RESPONSE' }),
        );
      }
    }
  });
});

describe('non-null fields that cannot be read become an error on that field alone', () => {
  const passbolt = (passboltDemo.users as Array<Record<string, any>>)[0]!;
  const mapP = CASES[2]!.map;

  it('Passbolt: an unreadable active, deleted or role_id; a role, key or profile without its ids', () => {
    const raw = structuredClone(passbolt);
    raw.active = 'yes';
    delete raw.deleted;
    raw.role_id = 7;
    delete raw.role.name;
    raw.gpgkey.fingerprint = ['03F6'];
    delete raw.profile.id;
    const user = mapP(raw) as any;
    for (const value of [user.active, user.setupCompleted, user.deleted, user.roleId, user.role.name, user.gpgkey.fingerprint, user.profile.id]) {
      expect(value).toBeInstanceOf(GatewayError);
      expect((value as GatewayError).extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', provider: 'PASSBOLT', reason: 'BAD_FIELD' });
    }
    expect(user.roles).toEqual([]);
    expect(user).toMatchObject({ id: passbolt.id, username: passbolt.username, givenName: 'Ada', gpgkey: { keyId: '5D9B054F' } });
  });

  it('Passbolt: a disabled value of another type still reads as disabled (inactive), never as enabled', () => {
    const user = mapP({ ...passbolt, disabled: 1736958000 }) as any;
    expect(user.active).toBe(false);
    expect(user.disabled).toBeInstanceOf(GatewayError);
  });

  it('Passbolt: a membership without its group id is left out; one without its own id or admin flag still counts as a group', () => {
    const group = 'a3c5c4e9-e931-4e6b-854a-9b2e9afcd3bc';
    const user = mapP({
      ...passbolt,
      groups_users: [{ id: 'x', is_admin: true }, { group_id: group, is_admin: 'no' }, { id: 'y', group_id: group, is_admin: false }],
    }) as any;
    expect(user.groups).toEqual([{ id: group, name: null, description: null }, { id: group, name: null, description: null }]);
    expect(user.groupsUsers).toEqual([{ id: 'y', groupId: group, isAdmin: false, createdAt: null }]);
  });
});

describe('BellaDati through GraphQL: a record without locale or with a broken field answers the rest', () => {
  const DEMO = belladatiDemo as BellaDatiSimulatorData;
  const TOKEN = DEMO_CREDENTIALS.BELLADATI['X-BellaDati-Token'];
  const john = (DEMO.users as Array<Record<string, unknown>>).find((u) => u.id === '123')!;
  const { locale: _locale, ...noLocale } = john;
  const DATA: BellaDatiSimulatorData = {
    ...DEMO,
    users: [john, { ...noLocale, id: '710' }, { ...john, id: '711', active: 'yes', roles: [{ role: 'REPORT_ADMIN' }, { name: 'ADMIN' }] }],
  };
  const ALL = `id provider username email displayName givenName middleName familyName active
    createdAt updatedAt lastLoginAt locale timezone phone avatarUrl
    groups { id name description } roles { value scope }
    ... on BellaDatiUser { domainId info firstLoginAt }`;
  const WITHOUT_ACTIVE = ALL.replace(' active\n', '\n');
  const query = (fields: string) => `query($id: ID!) { user(provider: BELLADATI, id: $id) { ${fields} } }`;

  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ data: { belladati: DATA } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('serves a user whose record has no locale, with locale null, every other field, and no error', async () => {
    const full = await stack.gql(query(ALL), { id: '123' }, { 'X-BellaDati-Token': TOKEN });
    const res = await stack.gql(query(ALL), { id: '710' }, { 'X-BellaDati-Token': TOKEN });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(full.body.data.user.locale).toBe('cs');
    expect(res.body.data.user).toEqual({ ...full.body.data.user, id: '710', locale: null });
  });

  it('turns an unreadable active flag into a PROVIDER_BAD_RESPONSE on active alone, and drops only the unreadable role', async () => {
    const res = await stack.gql(query(WITHOUT_ACTIVE), { id: '711' }, { 'X-BellaDati-Token': TOKEN });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.user).toMatchObject({ id: '711', username: john.username, locale: 'cs', domainId: '45', roles: [{ value: 'REPORT_ADMIN', scope: null }] });

    const withActive = await stack.gql(query('id username active'), { id: '711' }, { 'X-BellaDati-Token': TOKEN });
    expect(withActive.body.errors).toHaveLength(1);
    expect(withActive.body.errors[0]).toMatchObject({
      path: ['user', 'active'],
      message: 'belladati: body.active: expected boolean',
      extensions: { code: 'PROVIDER_BAD_RESPONSE', provider: 'BELLADATI', reason: 'BAD_FIELD' },
    });
    expect(withActive.text).not.toContain('"yes"');
  });
});
