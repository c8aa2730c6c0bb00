import { describe, it, expect } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { mapUser, resolveAvatarUrl } from '../../src/providers/passbolt/map-user.js';
import { normalizePassboltId, parsePassboltUserWire } from '../../src/providers/passbolt/wire.js';
import { droppedFields } from '../../src/providers/tolerant.js';

const BASE_URL = 'https://passbolt.example.com';

/**
 * Passbolt's documented success response ("View a users record", help.passbolt.com/api/users/read, 2019),
 * verbatim except `username`, which the archived copy shows email-obfuscated ("[email protected]").
 */
function seedResponse(): any {
  return {
    header: {
      id: '468aeafe-e1a0-4982-9f13-da9ce1081ab3',
      status: 'success',
      servertime: 1556045509,
      action: '881ab948-e40f-5a72-91aa-54b442270029',
      message: 'The operation was successful.',
      url: '/users/f848277c-5398-58f8-a82a-72397af2d450.json',
      code: 200,
    },
    body: {
      id: 'f848277c-5398-58f8-a82a-72397af2d450',
      role_id: 'a58de6d3-f52c-5080-b79b-a601a647ac85',
      username: 'ada@passbolt.com',
      active: true,
      deleted: false,
      created: '2019-02-17T14:45:22+00:00',
      modified: '2019-03-17T14:45:22+00:00',
      profile: {
        id: '99522cc9-0acc-5ae2-b996-d03bded3c0a6',
        user_id: 'f848277c-5398-58f8-a82a-72397af2d450',
        first_name: 'Ada',
        last_name: 'Lovelace',
        created: '2019-04-17T14:45:23+00:00',
        modified: '2019-04-17T14:45:23+00:00',
        avatar: {
          id: '6727ccef-a6c4-4c38-ac57-a1152784e0a1',
          user_id: 'f848277c-5398-58f8-a82a-72397af2d450',
          foreign_key: '99522cc9-0acc-5ae2-b996-d03bded3c0a6',
          model: 'Avatar',
          filename: 'ada.png',
          filesize: 170049,
          mime_type: 'image/png',
          extension: 'png',
          hash: '97e36ab6528e26e3b9f988444ef490f125f49a39',
          path: 'Avatar/6727ccefa6c44c38ac57a1152784e0a1.png',
          adapter: 'Local',
          created: '2019-04-15T14:11:46+00:00',
          modified: '2019-04-15T14:11:46+00:00',
          url: {
            medium: 'img/public/6727ccefa6c44c38ac57a1152784e0a1.a99472d5.png',
            small: 'img/public/6727ccefa6c44c38ac57a1152784e0a1.65a0ba70.png',
          },
        },
      },
      groups_users: [],
      role: {
        id: 'a58de6d3-f52c-5080-b79b-a601a647ac85',
        name: 'user',
        description: 'Logged in user',
        created: '2012-07-04T13:39:25+00:00',
        modified: '2012-07-04T13:39:25+00:00',
      },
      gpgkey: {
        id: '04481719-5d9d-5e22-880a-a6b9270601d2',
        user_id: 'f848277c-5398-58f8-a82a-72397af2d450',
        armored_key: '-----BEGIN PGP PUBLIC KEY BLOCK-----',
        bits: 4096,
        uid: 'Ada Lovelace <ada@passbolt.com>',
        key_id: '5D9B054F',
        fingerprint: '03F60E958F4CB29723ACDF761353B5B15D9B054F',
        type: 'RSA',
        expires: '2019-08-09T12:48:31+00:00',
        key_created: '2015-08-09T12:48:31+00:00',
        deleted: false,
        created: '2019-04-17T14:45:26+00:00',
        modified: '2019-04-17T14:45:26+00:00',
      },
      last_logged_in: '',
    },
  };
}

