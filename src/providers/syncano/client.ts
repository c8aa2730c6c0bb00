/**
 * Syncano over HTTP (API v1.1): one user, the caller, a batch of user reads, the user list, a group
 * and its members. No mapping here.
 * Every path lives under `/v1.1/instances/{instance}/` and ends with `/` (docs/providers/syncano.md §1).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createHttpClient } from '../http.js';
import { callOptions, type UpstreamCallOptions } from '../request-scope.js';
import type { ProviderConfigBase } from '../types.js';

export interface SyncanoResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SyncanoClient {
  getUser(id: string, headers: Record<string, string>, call?: UpstreamCallOptions): Promise<SyncanoResponse>;
  getMe(headers: Record<string, string>, call?: UpstreamCallOptions): Promise<SyncanoResponse>;
  /** One `POST …/batch/` carrying a GET per id (at most 50, docs/providers/syncano.md §5). */
  batchGetUsers(ids: readonly string[], headers: Record<string, string>, call?: UpstreamCallOptions): Promise<SyncanoResponse>;
  /** One page of `GET …/users/` (docs/providers/syncano.md §6). */
  listUsers(page: SyncanoListQuery & { usernamePrefix?: string }, headers: Record<string, string>, call?: UpstreamCallOptions): Promise<SyncanoResponse>;
  getGroup(id: string, headers: Record<string, string>, call?: UpstreamCallOptions): Promise<SyncanoResponse>;
  /** One page of `GET …/groups/{id}/users/`, paged on the membership's key. */
  listGroupUsers(groupId: string, page: SyncanoListQuery, headers: Record<string, string>, call?: UpstreamCallOptions): Promise<SyncanoResponse>;
  close(): Promise<void>;
}

/** Syncano's keyset paging: `page_size` (≤ 100) and, to resume, `direction=1` (forward) with `last_pk`. */
export interface SyncanoListQuery {
  pageSize: number;
  lastPk?: number;
}

function listQuery(page: SyncanoListQuery, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams({ page_size: String(page.pageSize) });
  // Without `direction` Syncano ignores `last_pk`; 1 reads the keys above it in ascending order.
  if (page.lastPk !== undefined) {
    params.set('direction', '1');
    params.set('last_pk', String(page.lastPk));
  }
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) params.set(name, value);
  return `?${params.toString()}`;
}

export function createSyncanoClient(config: ProviderConfigBase & { instance: string }): SyncanoClient {
  const http = createHttpClient({ ...config, provider: 'SYNCANO' });
  const instancePath = `/v1.1/instances/${encodeURIComponent(config.instance)}`;
  const userPath = (id: string) => `${instancePath}/users/${encodeURIComponent(id)}/`;
  // `route`: the path's template, what traces show of it (http.ts).
  const route = (below: string) => `/v1.1/instances/{instance}${below}`;
  const get = (path: string, template: string, headers: Record<string, string>, call?: UpstreamCallOptions) =>
    http.request({ method: 'GET', path, route: route(template), headers: { ...headers, accept: 'application/json' }, ...callOptions(call) });

  return {
    getUser: (id, headers, call) => get(userPath(id), '/users/{id}/', headers, call),
    getMe: (headers, call) => get(`${instancePath}/user/`, '/user/', headers, call),
    batchGetUsers: (ids, headers, call) =>
      http.request({
        method: 'POST',
        path: `${instancePath}/batch/`,
        route: route('/batch/'),
        headers: { ...headers, accept: 'application/json', 'content-type': 'application/json' },
        // Sub-request paths must start with `/{version}/instances/{instance}/` (docs/providers/syncano.md §5).
        body: JSON.stringify({ requests: ids.map((id) => ({ method: 'GET', path: userPath(id) })) }),
        // Only reads inside: safe to retry like a GET.
        idempotent: true,
        ...callOptions(call),
      }),
    listUsers: (page, headers, call) =>
      get(`${instancePath}/users/${listQuery(page, { username__startswith: page.usernamePrefix })}`, '/users/', headers, call),
    getGroup: (id, headers, call) => get(`${instancePath}/groups/${encodeURIComponent(id)}/`, '/groups/{id}/', headers, call),
    listGroupUsers: (groupId, page, headers, call) =>
      get(`${instancePath}/groups/${encodeURIComponent(groupId)}/users/${listQuery(page)}`, '/groups/{id}/users/', headers, call),
    close: () => http.close(),
  };
}
