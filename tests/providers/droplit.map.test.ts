import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { mapUser } from '../../src/providers/droplit/map-user.js';
import { normalizeDroplitId, parseDroplitUserWire } from '../../src/providers/droplit/wire.js';
import { droppedFields } from '../../src/providers/tolerant.js';

/** The 2016 "read-users" example, verbatim (docs.droplit.io/docs/read-users). */
const EXAMPLE_2016 = {
  id: 'C573b86eeee43dd7ba0244f8a;test',
  ecosystemId: 'C573b86eeee43dd7ba0244f8a',
  uniqueId: 'test',
  meta: { $label: 'Test' },
  email: 'test:::at:::test.com',
  createdAt: '2016-11-30T03:12:03.327Z',
  access: [],
};

/** The user Droplit's own SDK integration test creates (droplit.io-edge `projects/test/src/test.ts`). */
const SDK_TEST_USER = {
  id: 'C573b86eeee43dd7ba0244f8a;testUser',
  ecosystemId: 'C573b86eeee43dd7ba0244f8a',
  uniqueId: 'testUser',
  meta: { $label: 'Test User' },
  email: 'test@test.com',
  createdAt: '2017-05-12T18:22:41.093Z',
  access: [{ environmentId: 'E5915f0a1c4e8b2d0f6a3c7e9', accessLevel: 'Full' }],
};

const map = (raw: unknown) => mapUser(parseDroplitUserWire(raw));

function badResponse(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', provider: 'DROPLIT' });
    return error as GatewayError;
  }
  throw new Error('expected PROVIDER_BAD_RESPONSE');
}