/** The v5 OpenAPI view example (`components/examples/users.yml#userView`) plus the `username` the example omits by mistake. */
function v5Response(): any {
  return {
    header: { ...seedResponse().header, url: '/users/8bb80df5-700c-48ce-b568-85a60fc3c8f2.json' },
    body: {
      is_mfa_enabled: false,
      id: '8bb80df5-700c-48ce-b568-85a60fc3c8f2',
      role_id: '639b50cf-66f9-4b23-8d55-d0609710cd9d',
      username: 'ada@passbolt.local',
      active: true,
      deleted: false,
      created: '2024-07-03T12:52:06+00:00',
      modified: '2024-07-03T12:53:52+00:00',
      disabled: null,
      groups_users: [
        {
          id: '3b9b9757-1ccb-444a-a3cf-4090364fac4f',
          group_id: '8a3c5c4e-e931-4e6b-854a-9b2e9afcd3bc',
          user_id: '8bb80df5-700c-48ce-b568-85a60fc3c8f2',
          is_admin: true,
          created: '2024-07-22T16:01:07+00:00',
        },
      ],
      profile: {
        id: '920edf1e-5ce8-4da4-a8fc-21040fe78d09',
        user_id: '8bb80df5-700c-48ce-b568-85a60fc3c8f2',
        first_name: 'Ada',
        last_name: 'Lovelace',
        created: '2024-07-03T12:52:06+00:00',
        modified: '2024-07-03T12:52:06+00:00',
        avatar: { url: { medium: 'https://passbolt.local/img/avatar/user_medium.png', small: 'https://passbolt.local/img/avatar/use.png' } },
      },
      gpgkey: {
        id: 'ed4d9ea6-f354-4a74-ad09-4e1dd69041ec',
        user_id: '8bb80df5-700c-48ce-b568-85a60fc3c8f2',
        armored_key: '-----BEGIN PGP PUBLIC KEY BLOCK-----',
        bits: 3072,
        uid: 'Ada Lovelace <ada@passbolt.com>',
        key_id: 'D277E7A2E45418A0',
        fingerprint: '850C6BDE59E9F126BFB4683BD277E7A2E45418A0',
        type: 'RSA',
        expires: null,
        key_created: '2024-07-03T12:53:13+00:00',
        deleted: false,
        created: '2024-07-03T12:53:52+00:00',
        modified: '2024-07-03T12:53:52+00:00',
      },
      role: {
        id: '639b50cf-66f9-4b23-8d55-d0609710cd9d',
        name: 'admin',
        description: 'Organization administrator',
        created: '2012-07-04T13:39:25+00:00',
        modified: '2012-07-04T13:39:25+00:00',
      },
      last_logged_in: null,
      missing_metadata_key_ids: [],
    },
  };
}

const map = (response: unknown, baseUrl = BASE_URL) => mapUser(parsePassboltUserWire(response), { baseUrl });

function expectBadResponse(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('PROVIDER_BAD_RESPONSE');
    expect((error as GatewayError).provider).toBe('PASSBOLT');
    expect((error as GatewayError).message).toMatch(message);
    return;
  }
  throw new Error('expected a PROVIDER_BAD_RESPONSE');
}

