/**
 * An upstream error status → gateway error, as data. Every provider's `errors.ts` is its documented
 * status table plus the few special cases its documentation describes (a 403 that really means "bad
 * key", an MFA challenge, an OAuth problem code); the steps around them are the same for every
 * provider and live here once:
 *
 * 1. special cases that must win over everything (`first`), e.g. a body naming the real problem;
 * 2. a redirect (3xx) is a response outside the contract (the gateway never follows one);
 * 3. special cases read once the status is known to be an error (`special`);
 * 4. the provider's documented table;
 * 5. anything else: 5xx → PROVIDER_UNAVAILABLE, other statuses → PROVIDER_BAD_RESPONSE.
 *
 * The body is only ever read to pick a code or reason, never copied into the error: the message of
 * each row is a fixed, client-safe sentence, and the log-only `detail` holds the status.
 * `Retry-After` (RFC 9110 §10.2.3) is read for every RATE_LIMITED outcome, whichever step chose it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode, GatewayError } from '../errors.js';
import type { ProviderName } from '../model.js';
import { parseRetryAfter } from './http.js';

/** One outcome: a code, and optionally a client-safe message, a reason and extra log-only detail. */
export interface ErrorOutcome {
  code: ErrorCode;
  /** Client-safe; the code's default message when absent. Never upstream text. */
  message?: string;
  /** A short machine-readable refinement, e.g. `MFA_REQUIRED`. */
  reason?: string;
  /** Merged into the log-only detail next to the status. */
  detail?: Record<string, unknown>;
}

/** What a special case sees: the status, the raw body (a string, or batch content already parsed), the context. */
export interface ErrorInput<Context> {
  status: number;
  body: unknown;
  context: Context;
}

/** A documented special case: an outcome when it applies, else undefined (the next step decides). */
export type SpecialCase<Context> = (input: ErrorInput<Context>) => ErrorOutcome | undefined;

export interface ErrorTable<Context = Record<string, never>> {
  provider: ProviderName;
  /** The statuses the provider documents. */
  byStatus: Readonly<Record<number, ErrorOutcome>>;
  /** Checked before the redirect rule: cases whose body decides regardless of the usual reading. */
  first?: ReadonlyArray<SpecialCase<Context>>;
  /** Checked after the redirect rule (and, unless `serverErrorsFirst` is false, after the 5xx rule). */
  special?: ReadonlyArray<SpecialCase<Context>>;
  /**
   * True (default): every 5xx is PROVIDER_UNAVAILABLE before the table is read. False: the table is
   * read first, for a provider that gives a 5xx its own meaning (BellaDati throttles with 503).
   */
  serverErrorsFirst?: boolean;
  /** Message of the 3xx outcome. */
  redirectMessage: string;
  /** Message of an undocumented 4xx (or 1xx/2xx) status. */
  unexpectedMessage: string;
  /** Message of an undocumented 5xx; the code's default when absent. */
  unavailableMessage?: string;
}

/** Every upstream error context carries the response headers (for `Retry-After`). */
export interface ErrorContextBase {
  headers?: IncomingHttpHeaders;
}

/** Applies `table` to one upstream answer. */
export function applyErrorTable<Context extends ErrorContextBase>(table: ErrorTable<Context>, status: number, body: unknown, context: Context): GatewayError {
  const input: ErrorInput<Context> = { status, body, context };
  const outcome = decide(table, input);
  return new GatewayError(outcome.code, outcome.message, {
    provider: table.provider,
    reason: outcome.reason,
    retryAfterSeconds: outcome.code === ErrorCode.RATE_LIMITED ? parseRetryAfter(context.headers?.['retry-after']) : undefined,
    detail: { status, ...outcome.detail },
  });
}

function decide<Context>(table: ErrorTable<Context>, input: ErrorInput<Context>): ErrorOutcome {
  const { status } = input;
  const serverError: ErrorOutcome = { code: ErrorCode.PROVIDER_UNAVAILABLE, message: table.unavailableMessage };
  const matched = firstMatch(table.first, input);
  if (matched) return matched;
  if (status >= 300 && status < 400) return { code: ErrorCode.PROVIDER_BAD_RESPONSE, message: table.redirectMessage, reason: 'REDIRECT' };
  const serverErrorsFirst = table.serverErrorsFirst ?? true;
  if (serverErrorsFirst && status >= 500) return serverError;
  const special = firstMatch(table.special, input);
  if (special) return special;
  const known = table.byStatus[status];
  if (known) return known;
  if (status >= 500) return serverError;
  return { code: ErrorCode.PROVIDER_BAD_RESPONSE, message: table.unexpectedMessage };
}

function firstMatch<Context>(cases: ReadonlyArray<SpecialCase<Context>> | undefined, input: ErrorInput<Context>): ErrorOutcome | undefined {
  for (const special of cases ?? []) {
    const outcome = special(input);
    if (outcome) return outcome;
  }
  return undefined;
}
