import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { mapUser } from '../../src/providers/syncano/map-user.js';
import { normalizeSyncanoId, parseSyncanoUserWire } from '../../src/providers/syncano/wire.js';
import { droppedFields } from '../../src/providers/tolerant.js';
import demo from '../../src/simulators/syncano/demo-data.json' with { type: 'json' };

/** The example of Syncano's "User - details" page (API v1.1 docs), exactly as documented. */
const SEED = {
  username: 'geralt',
  profile: {
    channel_room: null,
    group: null,
    links: { owner: '/v1.1/instances/rivia/users/1/', self: '/v1.1/instances/rivia/classes/user_profile/objects/1/' },
    group_permissions: 'none',
    created_at: '2015-05-19T15:52:36.183576Z',
    owner_permissions: 'full',
    updated_at: '2015-05-19T15:52:36.183608Z',
    other_permissions: 'none',
    owner: 1,
    id: 1,
    channel: null,
    revision: 1,
  },
  links: {
    profile: '/v1.1/instances/rivia/classes/user_profile/objects/1/',
    self: '/v1.1/instances/rivia/users/1/',
    groups: '/v1.1/instances/rivia/users/1/groups/',
    'reset-key': '/v1.1/instances/rivia/users/1/reset_key/',
  },
  user_key: 'afd4bf084f71c8e7659e7a3e53e9df762c6fad9a',
  groups: [
    { description: '', id: 1, links: { self: '/v1.1/instances/rivia/groups/1/', users: '/v1.1/instances/rivia/groups/1/users/' }, label: 'witchers' },
  ],
  id: 1,
};

const map = (raw: unknown, fields?: Parameters<typeof mapUser>[1]) => mapUser(parseSyncanoUserWire(raw), fields);

