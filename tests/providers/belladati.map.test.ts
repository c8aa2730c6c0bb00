import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { mapUser } from '../../src/providers/belladati/map-user.js';
import { parseBellaDatiUserWire } from '../../src/providers/belladati/wire.js';
import { droppedFields } from '../../src/providers/tolerant.js';

/** The GET User Detail sample (`/api/users/123`), verbatim from BellaDati's doc page. */
const SEED = {
  id: '123',
  username: 'myusername@example.com',
  domain_id: '45',
  firstName: 'John',
  middleName: 'Middle',
  lastName: 'Doe',
  email: 'myusername@example.com',
  active: true,
  info: "I'm pretty cool",
  firstLogin: 'Thu, 14 Jan 2012 15:33:28 GMT',
  lastLogin: 'Tue, 12 Apr 2016 11:40:58 GMT',
  phone: '(555) 123 456 789',
  timeZone: 'Europe/Prague',
  locale: 'cs',
  roles: [{ role: 'WORKSPACE_ADMIN' }],
  groups: [{ id: '56', name: 'My User Group nr.1' }],
};

const map = (raw: unknown) => mapUser(parseBellaDatiUserWire(raw));

function without(record: Record<string, unknown>, ...names: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([name]) => !names.includes(name)));
}

function badResponse(raw: unknown): GatewayError {
  try {
    parseBellaDatiUserWire(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('PROVIDER_BAD_RESPONSE');
    expect((error as GatewayError).provider).toBe('BELLADATI');
    return error as GatewayError;
  }
  throw new Error('expected the record to be rejected');
}

describe('BellaDati adapter: mapUser', () => {
  it('maps the documented GET User Detail sample to every unified and extension field', () => {
    expect(map(SEED)).toEqual({
      __typename: 'BellaDatiUser',
      provider: 'BELLADATI',
      id: '123',
      username: 'myusername@example.com',
      email: 'myusername@example.com',
      displayName: 'John Middle Doe',
      givenName: 'John',
      middleName: 'Middle',
      familyName: 'Doe',
      active: true,
      createdAt: null,
      updatedAt: null,
      lastLoginAt: '2016-04-12T11:40:58Z',
      locale: 'cs',
      timezone: 'Europe/Prague',
      phone: '(555) 123 456 789',
      avatarUrl: null,
      groups: [{ id: '56', name: 'My User Group nr.1', description: null }],
      roles: [{ value: 'WORKSPACE_ADMIN', scope: null }],
      domainId: '45',
      info: "I'm pretty cool",
      firstLoginAt: '2012-01-14T15:33:28Z',
    });
  });

  it('ignores the wrong weekday of the sample (14 Jan 2012 was a Saturday, the doc says Thu)', () => {
    expect(map(SEED).firstLoginAt).toBe('2012-01-14T15:33:28Z');
    expect(map({ ...SEED, lastLogin: 'Mon, 12 Apr 2016 11:40:58 GMT' }).lastLoginAt).toBe('2016-04-12T11:40:58Z');
  });

  it('reads the Java SDK spelling name/surname when firstName/lastName are absent', () => {
    const user = map({ ...without(SEED, 'firstName', 'middleName', 'lastName'), name: 'Jana', surname: 'Nováková' });
    expect(user.givenName).toBe('Jana');
    expect(user.familyName).toBe('Nováková');
    expect(user.middleName).toBeNull();
    expect(user.displayName).toBe('Jana Nováková');
  });

  it('prefers the documented firstName/lastName over name/surname when both are sent', () => {
    const user = map({ ...SEED, name: 'Johnny', surname: 'Doeson' });
    expect(user.givenName).toBe('John');
    expect(user.familyName).toBe('Doe');
  });

  it('falls back to name/surname when firstName/lastName are empty strings', () => {
    const user = map({ ...SEED, firstName: '', lastName: '', name: 'Jan', surname: 'Novák' });
    expect([user.givenName, user.familyName]).toEqual(['Jan', 'Novák']);
  });

  it('leaves the middle name out of displayName when the record has none (older doc revisions)', () => {
    const user = map(without(SEED, 'middleName'));
    expect(user.middleName).toBeNull();
    expect(user.displayName).toBe('John Doe');
  });

  it('uses the username as displayName when the user has no name at all', () => {
    const user = map({ ...without(SEED, 'middleName'), firstName: '', lastName: '  ' });
    expect(user.givenName).toBeNull();
    expect(user.familyName).toBeNull();
    expect(user.displayName).toBe('myusername@example.com');
  });

  it('maps a user who never logged in (no firstLogin/lastLogin) to null login dates', () => {
    const user = map(without(SEED, 'firstLogin', 'lastLogin'));
    expect(user.lastLoginAt).toBeNull();
    expect(user.firstLoginAt).toBeNull();
  });

  it('accepts a null email, info, phone and timeZone ("BellaDati can return null")', () => {
    const user = map({ ...SEED, email: null, info: null, phone: null, timeZone: null });
    expect([user.email, user.info, user.phone, user.timezone]).toEqual([null, null, null, null]);
  });

  it('maps an inactive user to active: false', () => {
    expect(map({ ...SEED, active: false }).active).toBe(false);
  });

  it('keeps ids as opaque digit strings, leading zeros included', () => {
    const user = map({ ...SEED, id: '0123', domain_id: '007', groups: [{ id: '056', name: 'G' }] });
    expect(user.id).toBe('0123');
    expect(user.domainId).toBe('007');
    expect(user.groups[0]!.id).toBe('056');
  });

  it('maps every role to {value, scope: null} and keeps a group description when one is sent', () => {
    const user = map({
      ...SEED,
      roles: [{ role: 'ADMIN' }, { role: 'WORKSPACE_ADMIN' }, { role: 'DATASET_ADMIN' }, { role: 'REPORT_ADMIN' }],
      groups: [
        { id: '56', name: 'My User Group nr.1', description: null },
        { id: '345', name: 'My User Group nr.2', description: 'This is description' },
      ],
    });
    expect(user.roles.map((r) => r.value)).toEqual(['ADMIN', 'WORKSPACE_ADMIN', 'DATASET_ADMIN', 'REPORT_ADMIN']);
    expect(user.roles.every((r) => r.scope === null)).toBe(true);
    expect(user.groups[1]).toEqual({ id: '345', name: 'My User Group nr.2', description: 'This is description' });
  });

  it('maps empty roles and groups to empty lists', () => {
    const user = map({ ...SEED, roles: [], groups: [] });
    expect(user.roles).toEqual([]);
    expect(user.groups).toEqual([]);
  });

  it('turns an unparseable login date into an error on that field only', () => {
    const user = map({ ...SEED, lastLogin: 'yesterday' });
    expect(user.lastLoginAt).toBeInstanceOf(GatewayError);
    const error = user.lastLoginAt as GatewayError;
    expect(error.code).toBe('PROVIDER_BAD_RESPONSE');
    expect(error.extensions.reason).toBe('BAD_TIMESTAMP');
    expect(error.message).not.toContain('yesterday');
    expect(user.firstLoginAt).toBe('2012-01-14T15:33:28Z');
    expect(user.username).toBe('myusername@example.com');
  });

  it('drops fields the contract does not document, so nothing unknown reaches the model', () => {
    const user = map({ ...SEED, password: 'hunter2', oauth_token_secret: 'nd7an9eba41c' });
    expect(JSON.stringify(user)).not.toContain('hunter2');
    expect(JSON.stringify(user)).not.toContain('nd7an9eba41c');
  });
});

describe('BellaDati adapter: parseBellaDatiUserWire', () => {
  it('rejects a numeric id and names the field', () => {
    expect(badResponse({ ...SEED, id: 123 }).message).toBe('belladati: body.id: expected string');
  });

  it('rejects an id that is not a digit string', () => {
    expect(badResponse({ ...SEED, id: 'abc' }).message).toContain('body.id');
  });

  it('keeps a record without domain_id, with an error on domainId alone', () => {
    const user = map(without(SEED, 'domain_id'));
    expect(user.domainId).toBeInstanceOf(GatewayError);
    expect((user.domainId as GatewayError).extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', provider: 'BELLADATI', reason: 'BAD_FIELD' });
    expect((user.domainId as GatewayError).message).toBe('belladati: body.domain_id: expected a digit string');
    expect(user).toMatchObject({ id: '123', username: 'myusername@example.com', locale: 'cs', active: true });
  });

  it('turns an active flag that is not a boolean into an error on active alone, never a guess', () => {
    const user = map({ ...SEED, active: 'true' });
    expect(user.active).toBeInstanceOf(GatewayError);
    expect((user.active as GatewayError).message).toBe('belladati: body.active: expected boolean');
    expect((user.active as GatewayError).message).not.toContain('true');
    expect(user).toMatchObject({ id: '123', displayName: 'John Middle Doe', domainId: '45' });
    expect(droppedFields(user)).toEqual(['active']);
    expect(map(without(SEED, 'active')).active).toBeInstanceOf(GatewayError);
  });

  it('leaves out a role without its role name, and a group without a digit-string id, keeping the others', () => {
    const user = map({
      ...SEED,
      roles: [{ name: 'ADMIN' }, { role: 'REPORT_ADMIN' }, 'ADMIN', null],
      groups: [{ id: 56, name: 'numeric id' }, { id: '345', name: 'kept' }, { name: 'no id' }],
    });
    expect(user.roles).toEqual([{ value: 'REPORT_ADMIN', scope: null }]);
    expect(user.groups).toEqual([{ id: '345', name: 'kept', description: null }]);
    expect(droppedFields(user)).toEqual(['roles[]', 'groups[]']);
  });

  it('answers a record without locale (or with locale of another type) with locale null and everything else', () => {
    const expected = { ...map(SEED), locale: null };
    expect(map(without(SEED, 'locale'))).toEqual(expected);
    expect(map({ ...SEED, locale: 42 })).toEqual(expected);
    expect(droppedFields(map({ ...SEED, locale: 42 }))).toEqual(['locale']);
    expect(droppedFields(map(SEED))).toEqual([]);
  });

  it('reads roles or groups that are not lists, and a group name of another type, as empty', () => {
    const user = map({ ...SEED, roles: 'ADMIN', groups: { id: '56' } });
    expect([user.roles, user.groups]).toEqual([[], []]);
    expect(map({ ...SEED, groups: [{ id: '56', name: 7 }] }).groups).toEqual([{ id: '56', name: null, description: null }]);
  });

  it('rejects a body that is not an object (an empty or non-JSON 200)', () => {
    expect(badResponse(undefined).code).toBe('PROVIDER_BAD_RESPONSE');
    expect(badResponse({ users: [SEED] }).message).toContain('body.id');
  });

  it('rejects a record without a usable username, the other identity field', () => {
    expect(badResponse(without(SEED, 'username')).message).toBe('belladati: body.username: expected string');
    expect(badResponse({ ...SEED, username: '' }).message).toContain('body.username');
  });

  it('never copies the offending value into the message', () => {
    expect(badResponse({ ...SEED, username: 42, email: 'leak@example.com' }).message).not.toContain('42');
    const user = map({ ...SEED, firstName: 'SensitiveName'.split(''), active: 'SensitiveFlag' });
    expect(user.givenName).toBeNull();
    expect(JSON.stringify([user, (user.active as GatewayError).message, droppedFields(user)])).not.toMatch(/Sensitive/);
  });
});
