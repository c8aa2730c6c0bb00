/**
 * The one filter the gateway sends: `id eq "a" or id eq "b" …` (RFC 7644 §3.4.2.2), so that several
 * users cost one `GET /Users?filter=…`. Values are JSON strings inside the filter, so `"` and `\`
 * (and control characters, which ids never hold) are escaped as JSON escapes them; the whole filter
 * is then percent-encoded as one query value. Ids are never concatenated raw.
 */

/** Ids per filtered request (docs/providers/scim.md §6): keeps the URL short whatever the server. */
export const MAX_IDS_PER_FILTER = 50;
/**
 * Longest encoded `filter` value per request. Servers and proxies commonly cap a request line at 8 KiB;
 * long ids (up to 256 characters, non-ASCII ones nine bytes a character once encoded) split a chunk sooner.
 */
export const MAX_FILTER_LENGTH = 6000;

/** `id eq "<value>"` with the value as a JSON string literal. */
export function idClause(id: string): string {
  return `id eq ${JSON.stringify(id)}`;
}

/** The filter for `ids`, joined with `or`. */
export function idFilter(ids: readonly string[]): string {
  return ids.map(idClause).join(' or ');
}

/** The percent-encoded query string of one filtered read of `ids`, asking for all of them on one page. */
export function idFilterQuery(ids: readonly string[], extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ filter: idFilter(ids), startIndex: '1', count: String(ids.length), ...extra });
  // URLSearchParams writes a space as `+`; RFC 3986 servers read `%20` the same, `+` not always.
  return params.toString().replace(/\+/g, '%20');
}

/** Splits `ids` into chunks of at most MAX_IDS_PER_FILTER ids and MAX_FILTER_LENGTH encoded characters. */
export function chunkIds(ids: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const id of ids) {
    const clause = encodeURIComponent(` or ${idClause(id)}`).length;
    if (current.length > 0 && (current.length >= MAX_IDS_PER_FILTER || length + clause > MAX_FILTER_LENGTH)) {
      chunks.push(current);
      current = [];
      length = 0;
    }
    current.push(id);
    length += clause;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * The directory filter (docs/providers/scim.md §11) as a SCIM filter expression, or undefined when
 * nothing is filtered. Each value is a JSON string literal, so `"` and `\` are escaped; the parts are
 * joined with `and`, the `search` alternatives grouped in parentheses.
 */
export function userListFilter(filter: { search?: string; email?: string; active?: boolean; groupId?: string }): string | undefined {
  const parts: string[] = [];
  if (filter.search !== undefined) {
    const value = JSON.stringify(filter.search);
    parts.push(`(${SEARCH_ATTRIBUTES.map((path) => `${path} co ${value}`).join(' or ')})`);
  }
  if (filter.email !== undefined) parts.push(`emails.value eq ${JSON.stringify(filter.email)}`);
  if (filter.active !== undefined) parts.push(`active eq ${filter.active ? 'true' : 'false'}`);
  if (filter.groupId !== undefined) parts.push(`groups.value eq ${JSON.stringify(filter.groupId)}`);
  return parts.length > 0 ? parts.join(' and ') : undefined;
}

/** What `search` looks in: the unified username, display name and email (RFC 7643 §4.1). */
const SEARCH_ATTRIBUTES = ['userName', 'displayName', 'name.formatted', 'emails.value'] as const;

/** A query string with spaces as `%20`: URLSearchParams writes `+`, which RFC 3986 servers do not all read as a space. */
export function queryString(params: Record<string, string>): string {
  return new URLSearchParams(params).toString().replace(/\+/g, '%20');
}