describe('Passbolt adapter: mapUser', () => {
  it('maps the documented example to every unified field', () => {
    const user = map(seedResponse());
    expect(user).toMatchObject({
      __typename: 'PassboltUser',
      provider: 'PASSBOLT',
      id: 'f848277c-5398-58f8-a82a-72397af2d450',
      username: 'ada@passbolt.com',
      email: 'ada@passbolt.com',
      displayName: 'Ada Lovelace',
      givenName: 'Ada',
      middleName: null,
      familyName: 'Lovelace',
      active: true,
      createdAt: '2019-02-17T14:45:22Z',
      updatedAt: '2019-03-17T14:45:22Z',
      lastLoginAt: null,
      locale: null,
      timezone: null,
      phone: null,
      avatarUrl: 'https://passbolt.example.com/img/public/6727ccefa6c44c38ac57a1152784e0a1.a99472d5.png',
      groups: [],
      roles: [{ value: 'user', scope: null }],
    });
  });

  it('maps the documented example to every PassboltUser extension field', () => {
    const user = map(seedResponse());
    expect(user.roleId).toBe('a58de6d3-f52c-5080-b79b-a601a647ac85');
    expect(user.setupCompleted).toBe(true);
    expect(user.deleted).toBe(false);
    expect(user.disabled).toBeNull();
    expect(user.isMfaEnabled).toBeNull();
    expect(user.groupsUsers).toEqual([]);
    expect(user.profile).toEqual({
      id: '99522cc9-0acc-5ae2-b996-d03bded3c0a6',
      firstName: 'Ada',
      lastName: 'Lovelace',
      createdAt: '2019-04-17T14:45:23Z',
      updatedAt: '2019-04-17T14:45:23Z',
      avatar: {
        id: '6727ccef-a6c4-4c38-ac57-a1152784e0a1',
        urlMedium: 'https://passbolt.example.com/img/public/6727ccefa6c44c38ac57a1152784e0a1.a99472d5.png',
        urlSmall: 'https://passbolt.example.com/img/public/6727ccefa6c44c38ac57a1152784e0a1.65a0ba70.png',
        createdAt: '2019-04-15T14:11:46Z',
        updatedAt: '2019-04-15T14:11:46Z',
      },
    });
    expect(user.role).toEqual({
      id: 'a58de6d3-f52c-5080-b79b-a601a647ac85',
      name: 'user',
      description: 'Logged in user',
      createdAt: '2012-07-04T13:39:25Z',
      updatedAt: '2012-07-04T13:39:25Z',
    });
    expect(user.gpgkey).toEqual({
      id: '04481719-5d9d-5e22-880a-a6b9270601d2',
      fingerprint: '03F60E958F4CB29723ACDF761353B5B15D9B054F',
      keyId: '5D9B054F',
      bits: 4096,
      uid: 'Ada Lovelace <ada@passbolt.com>',
      type: 'RSA',
      expires: '2019-08-09T12:48:31Z',
      keyCreated: '2015-08-09T12:48:31Z',
      armoredKey: '-----BEGIN PGP PUBLIC KEY BLOCK-----',
      deleted: false,
      createdAt: '2019-04-17T14:45:26Z',
      updatedAt: '2019-04-17T14:45:26Z',
    });
  });

  it('maps the v5 OpenAPI example: group membership, MFA status, 16-hex key id and a key that never expires', () => {
    const user = map(v5Response());
    expect(user.groups).toEqual([{ id: '8a3c5c4e-e931-4e6b-854a-9b2e9afcd3bc', name: null, description: null }]);
    expect(user.groupsUsers).toEqual([
      { id: '3b9b9757-1ccb-444a-a3cf-4090364fac4f', groupId: '8a3c5c4e-e931-4e6b-854a-9b2e9afcd3bc', isAdmin: true, createdAt: '2024-07-22T16:01:07Z' },
    ]);
    expect(user.roles).toEqual([{ value: 'admin', scope: null }]);
    expect(user.isMfaEnabled).toBe(false);
    expect(user.gpgkey?.keyId).toBe('D277E7A2E45418A0');
    expect(user.gpgkey?.expires).toBeNull();
    expect(user.lastLoginAt).toBeNull();
    expect(user.avatarUrl).toBe('https://passbolt.local/img/avatar/user_medium.png');
    expect(user.profile?.avatar).toEqual({
      id: null,
      urlMedium: 'https://passbolt.local/img/avatar/user_medium.png',
      urlSmall: 'https://passbolt.local/img/avatar/use.png',
      createdAt: null,
      updatedAt: null,
    });
  });

  it('reads the 2019 empty-string last_logged_in as never logged in, and a v5 date as a timestamp', () => {
    expect(map(seedResponse()).lastLoginAt).toBeNull();
    const response = v5Response();
    response.body.last_logged_in = '2024-11-05T09:14:27+00:00';
    expect(map(response).lastLoginAt).toBe('2024-11-05T09:14:27Z');
  });

  it('reports a disabled account as inactive while keeping Passbolt\'s own setup flag', () => {
    const response = v5Response();
    response.body.disabled = '2025-01-15T18:20:00+02:00';
    const user = map(response);
    expect(user.active).toBe(false);
    expect(user.setupCompleted).toBe(true);
    expect(user.disabled).toBe('2025-01-15T16:20:00Z');
  });

  it('reports a user who has not finished setup as inactive, with no key', () => {
    const response = v5Response();
    response.body.active = false;
    response.body.gpgkey = null;
    const user = map(response);
    expect(user.active).toBe(false);
    expect(user.setupCompleted).toBe(false);
    expect(user.gpgkey).toBeNull();
  });

  it('normalises numeric offsets to UTC', () => {
    const response = v5Response();
    response.body.created = '2024-07-03T14:52:06+02:00';
    response.body.modified = '2024-07-02T23:30:00-05:30';
    const user = map(response);
    expect(user.createdAt).toBe('2024-07-03T12:52:06Z');
    expect(user.updatedAt).toBe('2024-07-03T05:00:00Z');
  });

  it('turns an unreadable timestamp into an error on that field only', () => {
    const response = v5Response();
    response.body.modified = 'yesterday';
    const user = map(response);
    expect(user.updatedAt).toBeInstanceOf(GatewayError);
    expect((user.updatedAt as GatewayError).code).toBe('PROVIDER_BAD_RESPONSE');
    expect((user.updatedAt as GatewayError).message).not.toContain('yesterday');
    expect(user.createdAt).toBe('2024-07-03T12:52:06Z');
    expect(user.displayName).toBe('Ada Lovelace');
  });

  it('maps a user listed without contains (contain[...]=0) to nulls, the username as display name and no roles', () => {
    const response = v5Response();
    delete response.body.profile;
    delete response.body.role;
    delete response.body.gpgkey;
    delete response.body.groups_users;
    const user = map(response);
    expect(user).toMatchObject({ displayName: 'ada@passbolt.local', givenName: null, familyName: null, avatarUrl: null, profile: null, role: null, gpgkey: null });
    expect(user.roles).toEqual([]);
    expect(user.groups).toEqual([]);
    expect(user.groupsUsers).toEqual([]);
  });

  it('lower-cases the id so the model\'s id is the canonical DataLoader key', () => {
    const response = v5Response();
    response.body.id = '8BB80DF5-700C-48CE-B568-85A60FC3C8F2';
    const user = map(response);
    expect(user.id).toBe('8bb80df5-700c-48ce-b568-85a60fc3c8f2');
    expect(normalizePassboltId(user.id)).toBe(user.id);
  });
});