describe('Syncano user mapping', () => {
  it('maps the documented example to every unified field', () => {
    const user = map(SEED);
    expect(user).toMatchObject({
      __typename: 'SyncanoUser',
      provider: 'SYNCANO',
      id: '1',
      username: 'geralt',
      email: null,
      displayName: 'geralt',
      givenName: null,
      middleName: null,
      familyName: null,
      active: true,
      createdAt: '2015-05-19T15:52:36.183576Z',
      updatedAt: '2015-05-19T15:52:36.183608Z',
      lastLoginAt: null,
      locale: null,
      timezone: null,
      phone: null,
      avatarUrl: null,
      groups: [{ id: '1', name: 'witchers', description: null }],
      roles: [],
    });
  });

  it('keeps the profile, groups and links as the SyncanoUser extras', () => {
    const user = map(SEED);
    expect(user.profile).toEqual({
      id: '1',
      owner: '1',
      revision: 1,
      createdAt: '2015-05-19T15:52:36.183576Z',
      updatedAt: '2015-05-19T15:52:36.183608Z',
      ownerPermissions: 'full',
      groupPermissions: 'none',
      otherPermissions: 'none',
      group: null,
      channel: null,
      channelRoom: null,
      links: SEED.profile.links,
      fields: {},
    });
    expect(user.syncanoGroups).toEqual([{ id: '1', label: 'witchers', description: '', name: null, links: SEED.groups[0]!.links }]);
    expect(user.links).toEqual({
      self: '/v1.1/instances/rivia/users/1/',
      groups: '/v1.1/instances/rivia/users/1/groups/',
      profile: '/v1.1/instances/rivia/classes/user_profile/objects/1/',
      resetKey: '/v1.1/instances/rivia/users/1/reset_key/',
    });
  });

  it('never lets user_key into the model, at any depth', () => {
    const raw = structuredClone(SEED) as Record<string, any>;
    raw.profile.user_key = 'afd4bf084f71c8e7659e7a3e53e9df762c6fad9a';
    raw.profile.nested = { user_key: 'afd4bf084f71c8e7659e7a3e53e9df762c6fad9a', api_key: 'x', password: 'y', ok: 1 };
    const text = JSON.stringify(map(raw));
    expect(text).not.toContain('afd4bf084f71c8e7659e7a3e53e9df762c6fad9a');
    expect(text).not.toContain('user_key');
    expect(map(raw).profile!.fields).toEqual({ nested: { ok: 1 } });
  });

  it('reads names, email and avatar from the custom profile fields (the user-management guide user)', () => {
    const gordon = (demo.users as Array<{ id: number }>).find((u) => u.id === 66)!;
    const user = map(gordon);
    expect(user).toMatchObject({
      id: '66',
      username: 'Gordon Freeman',
      email: 'gordon@blackmesa.example',
      givenName: 'Gordon',
      familyName: 'Freeman',
      displayName: 'Gordon Freeman',
      avatarUrl: 'https://cdn.example/syncano/rivia/7aecf4a6b0d38e1f.jpg',
      createdAt: '2015-03-25T14:01:31.962783Z',
    });
    expect(user.profile!.revision).toBe(7);
    expect(user.profile!.fields).toMatchObject({ first_name: 'Gordon', avatar: { type: 'file' } });
  });

  it('reads custom profile fields under the names an instance configures', () => {
    const raw = structuredClone(SEED) as Record<string, any>;
    Object.assign(raw.profile, { mail: 'g@kaer-morhen.example', given: 'Geralt', family: 'of Rivia', photo: { type: 'file', value: 'https://x.example/g.png' } });
    const user = map(raw, { email: 'mail', givenName: 'given', familyName: 'family', avatarUrl: 'photo' });
    expect(user).toMatchObject({ email: 'g@kaer-morhen.example', givenName: 'Geralt', familyName: 'of Rivia', displayName: 'Geralt of Rivia', avatarUrl: 'https://x.example/g.png' });
  });

  it('offers the username as email only when it looks like one', () => {
    expect(map({ ...SEED, username: 'john@doe.com' }).email).toBe('john@doe.com');
    expect(map({ ...SEED, username: 'john@doe' }).email).toBeNull();
  });

  it('ignores a non-file typed value for the avatar', () => {
    const raw = structuredClone(SEED) as Record<string, any>;
    raw.profile.avatar = { type: 'reference', target: 'self', value: 3 };
    expect(map(raw).avatarUrl).toBeNull();
  });

  it('maps a user with no profile to null timestamps and names', () => {
    const user = map({ ...SEED, profile: null });
    expect(user).toMatchObject({ profile: null, createdAt: null, updatedAt: null, givenName: null, displayName: 'geralt' });
  });

  it('turns an unreadable profile timestamp into an error on that field only', () => {
    const raw = structuredClone(SEED) as Record<string, any>;
    raw.profile.created_at = 'yesterday';
    const user = map(raw);
    expect(user.createdAt).toBeInstanceOf(GatewayError);
    expect((user.createdAt as GatewayError).code).toBe('PROVIDER_BAD_RESPONSE');
    expect((user.createdAt as GatewayError).message).not.toContain('yesterday');
    expect(user.updatedAt).toBe('2015-05-19T15:52:36.183608Z');
  });

  it('builds displayName from the given name alone when there is no family name, and takes an email-like username as email', () => {
    const ciri = (demo.users as Array<{ id: number }>).find((u) => u.id === 3)!;
    expect(map(ciri)).toMatchObject({ username: 'ciri@rivia.example', givenName: 'Cirilla', familyName: null, displayName: 'Cirilla', email: 'ciri@rivia.example' });
  });

  it('keeps typed custom fields wrapped, drops secret-looking ones, and keeps the 2018+ group slug', () => {
    const vesemir = map((demo.users as Array<{ id: number }>).find((u) => u.id === 6)!);
    expect(vesemir.profile!.fields).toEqual({
      first_name: 'Vesemir',
      birthday: { type: 'datetime', value: '1100-01-01T00:00:00.000000Z' },
      mentor_of: { type: 'reference', target: 'self', value: 1 },
      keep: { type: 'geopoint', longitude: 19.94, latitude: 50.06 },
      avatar: { type: 'file', value: 'https://cdn.example/syncano/rivia/vesemir.png' },
    });
    expect(vesemir).toMatchObject({ avatarUrl: 'https://cdn.example/syncano/rivia/vesemir.png', displayName: 'Vesemir', email: null });
    expect(vesemir.profile).toMatchObject({ group: '1', channel: 'kaer-morhen', groupPermissions: 'read', revision: 12 });
    expect(vesemir.groups).toEqual([
      { id: '1', name: 'witchers', description: null },
      { id: '4', name: 'School of the Wolf', description: 'Masters of the School of the Wolf' },
    ]);
    expect(vesemir.syncanoGroups.map((g) => [g.label, g.name])).toEqual([
      ['witchers', 'witchers'],
      ['School of the Wolf', 'wolf-school'],
    ]);
  });

  it('names the group by its label, not the slug, in the unified groups', () => {
    const raw = structuredClone(SEED) as Record<string, any>;
    raw.groups[0].name = 'witchers-slug';
    expect(map(raw).groups[0]!.name).toBe('witchers');
  });

  it('accepts a profile with only the fields the mapping needs, and links that are absent', () => {
    const user = map({ id: 9, username: 'eskel', profile: { id: 90, revision: 1 }, groups: [] });
    expect(user.profile).toMatchObject({ id: '90', owner: null, createdAt: null, ownerPermissions: null, links: null, fields: {} });
    expect(user.links).toEqual({ self: null, groups: null, profile: null, resetKey: null });
    expect(user.createdAt).toBeNull();
  });

  it('refuses an id that is not a positive integer JSON can carry exactly', () => {
    expect(() => map({ ...SEED, id: 0 })).toThrow(/body\.id/);
    expect(() => map({ ...SEED, id: 2 ** 53 })).toThrow(/body\.id/);
    expect(() => map({ ...SEED, id: 1.5 })).toThrow(/body\.id/);
  });

  it('rejects a body that is not a user with PROVIDER_BAD_RESPONSE naming the field', () => {
    expect(() => map({ ...SEED, id: 'one' })).toThrow(/syncano: body\.id/);
    expect(() => map({ ...SEED, username: ['geralt'] })).toThrow(/syncano: body\.username/);
    expect(() => map('Not found')).toThrow(GatewayError);
  });

  it('keeps a group without a label in groups (no name) but leaves it out of syncanoGroups, whose label is non-null', () => {
    const user = map({ ...SEED, groups: [{ id: 1 }, { id: 'two', label: 'x' }, { id: 3, label: 'kept' }] });
    expect(user.groups).toEqual([
      { id: '1', name: null, description: null },
      { id: '3', name: 'kept', description: null },
    ]);
    expect(user.syncanoGroups.map((g) => g.id)).toEqual(['3']);
    expect(droppedFields(user)).toEqual(['groups[]']);
  });

  it('turns a profile without a readable id or revision into errors on those fields alone', () => {
    const raw = structuredClone(SEED) as Record<string, any>;
    raw.profile.id = 'one';
    delete raw.profile.revision;
    const user = map(raw);
    expect(user.profile!.id).toBeInstanceOf(GatewayError);
    expect((user.profile!.id as GatewayError).message).toBe('syncano: body.profile.id: expected integer');
    expect(user.profile!.revision).toBeInstanceOf(GatewayError);
    expect(user.profile).toMatchObject({ ownerPermissions: 'full', createdAt: '2015-05-19T15:52:36.183576Z' });
    expect(user.createdAt).toBe('2015-05-19T15:52:36.183576Z');
  });

  it('reads a profile, groups or links of another type as absent', () => {
    const user = map({ ...SEED, profile: 'missing', groups: { id: 1 }, links: [] });
    expect(user).toMatchObject({ id: '1', username: 'geralt', profile: null, groups: [], syncanoGroups: [], createdAt: null });
    expect(user.links).toEqual({ self: null, groups: null, profile: null, resetKey: null });
    expect(droppedFields(user)).toEqual(['profile', 'groups', 'links']);
  });
});

describe('Syncano id validation', () => {
  it.each([
    ['1', '1'],
    ['007', '7'],
    ['123456789012345678', '123456789012345678'],
  ])('accepts %j as %j', (id, canonical) => {
    expect(normalizeSyncanoId(id)).toBe(canonical);
  });

  it.each(['', '0', '000', '-1', '1.0', '1e3', ' 1', 'abc', '..', '1/2', '1234567890123456789', '１'])('refuses %j with BAD_USER_INPUT', (id) => {
    expect(() => normalizeSyncanoId(id)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', provider: 'SYNCANO' }));
  });
});
