/**
 * Passbolt's raw shapes, as documented by Passbolt's OpenAPI 3.1 description (`components/schemas.yml`
 * `header`, `components/schemas/users.yml` `userIndexAndView`) and the 2019 "View a users record"
 * page (docs/providers/passbolt.md §7), and its user id.
 */
import { z } from 'zod';
import { ErrorCode, GatewayError } from '../../errors.js';
import { lenient, lenientList, parseTolerant } from '../tolerant.js';
import { parseWire } from '../wire.js';

/**
 * What Passbolt accepts as a user id: CakePHP's `Validation::uuid`, which UsersViewController applies
 * before anything else (version digit 0-5, variant digit 0/8/9/a/b; any case). Anything else is a
 * 400 "The user identifier should be a valid UUID or "me"." (docs/providers/passbolt.md §3).
 */
const CAKE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-5][0-9a-f]{3}-[089ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** True for an id Passbolt's view accepts (the literal `me` aside). */
export function isPassboltUuid(id: string): boolean {
  return CAKE_UUID.test(id);
}

/**
 * Validates a user id and returns its canonical form: lower case, because Passbolt's
 * UuidParserMiddleware lower-cases UUIDs before use (docs/providers/passbolt.md §1), so `ABC…` and `abc…` are one
 * user and one DataLoader key. The literal `me` is refused here: `me(provider: PASSBOLT)` is the
 * way to ask for it, and a `user` result must carry the id that was asked for.
 */
export function normalizePassboltId(id: string): string {
  if (isPassboltUuid(id)) return id.toLowerCase();
  throw new GatewayError(
    ErrorCode.BAD_USER_INPUT,
    'passbolt: id must be a UUID such as "f848277c-5398-58f8-a82a-72397af2d450" (use `me` for the caller).',
    { provider: 'PASSBOLT' },
  );
}

/**
 * A timestamp: a string when present (null or absent where the schema marks it `x-nullable` or leaves
 * it optional). Read as given; anything but a readable timestamp becomes an error on that one field.
 */
const optionalDate = z.unknown().optional();
const text = (field: string) => lenient(z.string(), field);

const avatarWire = z.object({
  id: text('profile.avatar.id'),
  created: optionalDate,
  modified: optionalDate,
  // v5 always sends both URLs (AvatarHelper); 2019 servers sent relative ones.
  url: lenient(
    z.object({ medium: text('profile.avatar.url.medium'), small: text('profile.avatar.url.small') }),
    'profile.avatar.url',
  ),
});

const profileWire = z.object({
  id: text('profile.id'),
  first_name: text('profile.first_name'),
  last_name: text('profile.last_name'),
  created: optionalDate,
  modified: optionalDate,
  avatar: lenient(avatarWire, 'profile.avatar'),
});

const roleWire = z.object({
  id: text('role.id'),
  name: text('role.name'),
  description: text('role.description'),
  created: optionalDate,
  modified: optionalDate,
});

const gpgkeyWire = z.object({
  id: text('gpgkey.id'),
  fingerprint: text('gpgkey.fingerprint'),
  key_id: text('gpgkey.key_id'),
  bits: lenient(z.number().int(), 'gpgkey.bits'),
  uid: text('gpgkey.uid'),
  type: text('gpgkey.type'),
  expires: optionalDate,
  key_created: optionalDate,
  armored_key: text('gpgkey.armored_key'),
  deleted: lenient(z.boolean(), 'gpgkey.deleted'),
  created: optionalDate,
  modified: optionalDate,
});

/** A membership is kept when it names its group; its own id and admin flag are read tolerantly. */
const groupUserWire = z.object({
  id: text('groups_users[].id'),
  group_id: z.string(),
  is_admin: lenient(z.boolean(), 'groups_users[].is_admin'),
  created: optionalDate,
});

/**
 * A user as `/users/{id}.json` returns it in `body`. Strict only on what identifies the user (`id`,
 * `username`); every other field is read tolerantly, since Passbolt may leave a part out: `disabled`
 * arrived in v4.3, `last_logged_in` is `""` in 2019 docs and null in v5, `is_mfa_enabled` is only sent
 * to admins and the user themself, `gpgkey` is null before setup, and `contain[...]=0` drops
 * `profile`, `role`, `gpgkey` or `groups_users`. A part of another type reads as absent. Unknown
 * keys (`missing_metadata_key_ids`, paid-edition plugins) are dropped.
 */
const userWire = z.object({
  id: z.string(),
  role_id: text('role_id'),
  username: z.string(),
  active: lenient(z.boolean(), 'active'),
  deleted: lenient(z.boolean(), 'deleted'),
  created: optionalDate,
  modified: optionalDate,
  /** Kept as sent: an unreadable value must not read as "not disabled". */
  disabled: optionalDate,
  last_logged_in: optionalDate,
  is_mfa_enabled: lenient(z.boolean(), 'is_mfa_enabled'),
  profile: lenient(profileWire, 'profile'),
  role: lenient(roleWire, 'role'),
  gpgkey: lenient(gpgkeyWire, 'gpgkey'),
  groups_users: lenientList(groupUserWire, 'groups_users'),
});

/** The envelope of every JSON answer: `{"header": {...}, "body": ...}` (OpenAPI `header` schema). */
const envelopeWire = z.object({
  header: z.object({ status: z.string() }),
  body: z.unknown(),
});

export type PassboltAvatarWire = z.output<typeof avatarWire>;
export type PassboltProfileWire = z.output<typeof profileWire>;
export type PassboltRoleWire = z.output<typeof roleWire>;
export type PassboltGpgkeyWire = z.output<typeof gpgkeyWire>;
export type PassboltGroupUserWire = z.output<typeof groupUserWire>;
export type PassboltUserWire = z.output<typeof userWire>;

/**
 * Validates a 200 answer of the user view: the envelope, `header.status` "success" (a 200 whose
 * header says otherwise is outside the contract: header.status is checked as well as the HTTP
 * status, docs/providers/passbolt.md §7), and the user in `body`, whose `id` must be a UUID the gateway accepts back.
 */
export function parsePassboltUserWire(value: unknown): PassboltUserWire {
  const envelope = parseWire(envelopeWire, value, 'PASSBOLT', '');
  if (envelope.header.status !== 'success') {
    throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'passbolt: header.status: expected "success"', { provider: 'PASSBOLT' });
  }
  const user = parseTolerant(userWire, envelope.body, 'PASSBOLT', 'body');
  if (!isPassboltUuid(user.id)) {
    throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'passbolt: body.id: expected a UUID', { provider: 'PASSBOLT' });
  }
  return user;
}

