/**
 * BellaDati's raw user record as its docs describe it (GET User Detail `/api/users/:id`, GET User
 * Detail by username), the id and username rules, and the parser that turns an untrusted body into
 * a typed record.
 *
 * Strict only on what identifies the user (`id`, `username`): a record without them is no user.
 * Every other field is read tolerantly (`lenient`): the docs list `locale`, `roles` or `groups` on
 * every record, but a record that leaves one out, or sends it with another type, still yields the
 * user with that one field empty. Unknown fields are dropped by zod, so nothing undocumented reaches
 * the model.
 */
import { z } from 'zod';
import { ErrorCode, GatewayError } from '../../errors.js';
import { lenient, lenientList, parseTolerant } from '../tolerant.js';
import { parseWire } from '../wire.js';

/** Digit strings (`"123"`, `"45"`, `"56"`): BellaDati sends every id as a JSON string. */
const DIGITS = /^\d+$/;
const digits = z.string().regex(DIGITS);
/** A free-text field: a string, or null/absent (the docs' "BellaDati can return null"), or unreadable. */
const text = (field: string) => lenient(z.string(), field);

const BellaDatiRoleWire = z.object({
  /** `ADMIN`, `WORKSPACE_ADMIN`, `DATASET_ADMIN`, `REPORT_ADMIN` (belladati-sdk-api `UserRole`); kept as sent. */
  role: z.string(),
});

const BellaDatiGroupWire = z.object({
  id: digits,
  name: text('groups[].name'),
  /** Only the `/userGroups` list documents it (GET User Groups); read when present. */
  description: text('groups[].description'),
});

export const BellaDatiUserWire = z.object({
  id: digits,
  username: z.string().min(1),
  domain_id: lenient(digits, 'domain_id'),
  /** The documented names (all doc revisions, iOS SDK `User.swift`). */
  firstName: text('firstName'),
  lastName: text('lastName'),
  /** Only on the newest `/api/users/:id` page revision. */
  middleName: text('middleName'),
  /** The Java SDK's spelling of the same two fields (`UserImpl`: `name`, `surname`). */
  name: text('name'),
  surname: text('surname'),
  /** "BellaDati can return null" (iOS SDK `User.swift`). */
  email: text('email'),
  active: lenient(z.boolean(), 'active'),
  info: text('info'),
  /** Absent when the user never logged in; `EEE, dd MMM yyyy HH:mm:ss zzz`. Unreadable ones become a field error. */
  firstLogin: z.unknown().optional(),
  lastLogin: z.unknown().optional(),
  phone: text('phone'),
  timeZone: text('timeZone'),
  locale: text('locale'),
  /** Entries without a role name are left out; the rest are kept. */
  roles: lenientList(BellaDatiRoleWire, 'roles'),
  /** Entries without a digit-string id are left out; the rest are kept. */
  groups: lenientList(BellaDatiGroupWire, 'groups'),
});

export type BellaDatiUserWire = z.infer<typeof BellaDatiUserWire>;

/**
 * Validates a parsed body (`parseJsonBody` output) as one BellaDati user. Throws `PROVIDER_BAD_RESPONSE`
 * only when the body is not an object or its `id` or `username` is unusable.
 */
export function parseBellaDatiUserWire(body: unknown): BellaDatiUserWire {
  return parseTolerant(BellaDatiUserWire, body, 'BELLADATI', 'body');
}

/**
 * GET Users (`/api/domains/:domain_id/users`): `{"users": [<user>, …]}`, no paging fields
 * (docs/providers/belladati.md §6). The envelope is strict (without a `users` array there is no list);
 * each entry is a full user record, read like a single one: strict on `id`/`username`, tolerant on the rest.
 */
const BellaDatiUserListWire = z.object({ users: z.array(z.unknown()) });

export function parseBellaDatiUserList(body: unknown): BellaDatiUserWire[] {
  const { users } = parseWire(BellaDatiUserListWire, body, 'BELLADATI', 'body');
  return users.map((user, i) => parseTolerant(BellaDatiUserWire, user, 'BELLADATI', `body.users[${i}]`));
}

/** GET User Groups (`/api/domains/:domain_id/userGroups`): `{"userGroups": [{id, name, description}, …]}`. */
const BellaDatiGroupListWire = z.object({ userGroups: lenientList(BellaDatiGroupWire, 'userGroups') });

export type BellaDatiGroupWire = z.infer<typeof BellaDatiGroupWire>;

export function parseBellaDatiGroupList(body: unknown): BellaDatiGroupWire[] {
  return parseTolerant(BellaDatiGroupListWire, body, 'BELLADATI', 'body').userGroups;
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

/** Group ids are digit strings too (`"56"`, GET User Groups); same bounds as user ids. */
export function normalizeBellaDatiGroupId(id: string): string {
  if (!USER_ID.test(id)) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'belladati: a group id must be a string of 1 to 18 digits.', { provider: 'BELLADATI' });
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

/** The patterns above, which run on provider or client text: anchored, one repetition each, linear. */
export const UNTRUSTED_TEXT_PATTERNS: Readonly<Record<string, RegExp>> = { DIGITS, USER_ID, CONTROL_CHARS };
