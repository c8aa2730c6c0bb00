/**
 * Connection cursors: the opaque strings `users` and `Group.members` hand out and take back as `after`.
 *
 * A cursor wraps the adapter's `PageState` (directory.ts) with what it belongs to: the provider, the
 * list (its kind plus a digest of the normalised filter or of the group id) and a format version,
 * as base64url JSON, followed by an integrity tag (a truncated SHA-256 over that text):
 *
 *     base64url({"v":1,"p":"PASSBOLT","k":"users:3f2a…","s":40}) "." tag
 *
 * The tag catches a cursor altered by hand or cut short; the bindings catch one used with another
 * provider, another filter or another list. Either is refused with BAD_USER_INPUT before any
 * upstream call. Cursors are integrity-checked, not secret (anyone can decode the state) and not
 * signed with a key: they work across replicas and restarts, and the adapter re-checks the state
 * (`checkPageState`), so a forged state gains nothing an adapter would not accept anyway.
 */
import { createHash } from 'node:crypto';
import { ErrorCode, GatewayError } from './errors.js';
import type { PageState, UserFilter, UserPage } from './providers/directory.js';
import type { ProviderName, UserModel } from './model.js';

const VERSION = 1;
/** Longer than any cursor the gateway writes (the state stays small); refused before hashing. */
const MAX_CURSOR_LENGTH = 1024;
const TAG_LENGTH = 16;

/** What a list page is, for the cursor: `users:<filter digest>` or `members:<group digest>`. */
export type ListKey = string;

/** The list key of `users` with this (already normalised) filter. */
export function usersListKey(filter: UserFilter): ListKey {
  // Fixed key order, absent filters left out: equal filters give equal keys.
  const canonical = JSON.stringify([filter.search ?? null, filter.email ?? null, filter.active ?? null, filter.groupId ?? null]);
  return `users:${digest(canonical)}`;
}

/** The list key of a group's members (the group id as the adapter normalised it). */
export function membersListKey(groupId: string): ListKey {
  return `members:${digest(groupId)}`;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

function tagOf(payload: string): string {
  return createHash('sha256').update(`usergraph-cursor.${payload}`).digest('base64url').slice(0, TAG_LENGTH);
}

export function encodeCursor(provider: ProviderName, key: ListKey, state: PageState): string {
  const payload = Buffer.from(JSON.stringify({ v: VERSION, p: provider, k: key, s: state })).toString('base64url');
  return `${payload}.${tagOf(payload)}`;
}

/**
 * The state inside a client's `after` cursor, checked to belong to this provider and list; throws
 * BAD_USER_INPUT naming `after` otherwise. The adapter's `checkPageState` still has to accept it.
 */
export function decodeCursor(cursor: string, provider: ProviderName, key: ListKey): unknown {
  const refuse = (why: string) =>
    new GatewayError(ErrorCode.BAD_USER_INPUT, `The cursor \`after\` ${why}; pass back a cursor exactly as this list returned it.`, {
      provider,
      reason: 'INVALID_CURSOR',
    });
  if (cursor.length > MAX_CURSOR_LENGTH) throw refuse('is too long to be one the gateway wrote');
  const dot = cursor.indexOf('.');
  const payload = dot === -1 ? '' : cursor.slice(0, dot);
  if (!payload || cursor.slice(dot + 1) !== tagOf(payload)) throw refuse('is not one the gateway wrote, or was altered');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw refuse('is not one the gateway wrote, or was altered');
  }
  const { v, p, k, s } = (decoded ?? {}) as { v?: unknown; p?: unknown; k?: unknown; s?: unknown };
  if (v !== VERSION) throw refuse('was written by another version of the gateway');
  if (p !== provider) throw refuse(`belongs to another provider's list, not ${provider}'s`);
  if (typeof k !== 'string' || k.split(':')[0] !== key.split(':')[0]) {
    throw refuse(key.startsWith('users:') ? "belongs to a group's members, not to `users`" : "belongs to another list than this group's members");
  }
  if (k !== key) throw refuse(key.startsWith('users:') ? 'belongs to `users` with another filter' : "belongs to another group's members");
  return s;
}

/** A `UserConnection` as the schema serves it. */
export interface UserConnectionModel {
  edges: Array<{ cursor: string; node: UserModel }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number | null;
}

/**
 * An adapter's page as a connection: each edge's cursor wraps the state that resumes right after it,
 * `startCursor`/`endCursor` are the first and last edge's, and pages are read forward only.
 */
export function toConnection(page: UserPage, provider: ProviderName, key: ListKey): UserConnectionModel {
  const edges = page.edges.map(({ user, after }) => ({ cursor: encodeCursor(provider, key, after), node: user }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: page.totalCount,
  };
}