describe('Passbolt adapter: avatar URLs', () => {
  it('resolves relative 2019 avatar URLs against an installation under a path prefix', () => {
    expect(resolveAvatarUrl('img/public/a.png', 'https://example.com/passbolt')).toBe('https://example.com/passbolt/img/public/a.png');
    expect(resolveAvatarUrl('img/public/a.png', 'https://example.com/passbolt/')).toBe('https://example.com/passbolt/img/public/a.png');
  });

  it('keeps absolute v5 URLs as they are', () => {
    expect(resolveAvatarUrl('https://cdn.example.org/avatars/view/1/medium.jpg', BASE_URL)).toBe('https://cdn.example.org/avatars/view/1/medium.jpg');
  });

  it('drops URLs that are not http(s), since web apps put them in an img src', () => {
    expect(resolveAvatarUrl('javascript:alert(1)', BASE_URL)).toBeNull();
    expect(resolveAvatarUrl('data:image/png;base64,AAAA', BASE_URL)).toBeNull();
    expect(resolveAvatarUrl('', BASE_URL)).toBeNull();
  });
});

describe('Passbolt adapter: parsePassboltUserWire', () => {
  it('rejects a 200 whose header.status is not "success"', () => {
    const response = seedResponse();
    response.header.status = 'error';
    expectBadResponse(() => parsePassboltUserWire(response), /header\.status/);
  });

  it('rejects a body without the envelope', () => {
    expectBadResponse(() => parsePassboltUserWire(seedResponse().body), /header/);
    expectBadResponse(() => parsePassboltUserWire(undefined), /expected object/);
  });

  it('reads a profile field of another type as absent, keeping the user', () => {
    const response = seedResponse();
    response.body.profile.first_name = 42;
    const user = mapUser(parsePassboltUserWire(response), { baseUrl: BASE_URL });
    expect(user).toMatchObject({ givenName: null, familyName: 'Lovelace', displayName: 'Lovelace', username: 'ada@passbolt.com' });
    expect(droppedFields(user)).toEqual(['profile.first_name']);
  });

  it('still refuses a user without its identity fields, naming the field without copying its value', () => {
    const missing = seedResponse();
    delete missing.body.username;
    expectBadResponse(() => parsePassboltUserWire(missing), /body\.username/);
  });

  it('rejects a user whose id is not a UUID the gateway could ask for again', () => {
    const response = seedResponse();
    response.body.id = 'me';
    expectBadResponse(() => parsePassboltUserWire(response), /body\.id/);
  });

  it('drops keys outside the documented user, such as paid-edition plugin data', () => {
    const response = v5Response();
    response.body.pending_account_recovery_request = { id: 'x', status: 'pending' };
    const wire = parsePassboltUserWire(response);
    expect(wire).not.toHaveProperty('pending_account_recovery_request');
    expect(wire).not.toHaveProperty('missing_metadata_key_ids');
  });
});

describe('Passbolt adapter: normalizePassboltId', () => {
  it('lower-cases UUIDs, as Passbolt\'s UuidParserMiddleware does', () => {
    expect(normalizePassboltId('F848277C-5398-58F8-A82A-72397AF2D450')).toBe('f848277c-5398-58f8-a82a-72397af2d450');
  });

  it('accepts the UUID versions Passbolt\'s validator accepts (v1 to v5, nil)', () => {
    for (const id of ['c232ab00-9414-11ec-b3c8-9f6bdeced846', '8bb80df5-700c-48ce-b568-85a60fc3c8f2', '00000000-0000-0000-0000-000000000000']) {
      expect(normalizePassboltId(id)).toBe(id);
    }
  });

  it('refuses me, non-UUIDs and UUID versions Passbolt rejects with BAD_USER_INPUT', () => {
    const bad = ['me', 'ME', '', '42', 'f848277c539858f8a82a72397af2d450', '{f848277c-5398-58f8-a82a-72397af2d450}', ' f848277c-5398-58f8-a82a-72397af2d450', 'f848277c-5398-58f8-a82a-72397af2d450\n', '017f22e2-79b0-7cc3-98c4-dc0c0c07398f', 'a'.repeat(300)];
    for (const id of bad) {
      expect(() => normalizePassboltId(id), JSON.stringify(id)).toThrowError(expect.objectContaining({ code: 'BAD_USER_INPUT', provider: 'PASSBOLT' }));
    }
  });
});