/**
 * The index's envelope: `header.pagination` `{count, page, limit}` (OpenAPI `headerWithPagination`;
 * `limit` is null without paging) and `body`, an array of users.
 */
const listEnvelopeWire = z.object({
  header: z.object({
    status: z.string(),
    pagination: z.object({ count: z.number().int().nonnegative() }).optional(),
  }),
  body: z.array(z.unknown()),
});

export interface PassboltUserListWire {
  users: PassboltUserWire[];
  /** `header.pagination.count`: every user matching the query, or null when the header has none. */
  count: number | null;
}

/** Validates a 200 answer of `GET /users.json`; each user is read like the view's. */
export function parsePassboltUserListWire(value: unknown): PassboltUserListWire {
  const envelope = parseWire(listEnvelopeWire, value, 'PASSBOLT', '');
  if (envelope.header.status !== 'success') {
    throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'passbolt: header.status: expected "success"', { provider: 'PASSBOLT' });
  }
  const users = envelope.body.map((item, i) => {
    const user = parseTolerant(userWire, item, 'PASSBOLT', `body[${i}]`);
    if (!isPassboltUuid(user.id)) {
      throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, `passbolt: body[${i}].id: expected a UUID`, { provider: 'PASSBOLT' });
    }
    return user;
  });
  return { users, count: envelope.header.pagination?.count ?? null };
}

/** A group as `GET /groups/{groupId}.json` returns it in `body` (OpenAPI `groupIndexAndView`). */
const groupWire = z.object({
  id: z.string(),
  name: lenient(z.string(), 'name'),
});

export type PassboltGroupWire = z.output<typeof groupWire>;

/** Validates a 200 answer of the group view. */
export function parsePassboltGroupWire(value: unknown): PassboltGroupWire {
  const envelope = parseWire(envelopeWire, value, 'PASSBOLT', '');
  if (envelope.header.status !== 'success') {
    throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'passbolt: header.status: expected "success"', { provider: 'PASSBOLT' });
  }
  const group = parseTolerant(groupWire, envelope.body, 'PASSBOLT', 'body');
  if (!isPassboltUuid(group.id)) {
    throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'passbolt: body.id: expected a UUID', { provider: 'PASSBOLT' });
  }
  return group;
}

/**
 * Validates a group id the way Passbolt's GroupsViewController does (a UUID, any case) and returns it
 * lower-cased, as Passbolt stores it.
 */
export function normalizePassboltGroupId(id: string): string {
  if (isPassboltUuid(id)) return id.toLowerCase();
  throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'passbolt: group id must be a UUID such as "8a3c5c4e-e931-4e6b-854a-9b2e9afcd3bc".', {
    provider: 'PASSBOLT',
  });
}

/** The pattern above, which runs on client and provider text: anchored, bounded, linear. */
export const UNTRUSTED_TEXT_PATTERNS: Readonly<Record<string, RegExp>> = { CAKE_UUID };
