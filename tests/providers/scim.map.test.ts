import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { mapUser } from '../../src/providers/scim/map-user.js';
import { parseScimListWire, parseScimUserWire } from '../../src/providers/scim/wire.js';
import { droppedFields } from '../../src/providers/tolerant.js';
import { chunkIds, idFilter, MAX_FILTER_LENGTH, MAX_IDS_PER_FILTER } from '../../src/providers/scim/filter.js';
import { toGatewayError } from '../../src/providers/scim/errors.js';
import demoData from '../../src/simulators/scim/demo-data.json' with { type: 'json' };

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
const raw = (id: string) => structuredClone(demoData.users.find((u) => u.id === id)) as Record<string, unknown>;
const map = (value: unknown) => mapUser(parseScimUserWire(value));

describe('SCIM user mapping', () => {
  it('maps the RFC 7643 full example to the unified fields and the ScimUser extras', () => {
    const user = map(raw('2819c223-7f76-453a-919d-413861904646'));
    expect(user).toMatchObject({
      __typename: 'ScimUser',
      provider: 'SCIM',
      username: 'bjensen@example.com',
      email: 'bjensen@example.com',
      displayName: 'Babs Jensen',
      givenName: 'Barbara',
      middleName: 'Jane',
      familyName: 'Jensen',
      active: true,
      createdAt: '2010-01-23T04:56:22Z',
      updatedAt: '2011-05-13T04:42:34Z',
      lastLoginAt: null,
      locale: 'en-US',
      timezone: 'America/Los_Angeles',
      phone: '555-555-5555',
      avatarUrl: 'https://photos.example.com/profilephoto/72930000000Ccne/F',
      roles: [{ value: 'tour-guide', scope: null }],
      externalId: '701984',
      title: 'Tour Guide',
      userType: 'Employee',
      enterprise: { employeeNumber: '701984', costCenter: '4130', department: 'Tour Operations', manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' } },
      extensions: null,
    });
    expect(user.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: true, display: null },
      { value: 'babs@jensen.org', type: 'home', primary: false, display: null },
    ]);
  });

  it('keeps other extensions as JSON, picks primary values, and normalises offsets to UTC', () => {
    const user = map(raw('7c1f4e2a-9d3b-4c8e-a5f1-2b6d8e0c4a97'));
    expect(user.extensions).toEqual({ [ACME]: { badgeNumber: 'A-1842', clearance: 'lab-2', floors: [3, 4] } });
    expect(user.enterprise).toBeNull();
    expect(user.displayName).toBe('Zoë Ångström');
    expect(user.createdAt).toBe('2021-09-14T06:30:00Z');
    // Only a thumbnail: still the best photo there is.
    expect(user.avatarUrl).toBe('https://photos.example.com/zoe/thumb.jpg');
    const li = map(raw('e3a9c7b1-5d2f-4b8e-9a6c-4d1f7e2b9c05'));
    expect(li.phone).toBe('+86 138 0000 0000');
    expect(li.displayName).toBe('李雷');
    expect(li.active).toBe(true);
    expect(map(raw('b5e8d2c4-1a7f-4e39-8c6d-0f2a4b6c8e13')).active).toBe(false);
  });

  it('reads what it can of an odd resource and fails only on identity', () => {
    const user = map({
      id: 'x',
      userName: 'x@example.com',
      active: 'False',
      emails: { value: 'single@example.com' },
      phoneNumbers: [{ type: 'work' }, { value: '+1 555 0100', primary: 'true' }],
      photos: [{ value: 'javascript:alert(1)', primary: true }],
      meta: { created: 'yesterday' },
      [ENTERPRISE]: { department: 'R&D', manager: 'not-an-object' },
      name: 'not-an-object',
    });
    expect(user.active).toBe(false);
    expect(user.email).toBe('single@example.com');
    expect(user.phone).toBe('+1 555 0100');
    expect(user.avatarUrl).toBeNull();
    expect(user.createdAt).toBeInstanceOf(GatewayError);
    expect(user.enterprise).toMatchObject({ department: 'R&D', manager: null });
    expect(user.givenName).toBeNull();
    expect(droppedFields(user)).toEqual(expect.arrayContaining(['phoneNumbers[]', 'name']));
    expect(() => map({ id: 'x' })).toThrow(GatewayError);
    expect(() => map({ userName: 'x' })).toThrow(GatewayError);
  });

  it('reads a ListResponse without Resources as empty', () => {
    expect(parseScimListWire({ totalResults: 0 })).toEqual({ totalResults: 0, resources: [] });
    expect(() => parseScimListWire({ Resources: [] })).toThrow(GatewayError);
  });
});

describe('SCIM id filter', () => {
  it('writes each id as a JSON string and joins them with or', () => {
    expect(idFilter(['a', 'b"c', 'd\\e'])).toBe('id eq "a" or id eq "b\\"c" or id eq "d\\\\e"');
  });

  it('chunks by count and by encoded length', () => {
    const many = Array.from({ length: 120 }, (_, i) => `id-${i}`);
    expect(chunkIds(many).map((c) => c.length)).toEqual([MAX_IDS_PER_FILTER, MAX_IDS_PER_FILTER, 20]);
    const long = Array.from({ length: 20 }, (_, i) => `${'é'.repeat(250)}${i}`);
    const chunks = chunkIds(long);
    expect(chunks.flat()).toEqual(long);
    for (const chunk of chunks) expect(encodeURIComponent(idFilter(chunk)).length).toBeLessThanOrEqual(MAX_FILTER_LENGTH);
  });
});

describe('SCIM errors', () => {
  const body = (status: number, scimType?: string) =>
    JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), scimType, detail: 'ZX-DETAIL' });

  it.each([
    [400, 'user', 'BAD_USER_INPUT', 'INVALID_SYNTAX', 'invalidSyntax'],
    [401, 'user', 'UNAUTHENTICATED', undefined, undefined],
    [403, 'user', 'FORBIDDEN', undefined, undefined],
    [404, 'user', 'NOT_FOUND', undefined, undefined],
    [404, 'me', 'NOT_FOUND', 'ME_NOT_FOUND', undefined],
    [429, 'user', 'RATE_LIMITED', undefined, undefined],
    [500, 'user', 'PROVIDER_UNAVAILABLE', undefined, undefined],
    [501, 'me', 'PROVIDER_UNAVAILABLE', 'ME_NOT_SUPPORTED', undefined],
    [501, 'user', 'PROVIDER_UNAVAILABLE', 'NOT_IMPLEMENTED', undefined],
    [302, 'user', 'PROVIDER_BAD_RESPONSE', 'REDIRECT', undefined],
    [418, 'user', 'PROVIDER_BAD_RESPONSE', undefined, undefined],
  ] as const)('%i on %s → %s %s', (status, endpoint, code, reason, scimType) => {
    const error = toGatewayError(status, body(status, scimType), { endpoint });
    expect(error.code).toBe(code);
    expect(error.extensions.reason).toBe(reason);
    expect(error.extensions.provider).toBe('SCIM');
    expect(error.message).not.toContain('ZX-DETAIL');
  });

  it('ignores a scimType the RFC does not define', () => {
    expect(toGatewayError(400, body(400, 'ZX-made-up')).extensions.reason).toBeUndefined();
  });
});