describe('Droplit user mapping', () => {
  it('maps the documented 2016 example to every unified field', () => {
    expect(map(EXAMPLE_2016)).toEqual({
      __typename: 'DroplitUser',
      provider: 'DROPLIT',
      id: 'C573b86eeee43dd7ba0244f8a;test',
      username: 'test',
      email: 'test@test.com',
      displayName: 'Test',
      givenName: null,
      middleName: null,
      familyName: null,
      active: true,
      createdAt: '2016-11-30T03:12:03.327Z',
      updatedAt: null,
      lastLoginAt: null,
      locale: null,
      timezone: null,
      phone: null,
      avatarUrl: null,
      groups: [],
      roles: [],
      ecosystemId: 'C573b86eeee43dd7ba0244f8a',
      uniqueId: 'test',
      meta: { $label: 'Test' },
      access: [],
    });
  });

  it('turns each access grant into a role valued by its level and scoped to its environment', () => {
    const user = map(SDK_TEST_USER);
    expect(user.roles).toEqual([{ value: 'Full', scope: 'E5915f0a1c4e8b2d0f6a3c7e9' }]);
    expect(user.access).toEqual([{ environmentId: 'E5915f0a1c4e8b2d0f6a3c7e9', accessLevel: 'Full' }]);
    expect(user.groups).toEqual([]);
  });

  it('keeps a plain email as it is', () => {
    expect(map(SDK_TEST_USER).email).toBe('test@test.com');
  });

  it('decodes the :::at::: encoding of old data', () => {
    expect(map({ ...EXAMPLE_2016, email: 'first.last:::at:::example.org' }).email).toBe('first.last@example.org');
  });

  it('reads an absent, null or empty email as null', () => {
    const { email: _email, ...withoutEmail } = EXAMPLE_2016;
    expect(map(withoutEmail).email).toBeNull();
    expect(map({ ...EXAMPLE_2016, email: null }).email).toBeNull();
    expect(map({ ...EXAMPLE_2016, email: '' }).email).toBeNull();
  });

  it('falls back to the uniqueId for displayName when meta has no usable $label', () => {
    expect(map({ ...EXAMPLE_2016, meta: {} }).displayName).toBe('test');
    expect(map({ ...EXAMPLE_2016, meta: { $label: '  ' } }).displayName).toBe('test');
    expect(map({ ...EXAMPLE_2016, meta: { $label: 42 } }).displayName).toBe('test');
  });

  it('passes meta through untouched, including non-system keys', () => {
    const meta = { $label: 'Zoë', team: 'ops', nested: { floor: 3 } };
    expect(map({ ...EXAMPLE_2016, meta }).meta).toEqual(meta);
  });

  it('reads absent or null meta and access as empty', () => {
    const { meta: _meta, access: _access, ...bare } = EXAMPLE_2016;
    const user = map(bare);
    expect(user.meta).toEqual({});
    expect(user.access).toEqual([]);
    expect(map({ ...EXAMPLE_2016, meta: null, access: null }).roles).toEqual([]);
  });

  it('tolerates createdAt without milliseconds', () => {
    expect(map({ ...EXAMPLE_2016, createdAt: '2018-07-06T20:14:55Z' }).createdAt).toBe('2018-07-06T20:14:55Z');
  });

  it('reads an absent createdAt as null', () => {
    const { createdAt: _createdAt, ...withoutDate } = EXAMPLE_2016;
    expect(map(withoutDate).createdAt).toBeNull();
  });

  it('turns the docs placeholder date into a field error, not a failed user', () => {
    const user = map({ ...EXAMPLE_2016, createdAt: 'YYYY-MM-DD HH:MM:SS ENCODED' });
    expect(user.createdAt).toBeInstanceOf(GatewayError);
    expect((user.createdAt as GatewayError).extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', provider: 'DROPLIT', reason: 'BAD_TIMESTAMP' });
    expect((user.createdAt as GatewayError).message).not.toContain('YYYY');
    expect(user.username).toBe('test');
  });

  it('keeps a uniqueId with |, ;, spaces and Unicode whole, and its id is accepted back unchanged', () => {
    const user = map({
      ...EXAMPLE_2016,
      id: 'C594b4a7e42a2ab152bca2195;auth0|Zoë Ødegård;ops',
      ecosystemId: 'C594b4a7e42a2ab152bca2195',
      uniqueId: 'auth0|Zoë Ødegård;ops',
    });
    expect(user.username).toBe('auth0|Zoë Ødegård;ops');
    expect(normalizeDroplitId(user.id)).toBe(user.id);
  });
});

describe('Droplit wire validation', () => {
  it('names the first bad field without copying its value', () => {
    const error = badResponse(() => parseDroplitUserWire({ ...EXAMPLE_2016, uniqueId: 12345 }));
    expect(error.message).toBe('droplit: body.uniqueId: expected string');
  });

  it('leaves out an access entry it cannot read, keeping the others and noting the drop', () => {
    const user = map({ ...EXAMPLE_2016, access: [{ environmentId: 'E1', accessLevel: null }, { environmentId: 'E2', accessLevel: 'Full' }, 'Full'] });
    expect(user.access).toEqual([{ environmentId: 'E2', accessLevel: 'Full' }]);
    expect(user.roles).toEqual([{ value: 'Full', scope: 'E2' }]);
    expect(droppedFields(user)).toEqual(['access[]']);
  });

  it('reads access, meta, email or createdAt of another type as empty, keeping the user', () => {
    const user = map({ ...EXAMPLE_2016, access: 'Full', meta: ['x'], email: 42 });
    expect(user).toMatchObject({ id: EXAMPLE_2016.id, username: 'test', access: [], roles: [], meta: {}, email: null, displayName: 'test' });
    expect(droppedFields(user)).toEqual(['meta', 'email', 'access']);
    const dated = map({ ...EXAMPLE_2016, createdAt: 1480475523327 });
    expect(dated.createdAt).toBeInstanceOf(GatewayError);
    expect((dated.createdAt as GatewayError).extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', reason: 'BAD_TIMESTAMP' });
  });

  it('still refuses a record whose identity fields are missing', () => {
    const { uniqueId: _u, ...noUniqueId } = EXAMPLE_2016;
    expect(badResponse(() => parseDroplitUserWire(noUniqueId)).message).toBe('droplit: body.uniqueId: expected string');
    const { id: _i, ...noId } = EXAMPLE_2016;
    expect(badResponse(() => parseDroplitUserWire(noId)).message).toBe('droplit: body.id: expected string');
  });

  it('refuses a body that is not an object', () => {
    expect(badResponse(() => parseDroplitUserWire(undefined)).message).toBe('droplit: body: expected object');
    badResponse(() => parseDroplitUserWire([EXAMPLE_2016]));
    badResponse(() => parseDroplitUserWire({ items: [EXAMPLE_2016] }));
  });

  it('refuses an id that is not the composite of ecosystemId and uniqueId', () => {
    badResponse(() => parseDroplitUserWire({ ...EXAMPLE_2016, id: 'C573b86eeee43dd7ba0244f8a;other' }));
    badResponse(() => parseDroplitUserWire({ ...EXAMPLE_2016, id: 'test' }));
    badResponse(() => parseDroplitUserWire({ ...EXAMPLE_2016, ecosystemId: 'C000000000000000000000000' }));
  });
});
