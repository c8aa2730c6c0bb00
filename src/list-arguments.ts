/**
 * The arguments of `users` and `Group.members`, checked and normalised before any upstream call.
 * Every refusal is BAD_USER_INPUT naming the argument (`first`, `after`, `filter.search`, …) with the
 * provider in `extensions.provider`.
 *
 * Filters are normalised so equal filters look equal (and so share cursors, see cursor.ts): strings
 * are trimmed, an empty string or null is the filter being absent, `email` is lower-cased (the
 * filter is case-insensitive). A filter the adapter does not list in `listFilters` is refused with
 * `reason: FILTER_NOT_SUPPORTED`, never ignored.
 */
import { ErrorCode, GatewayError, isGatewayError } from './errors.js';
import type { ProviderName } from './model.js';
import type { FilterName, UserFilter } from './providers/directory.js';
import type { DirectoryAdapter } from './providers/types.js';

export const MAX_FIRST = 100;
/** Longest `search`/`email` text accepted; longer cannot match a name or address of any provider. */
export const MAX_FILTER_TEXT = 256;

/** The `UserFilter` input as GraphQL hands it over (absent or null fields). */
export interface UserFilterInput {
  search?: string | null;
  email?: string | null;
  active?: boolean | null;
  groupId?: string | null;
}

function badInput(provider: ProviderName, message: string, reason?: string): GatewayError {
  return new GatewayError(ErrorCode.BAD_USER_INPUT, message, { provider, reason });
}

/** `first` as given, or BAD_USER_INPUT when it is not 1 to 100. */
export function checkFirst(first: number | null | undefined, provider: ProviderName): number {
  const value = first ?? 20;
  if (!Number.isInteger(value) || value < 1 || value > MAX_FIRST) {
    throw badInput(provider, `The argument \`first\` must be between 1 and ${MAX_FIRST}; got ${String(first)}.`);
  }
  return value;
}

function text(value: string | null | undefined, name: string, provider: ProviderName): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (trimmed.length > MAX_FILTER_TEXT) throw badInput(provider, `The filter \`filter.${name}\` is longer than ${MAX_FILTER_TEXT} characters.`);
  return trimmed;
}

/** The normalised filter, or BAD_USER_INPUT naming the first filter this provider cannot honour. */
export function normalizeUserFilter(input: UserFilterInput | null | undefined, provider: ProviderName, directory: DirectoryAdapter<unknown>): UserFilter {
  const filter: UserFilter = {};
  const search = text(input?.search, 'search', provider);
  if (search !== undefined) filter.search = search;
  const email = text(input?.email, 'email', provider);
  if (email !== undefined) filter.email = email.toLowerCase();
  if (input?.active != null) filter.active = input.active;
  const groupId = text(input?.groupId, 'groupId', provider);
  if (groupId !== undefined) filter.groupId = groupId;

  for (const name of Object.keys(filter) as FilterName[]) {
    if (!directory.listFilters.has(name)) {
      throw badInput(provider, `The filter \`filter.${name}\` is not supported by ${provider}; the README lists the filters each provider answers.`, 'FILTER_NOT_SUPPORTED');
    }
  }
  if (filter.groupId !== undefined) filter.groupId = checkGroupId(filter.groupId, 'filter.groupId', provider, directory);
  return filter;
}

/** The adapter's normalised group id; its refusal reworded to name the argument. */
export function checkGroupId(id: string, argument: string, provider: ProviderName, directory: DirectoryAdapter<unknown>): string {
  try {
    return directory.normalizeGroupId(id);
  } catch (error) {
    if (isGatewayError(error) && error.code !== ErrorCode.BAD_USER_INPUT) throw error;
    throw badInput(provider, `The argument \`${argument}\` is not a group id ${provider} could accept.`);
  }
}

/** The adapter's check of a decoded cursor state; its refusal reworded to name `after`. */
export function checkState(state: unknown, provider: ProviderName, directory: DirectoryAdapter<unknown>) {
  try {
    return directory.checkPageState(state);
  } catch {
    throw badInput(provider, 'The cursor `after` is not one this list could have produced; pass back a cursor exactly as this list returned it.', 'INVALID_CURSOR');
  }
}
