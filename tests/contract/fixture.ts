/**
 * What the provider contract suite must know of one provider, and nothing it could work out itself:
 * the demo credentials, a few ids of the demo data and what the gateway serves for them, and how the
 * provider words its errors. One file per provider, `fixtures/<provider in lower case>.ts`, default
 * export; a registered provider without one fails the suite.
 */
import type { ErrorCode } from '../../src/errors.js';
import type { ProviderName } from '../../src/model.js';

/** A simulator data section as stored: its users are raw provider records. */
export interface RawSection {
  users: Array<Record<string, unknown>>;
}

/** One row of the provider's error table, driven over HTTP by the simulator's fault injection. */
export interface ErrorRow {
  /** The upstream status the simulator answers with. */
  status: number;
  /** The body, shaped the way the provider sends it for this status (a string is sent as is). */
  body?: unknown;
  /** Response headers, e.g. `{ 'retry-after': '30' }`. */
  headers?: Record<string, string>;
  /** What the client must see on the field. */
  code: ErrorCode;
  reason?: string;
  retryAfterSeconds?: number;
  /** A few words on a documented special case (shown in the test name). */
  note?: string;
}

export interface ContractFixture {
  provider: ProviderName;
  /** The simulator's key: `stack.sims[sim]` and the section of the simulator data. */
  sim: string;
  /** Client headers that let `user(provider, id)` read every id below (demo credentials). */
  headers: Record<string, string>;
  /** The user the fixture knows in full, and every unified `User` field the gateway serves for it. */
  known: { id: string; unified: Record<string, unknown> };
  /** Two more readable users, for batches. */
  others: readonly [string, string];
  /** A well-formed id no user has: NOT_FOUND. */
  missing: string;
  /** Ids the provider could never accept: BAD_USER_INPUT before any upstream call. */
  invalidIds: readonly string[];
  /** `me`: the headers that name a caller, and that caller's id. */
  me: { headers: Record<string, string>; id: string };
  /** The header to send twice (MALFORMED_CREDENTIALS), as clients spell it. */
  credentialHeader: string;
  /** Every credential header of this provider, each with a distinct value found nowhere else. */
  canaryHeaders: Record<string, string>;
  /** The upstream path of a single user read; group 1 is the one segment the id occupies. */
  userPath: RegExp;
  /**
   * Tolerant reading: `remove` deletes one field that does not identify the user from the known
   * user's raw record in (a fresh copy of) this provider's simulator data section; the user must
   * still be served, with `field` (a unified field) equal to `expected`.
   */
  tolerant: { remove(section: RawSection): void; field: string; expected: unknown };
  /** The error table; must hold at least 401, 403, 404, 429, 500 and 503. */
  errors: readonly ErrorRow[];
}

/** Identity, for type checking a fixture file. */
export const defineFixture = (fixture: ContractFixture): ContractFixture => fixture;
