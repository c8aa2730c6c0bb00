/**
 * Passbolt's raw shapes, as documented by Passbolt's OpenAPI 3.1 description (`components/schemas.yml`
 * `header`, `components/schemas/users.yml` `userIndexAndView`) and the 2019 "View a users record"
 * page (contract §4), and its user id.
 */
import { z } from 'zod';
import { ErrorCode, GatewayError } from '../../errors.js';
import { parseWire } from '../wire.js';

/**
 * What Passbolt accepts as a user id: CakePHP's `Validation::uuid`, which UsersViewController applies
 * before anything else (version digit 0-5, variant digit 0/8/9/a/b; any case). Anything else is a
 * 400 "The user identifier should be a valid UUID or "me"." (contract §2, §6).
 */
const CAKE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-5][0-9a-f]{3}-[089ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** True for an id Passbolt's view accepts (the literal `me` aside). */
export function isPassboltUuid(id: string): boolean {
  return CAKE_UUID.test(id);
}

/**
 * Validates a user id and returns its canonical form: lower case, because Passbolt's
 * UuidParserMiddleware lower-cases UUIDs before use (contract §1), so `ABC…` and `abc…` are one
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

/** Dates may be null or absent where the schema marks them `x-nullable` or leaves them optional. */
const optionalDate = z.string().nullish();

const avatarWire = z.object({
  id: z.string().nullish(),
  created: optionalDate,
  modified: optionalDate,
  // v5 always sends both URLs (AvatarHelper); 2019 servers sent relative ones (contract §4).
  url: z
    .object({ medium: z.string().nullish(), small: z.string().nullish() })
    .nullish(),
});

const profileWire = z.object({
  id: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  created: optionalDate,
  modified: optionalDate,
  avatar: avatarWire.nullish(),
});

const roleWire = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullish(),
  created: optionalDate,
  modified: optionalDate,
});

const gpgkeyWire = z.object({
  id: z.string(),
  fingerprint: z.string(),
  key_id: z.string(),
  bits: z.number().int().nullish(),
  uid: z.string().nullish(),
  type: z.string().nullish(),
  expires: optionalDate,
  key_created: optionalDate,
  armored_key: z.string().nullish(),
  deleted: z.boolean().nullish(),
  created: optionalDate,
  modified: optionalDate,
});

const groupUserWire = z.object({
  id: z.string(),
  group_id: z.string(),
  is_admin: z.boolean(),
  created: optionalDate,
});

/**
 * A user as `/users/{id}.json` returns it in `body`. Strict on what the gateway reads. Lenient where
 * Passbolt may leave a part out: `disabled` arrived in v4.3, `last_logged_in` is `""` in 2019 docs and
 * null in v5, `is_mfa_enabled` is only sent to admins and the user themself, `gpgkey` is null before
 * setup, and `contain[...]=0` drops `profile`, `role`, `gpgkey` or `groups_users` (contract §3, §4).
 * Unknown keys (`missing_metadata_key_ids`, paid-edition plugins) are dropped.
 */
const userWire = z.object({
  id: z.string(),
  role_id: z.string(),
  username: z.string(),
  active: z.boolean(),
  deleted: z.boolean(),
  created: optionalDate,
  modified: optionalDate,
  disabled: optionalDate,
  last_logged_in: optionalDate,
  is_mfa_enabled: z.boolean().nullish(),
  profile: profileWire.nullish(),
  role: roleWire.nullish(),
  gpgkey: gpgkeyWire.nullish(),
  groups_users: z
    .array(groupUserWire)
    .nullish()
    .transform((list) => list ?? []),
});

/** The envelope of every JSON answer: `{"header": {...}, "body": ...}` (contract §4). */
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
 * header says otherwise is outside the contract, contract §10 "check header.status as well as the
 * HTTP code"), and the user in `body`, whose `id` must be a UUID the gateway accepts back.
 */
export function parsePassboltUserWire(value: unknown): PassboltUserWire {
  const envelope = parseWire(envelopeWire, value, 'PASSBOLT', '');
  if (envelope.header.status !== 'success') {
    throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'passbolt: header.status: expected "success"', { provider: 'PASSBOLT' });
  }
  const user = parseWire(userWire, envelope.body, 'PASSBOLT', 'body');
  if (!isPassboltUuid(user.id)) {
    throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'passbolt: body.id: expected a UUID', { provider: 'PASSBOLT' });
  }
  return user;
}
