/**
 * SCIM 2.0 shapes as RFC 7643 defines them (§4.1 User, §4.3 the enterprise extension, §3.1 common
 * attributes) and RFC 7644 §3.4.2 (ListResponse), the user id rule, and the parsers that turn an
 * untrusted body into typed records (docs/providers/scim.md §3, §5).
 *
 * Strict only on what identifies a user (`id`, `userName`): a resource without them is no user.
 * Everything else is read tolerantly: servers leave out most attributes, and some send a boolean
 * as `"true"` or a multi-valued attribute as a single object. Attribute names are matched exactly as
 * the RFC spells them; a server that changes their case is read as if it had left them out.
 */
import { z } from 'zod';
import { ErrorCode, GatewayError } from '../../errors.js';
import { lenient, lenientList, parseTolerant } from '../tolerant.js';
import { parseWire } from '../wire.js';

export const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Longest id the gateway accepts; real servers use UUIDs, GUIDs or short opaque keys. */
export const MAX_ID_LENGTH = 256;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
/** A UTF-16 surrogate without its partner: not text a client could have meant. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Validates a user id and returns it unchanged: SCIM ids are opaque, server-assigned and
 * case-exact (RFC 7643 §3.1), so `abc` and `ABC` are two users and no canonical form exists. Only
 * what can never be an id is refused, before any upstream call: the empty string, more than
 * MAX_ID_LENGTH characters, control characters, text that is not well-formed Unicode, and the
 * dot segments `.` and `..` (also percent-encoded), which no URL can carry as `/Users/{id}`
 * (docs/providers/scim.md §3).
 */
export function normalizeScimId(id: string): string {
  const refuse = (why: string): never => {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, `scim: id ${why}.`, { provider: 'SCIM' });
  };
  if (id.length === 0) refuse('must not be empty');
  if (id.length > MAX_ID_LENGTH) refuse(`must be at most ${MAX_ID_LENGTH} characters`);
  if (CONTROL_CHARS.test(id)) refuse('must not contain control characters');
  if (LONE_SURROGATE.test(id)) refuse('must be well-formed Unicode text');
  if (isDotSegment(id)) refuse('cannot be "." or ".." (not addressable as /Users/{id})');
  return id;
}

/**
 * `.` or `..`, also as the client may have percent-encoded it (`%2e`): the gateway encodes the `%`,
 * so such an id would reach the server intact, but an intermediary that decodes once would turn it
 * into a dot segment. No server can have meant these as ids.
 */
function isDotSegment(id: string): boolean {
  let decoded = id;
  try {
    decoded = decodeURIComponent(id);
  } catch {
    // Not percent-encoding: taken as it is.
  }
  return decoded === '.' || decoded === '..';
}

const text = (field: string) => lenient(z.string(), field);
/** RFC 7643 booleans are JSON booleans; a few servers send `"true"`/`"false"`, read the same. */
const flag = (field: string) =>
  lenient(
    z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False', 'TRUE', 'FALSE']).transform((v) => v.toLowerCase() === 'true')]),
    field,
  );
/** A multi-valued attribute (RFC 7643 §2.4): a list; a lone object is read as a list of one. */
const multi = <T extends z.ZodType>(item: T, field: string) =>
  z.preprocess((value) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? [value] : value), lenientList(item, field));

/** `emails`, `phoneNumbers`, `photos`, `roles`…: `{value, display, type, primary}` (RFC 7643 §2.4). */
const multiValue = (field: string) =>
  z.object({
    value: z.string(),
    display: text(`${field}[].display`),
    type: text(`${field}[].type`),
    primary: flag(`${field}[].primary`),
  });

const nameWire = z.object({
  formatted: text('name.formatted'),
  familyName: text('name.familyName'),
  givenName: text('name.givenName'),
  middleName: text('name.middleName'),
  honorificPrefix: text('name.honorificPrefix'),
  honorificSuffix: text('name.honorificSuffix'),
});

/** `groups` (RFC 7643 §4.1.2): read-only, `value` is the group's id. */
const groupWire = z.object({
  value: z.string().min(1),
  display: text('groups[].display'),
  $ref: text('groups[].$ref'),
  type: text('groups[].type'),
});

const metaWire = z.object({
  resourceType: text('meta.resourceType'),
  created: z.unknown().optional(),
  lastModified: z.unknown().optional(),
  location: text('meta.location'),
  version: text('meta.version'),
});

