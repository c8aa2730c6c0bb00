/**
 * Syncano's raw shapes (v1.1 `UserFullSerializer`, "User - details"), validated before mapping.
 * Strict only on what identifies the user (`id`, `username`); every other field is read tolerantly:
 * a field left out or of another type reads as absent, and a group without its numeric id is left
 * out. `user_key`, the user's secret, is accepted here only to be dropped: the parsed value never
 * carries it.
 */
import { z } from 'zod';
import { ErrorCode, GatewayError } from '../../errors.js';
import { lenient, lenientList, parseTolerant } from '../tolerant.js';
import { parseWire } from '../wire.js';

const linksSchema = z.record(z.string(), z.unknown());

export const syncanoGroupWireSchema = z.object({
  id: z.number().int(),
  label: lenient(z.string(), 'groups[].label'),
  description: lenient(z.string(), 'groups[].description'),
  // Emitted by the 2018+ backend only.
  name: lenient(z.string(), 'groups[].name'),
  links: lenient(linksSchema, 'groups[].links'),
});

/** The documented DataObject fields of a profile; everything else on it is a custom field. */
export const PROFILE_BUILTIN_FIELDS = [
  'id',
  'created_at',
  'updated_at',
  'revision',
  'owner',
  'owner_permissions',
  'group_permissions',
  'other_permissions',
  'group',
  'channel',
  'channel_room',
  'links',
] as const;

const profileText = (field: string) => lenient(z.string(), `profile.${field}`);
const profileInt = (field: string) => lenient(z.number().int(), `profile.${field}`);

export const syncanoProfileWireSchema = z
  .object({
    id: profileInt('id'),
    /** Timestamp strings; anything else becomes an error on that one date field. */
    created_at: z.unknown().optional(),
    updated_at: z.unknown().optional(),
    revision: profileInt('revision'),
    owner: profileInt('owner'),
    owner_permissions: profileText('owner_permissions'),
    group_permissions: profileText('group_permissions'),
    other_permissions: profileText('other_permissions'),
    group: profileInt('group'),
    channel: profileText('channel'),
    channel_room: profileText('channel_room'),
    links: lenient(linksSchema, 'profile.links'),
  })
  .catchall(z.unknown());

export const syncanoUserWireSchema = z.object({
  // Auto-increment from 1; beyond 2^53 a JSON number no longer names one integer.
  id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  username: z.string(),
  // Absent when the user's profile row is missing.
  profile: lenient(syncanoProfileWireSchema, 'profile'),
  groups: lenientList(syncanoGroupWireSchema, 'groups'),
  links: lenient(linksSchema, 'links'),
});

export type SyncanoGroupWire = z.output<typeof syncanoGroupWireSchema>;
export type SyncanoProfileWire = z.output<typeof syncanoProfileWireSchema>;
export type SyncanoUserWire = z.output<typeof syncanoUserWireSchema>;

/** Strips every `user_key` (and any secret-looking key) from a raw value, at any depth. */
export function stripSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSecrets);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!isSecretKey(key)) out[key] = stripSecrets(v);
  }
  return out;
}

/** `user_key` itself, and custom fields named like secrets (`*_key`, `password`, `token`…). */
const SECRET_KEY = /(^|_)(user_key|api_key|key|password|passwd|secret|token)$/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function parseSyncanoUserWire(value: unknown): SyncanoUserWire {
  return parseTolerant(syncanoUserWireSchema, stripSecrets(value), 'SYNCANO', 'body');
}

/** One item of a batch response: `{code, content}` (docs/providers/syncano.md §5). */
const batchItemSchema = z.object({ code: z.number().int(), content: z.unknown() });
export type SyncanoBatchItem = z.output<typeof batchItemSchema>;

export function parseSyncanoBatchWire(value: unknown, expected: number): SyncanoBatchItem[] {
  const items = parseWire(z.array(batchItemSchema), value, 'SYNCANO', 'body');
  if (items.length !== expected) {
    throw new GatewayError(ErrorCode.PROVIDER_BAD_RESPONSE, 'syncano: the batch response does not match the request.', { provider: 'SYNCANO' });
  }
  return items;
}

