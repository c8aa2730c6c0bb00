/**
 * BellaDati's raw user record as its docs describe it (GET User Detail `/api/users/:id`, GET User
 * Detail by username; contract belladati.md §4), the id and username rules, and the parser that
 * turns an untrusted body into a typed record.
 *
 * Lenient where the contract says a field may be null or absent (`email`, `info`, `phone`,
 * `timeZone`, `middleName`, `firstLogin`/`lastLogin` for users who never logged in, and the two
 * name spellings), strict on what the gateway relies on (`id`, `username`, `domain_id`, `active`,
 * `locale`, `roles`, `groups`). Unknown fields are dropped by zod, so nothing undocumented reaches
 * the model.
 */
import { z } from 'zod';
import { ErrorCode, GatewayError } from '../../errors.js';
import { parseWire } from '../wire.js';

/** Digit strings (`"123"`, `"45"`, `"56"`): BellaDati sends every id as a JSON string (contract §4). */
const digits = z.string().regex(/^\d+$/);
/** A field that may be null or absent (contract §4 "Null / absent?" column). */
const optionalText = z.string().nullish();

const BellaDatiRoleWire = z.object({
  /** `ADMIN`, `WORKSPACE_ADMIN`, `DATASET_ADMIN`, `REPORT_ADMIN` (belladati-sdk-api `UserRole`); kept as sent. */
  role: z.string(),
});

const BellaDatiGroupWire = z.object({
  id: digits,
  name: z.string(),
  /** Only the `/userGroups` list documents it (GET User Groups); read when present. */
  description: optionalText,
});

export const BellaDatiUserWire = z.object({
  id: digits,
  username: z.string().min(1),
  domain_id: digits,
  /** The documented names (all doc revisions, iOS SDK `User.swift`). */
  firstName: optionalText,
  lastName: optionalText,
  /** Only on the newest `/api/users/:id` page revision (contract §4). */
  middleName: optionalText,
  /** The Java SDK's spelling of the same two fields (`UserImpl`: `name`, `surname`); contract §4 "Conflict". */
  name: optionalText,
  surname: optionalText,
  /** "BellaDati can return null" (iOS SDK `User.swift`). */
  email: optionalText,
  active: z.boolean(),
  info: optionalText,
  /** Absent when the user never logged in; `EEE, dd MMM yyyy HH:mm:ss zzz`. */
  firstLogin: optionalText,
  lastLogin: optionalText,
  phone: optionalText,
  timeZone: optionalText,
  locale: z.string(),
  roles: z.array(BellaDatiRoleWire),
  groups: z.array(BellaDatiGroupWire),
});

export type BellaDatiUserWire = z.infer<typeof BellaDatiUserWire>;

/** Validates a parsed body (`parseJsonBody` output) as one BellaDati user. Throws `PROVIDER_BAD_RESPONSE`. */
export function parseBellaDatiUserWire(body: unknown): BellaDatiUserWire {
  return parseWire(BellaDatiUserWire, body, 'BELLADATI', 'body');
}

/**
 * User ids are digit strings ("You can find the ID in the response to /api/domains/:domain_id/users",
 * GET User Detail). They are opaque: `"0123"` stays `"0123"` (zeros are not stripped, the provider
 * compares strings). At most 18 digits, so any accepted id also fits a Java `long` server-side.
 */
const USER_ID = /^\d{1,18}$/;

export function normalizeBellaDatiId(id: string): string {
  if (!USER_ID.test(id)) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'belladati: id must be a string of 1 to 18 digits.', { provider: 'BELLADATI' });
  }
  return id;
}

const MAX_USERNAME_LENGTH = 256;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * Checks the username `me` looks up (`/api/users/username/:username`, usually an email). It travels
 * as one encoded path segment, so `.` and `..` could never name a user there (a URL parser would
 * resolve them as dot segments).
 */
export function checkBellaDatiUsername(username: string): string {
  if (
    username.length === 0 ||
    username.length > MAX_USERNAME_LENGTH ||
    CONTROL_CHARS.test(username) ||
    username === '.' ||
    username === '..'
  ) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'belladati: username must be 1 to 256 characters without control characters.', {
      provider: 'BELLADATI',
      reason: 'INVALID_USERNAME',
    });
  }
  return username;
}