/** The enterprise extension (RFC 7643 §4.3), found under its URN. */
const enterpriseWire = z.object({
  employeeNumber: text('enterprise.employeeNumber'),
  costCenter: text('enterprise.costCenter'),
  organization: text('enterprise.organization'),
  division: text('enterprise.division'),
  department: text('enterprise.department'),
  manager: lenient(
    z.object({ value: text('enterprise.manager.value'), $ref: text('enterprise.manager.$ref'), displayName: text('enterprise.manager.displayName') }),
    'enterprise.manager',
  ),
});

/** A User resource: `id` and `userName` strict, the rest tolerant; unknown core attributes are dropped. */
const userWire = z.object({
  id: z.string().min(1),
  userName: z.string().min(1),
  schemas: lenientList(z.string(), 'schemas'),
  externalId: text('externalId'),
  name: lenient(nameWire, 'name'),
  displayName: text('displayName'),
  nickName: text('nickName'),
  profileUrl: text('profileUrl'),
  title: text('title'),
  userType: text('userType'),
  preferredLanguage: text('preferredLanguage'),
  locale: text('locale'),
  timezone: text('timezone'),
  active: flag('active'),
  emails: multi(multiValue('emails'), 'emails'),
  phoneNumbers: multi(multiValue('phoneNumbers'), 'phoneNumbers'),
  photos: multi(multiValue('photos'), 'photos'),
  groups: multi(groupWire, 'groups'),
  roles: multi(multiValue('roles'), 'roles'),
  meta: lenient(metaWire, 'meta'),
});

export type ScimMultiValueWire = z.output<ReturnType<typeof multiValue>>;
export type ScimGroupWire = z.output<typeof groupWire>;
export type ScimEnterpriseWire = z.output<typeof enterpriseWire>;

export interface ScimUserWire extends z.output<typeof userWire> {
  /** The enterprise extension, when the resource carries a readable one. */
  enterprise: ScimEnterpriseWire | null;
  /** Every other URN-keyed extension object, as sent (RFC 7643 §3.3). */
  extensions: Record<string, unknown>;
}

/** A resource's top-level keys that name a schema extension: a URN (`urn:…`) holding an object. */
function extensionEntries(value: unknown): Array<[string, unknown]> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).filter(
    ([key, v]) => /^urn:/i.test(key) && v !== null && typeof v === 'object' && !Array.isArray(v),
  );
}

/** Validates one User resource (a `GET /Users/{id}` or `/Me` body, or one of a list's `Resources`). */
export function parseScimUserWire(value: unknown, root = 'body'): ScimUserWire {
  const user = parseTolerant(userWire, value, 'SCIM', root);
  let enterprise: ScimEnterpriseWire | null = null;
  const extensions: Record<string, unknown> = {};
  for (const [urn, ext] of extensionEntries(value)) {
    if (urn.toLowerCase() === ENTERPRISE_USER_SCHEMA.toLowerCase()) {
      const parsed = enterpriseWire.safeParse(ext);
      enterprise = parsed.success ? parsed.data : null;
    } else {
      extensions[urn] = ext;
    }
  }
  // Attach without breaking the dropped-field note parseTolerant keyed on `user`.
  return Object.assign(user, { enterprise, extensions });
}

/** A ListResponse (RFC 7644 §3.4.2): `Resources` may be absent when nothing matched. */
const listWire = z.object({
  totalResults: z.number().int().nonnegative(),
  startIndex: z.number().int().optional().catch(undefined),
  itemsPerPage: z.number().int().optional().catch(undefined),
  Resources: z.array(z.unknown()).nullish(),
});

export interface ScimListWire {
  totalResults: number;
  /** The resources as sent, each still to be read with `parseScimUserWire`. */
  resources: unknown[];
}

export function parseScimListWire(value: unknown): ScimListWire {
  const list = parseWire(listWire, value, 'SCIM', 'body');
  return { totalResults: list.totalResults, resources: list.Resources ?? [] };
}

/** A Group (RFC 7643 §4.2): `displayName`, and `members` whose `value` is a member's id. */
const groupResourceWire = z.object({
  id: z.string().min(1),
  displayName: text('displayName'),
  members: multi(
    z.object({ value: z.string().min(1), type: text('members[].type'), display: text('members[].display') }),
    'members',
  ),
});

export type ScimGroupResourceWire = z.output<typeof groupResourceWire>;

/** Validates a `GET /Groups/{id}` body: strict on `id`, tolerant on the rest (`members` may be absent). */
export function parseScimGroupWire(value: unknown): ScimGroupResourceWire {
  return parseWire(groupResourceWire, value, 'SCIM', 'body');
}

/** The patterns above, which run on client and provider text: single characters or a fixed lookaround, linear. */
export const UNTRUSTED_TEXT_PATTERNS: Readonly<Record<string, RegExp>> = { CONTROL_CHARS, LONE_SURROGATE };