/**
 * A user id as Syncano stores it: a positive auto-increment integer (docs/providers/syncano.md §3). Canonical form
 * drops leading zeros, so "007" and "7" share a cache key; at most 18 digits keeps it an exact
 * integer everywhere.
 */
const SYNCANO_ID = /^\d{1,18}$/;
const ALL_ZEROS = /^0+$/;
const LEADING_ZEROS = /^0+/;
/**
 * A cursor state inside a group's member list, `"<last_pk>.<skip>"` (directory.ts). It comes back
 * from clients inside cursors, so it is checked like any client text.
 */
export const MEMBER_PAGE_STATE = /^(\d{1,16})\.(\d{1,3})$/;

export function normalizeSyncanoId(id: string): string {
  if (!SYNCANO_ID.test(id) || ALL_ZEROS.test(id)) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'syncano: id must be a positive integer (digits only).', { provider: 'SYNCANO' });
  }
  return id.replace(LEADING_ZEROS, '');
}

/**
 * The patterns above, which run on client and provider text (ids, and every key of an upstream
 * record): anchored or free of repetition, linear.
 */
export const UNTRUSTED_TEXT_PATTERNS: Readonly<Record<string, RegExp>> = { SECRET_KEY, SYNCANO_ID, ALL_ZEROS, LEADING_ZEROS, MEMBER_PAGE_STATE };

/**
 * A list answer (docs/providers/syncano.md §6): `{objects, next, prev}`. `objects` must be a list;
 * `next` is read only for whether it is there (a path, or null on the last page), so anything but a
 * string reads as "no next page".
 */
const listEnvelopeSchema = z.object({
  objects: z.array(z.unknown()),
  next: lenient(z.string(), 'next'),
});

export interface SyncanoListWire {
  objects: unknown[];
  /** `next` itself, or null: the path resuming after this page. */
  next: string | null;
}

export function parseSyncanoListWire(value: unknown): SyncanoListWire {
  const parsed = parseWire(listEnvelopeSchema, value, 'SYNCANO', 'body');
  return { objects: parsed.objects, next: parsed.next ?? null };
}

/** One item of `…/groups/{id}/users/`: the membership, with the full user under `user`. */
const membershipSchema = z.object({ user: z.unknown() });

export function readMembershipUser(value: unknown): unknown {
  return parseWire(membershipSchema, value, 'SYNCANO', 'body.objects[]').user;
}

/**
 * `last_pk` of a `next` path: for a group's members it is the membership's own key, which the items
 * do not carry, so it is the only way to resume after a page. Undefined when absent or not an integer.
 */
export function readNextLastPk(next: string): number | undefined {
  let raw: string | null;
  try {
    raw = new URL(next, 'http://syncano.invalid').searchParams.get('last_pk');
  } catch {
    return undefined;
  }
  return raw !== null && SYNCANO_ID.test(raw) ? Number(raw) : undefined;
}

/** `GET …/groups/{id}/`: strict on the id, tolerant on the rest. */
export const syncanoGroupDetailSchema = z.object({
  id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  label: lenient(z.string(), 'label'),
  description: lenient(z.string(), 'description'),
  name: lenient(z.string(), 'name'),
});

export function parseSyncanoGroupWire(value: unknown): z.output<typeof syncanoGroupDetailSchema> {
  return parseTolerant(syncanoGroupDetailSchema, stripSecrets(value), 'SYNCANO', 'body');
}

/** A group id is a positive integer like a user id (§3); the same canonical form. */
export function normalizeSyncanoGroupId(id: string): string {
  if (!SYNCANO_ID.test(id) || ALL_ZEROS.test(id)) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'syncano: group id must be a positive integer (digits only).', { provider: 'SYNCANO' });
  }
  return id.replace(LEADING_ZEROS, '');
}
