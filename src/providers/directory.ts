/**
 * Directory reads: listing and searching a provider's users page by page, and a group with its
 * members. An adapter that can list implements `DirectoryAdapter` (types.ts; its `directory` member); one that
 * cannot (no documented list endpoint) leaves it out, and the gateway answers NOT_SUPPORTED.
 *
 * Paging is the provider's own (a keyset cursor, a page number, an offset, or the whole list read at
 * once and cut by the gateway): the adapter hands back, with every user, the `PageState` that resumes
 * right after it. The gateway wraps that state in an opaque, integrity-checked cursor bound to the
 * provider, the kind of list and the filter (`cursor.ts`), so an adapter only ever sees states it made,
 * re-checked by `checkPageState`.
 */
import type { GatewayError } from '../errors.js';
import type { UserModelBase } from '../model.js';

/** The `UserFilter` input, normalised by the gateway (strings trimmed, empty = absent). */
export interface UserFilter {
  /** Name, username or email contains this text (case-insensitive). */
  search?: string;
  /** The email equals this (case-insensitive). */
  email?: string;
  active?: boolean;
  /** Member of this group (the provider's own group id, as `Group.groupId`). */
  groupId?: string;
}

export type FilterName = keyof UserFilter;

/** Where a page starts, in the provider's own terms. It travels inside cursors, so it stays small. */
export type PageState = string | number;

export interface PageRequest {
  /** How many users, 1 to 100 (the gateway has checked). */
  first: number;
  /** Resume after this state; undefined for the first page. */
  after?: PageState;
}

export interface UserPage<Model extends UserModelBase = UserModelBase> {
  /** At most `first` users, in the provider's order, each with the state that resumes right after it. */
  edges: Array<{ user: Model; after: PageState }>;
  hasNextPage: boolean;
  /** All users matching the filter, when the provider reports it (else null). */
  totalCount: number | null;
}

/** A group as `group(provider, id)` answers it. */
export interface GroupRecord {
  /** The provider's own id. */
  id: string;
  name: string | null;
  description: string | null;
}

/** What `listUsers`/`listGroupMembers` resolve to for the gateway core (a failure rejects with a GatewayError). */
export type DirectoryResult<Model extends UserModelBase = UserModelBase> = UserPage<Model> | GatewayError;
