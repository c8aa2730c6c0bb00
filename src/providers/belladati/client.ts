/**
 * BellaDati over HTTP: the two single-user reads and a domain's two lists. No mapping here.
 *
 * The base URL already ends in the API root (`https://service.belladati.com/api` or
 * `https://<host>/belladati/api`; docs/providers/belladati.md §1), so paths start below it. The query
 * parameters are `exclude` on the single reads (GET User Detail: top-level response fields to omit,
 * e.g. `email,lastLogin`), sent when the operation selects none of what those fields feed, and
 * `userGroup_id` on the domain's user list (docs/providers/belladati.md §6).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createHttpClient } from '../http.js';
import { callOptions, type UpstreamCallOptions } from '../request-scope.js';
import type { ProviderConfigBase } from '../types.js';
import { authHeaders, type BellaDatiConsumer } from './credentials.js';

export interface BellaDatiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface BellaDatiClient {
  /** `GET /api/users/{id}` (GET User Detail). */
  getUser(id: string, token: string, call?: UpstreamCallOptions, exclude?: readonly string[]): Promise<BellaDatiResponse>;
  /** `GET /api/users/username/{username}` (GET User Detail by username). */
  getUserByUsername(username: string, token: string, call?: UpstreamCallOptions, exclude?: readonly string[]): Promise<BellaDatiResponse>;
  /** `GET /api/domains/{domain}/users[?userGroup_id=…]` (GET Users): the whole list, in one answer. */
  getDomainUsers(domainId: string, groupId: string | undefined, token: string, call?: UpstreamCallOptions): Promise<BellaDatiResponse>;
  /** `GET /api/domains/{domain}/userGroups` (GET User Groups). */
  getDomainGroups(domainId: string, token: string, call?: UpstreamCallOptions): Promise<BellaDatiResponse>;
  close(): Promise<void>;
}

export function createBellaDatiClient(config: ProviderConfigBase & BellaDatiConsumer): BellaDatiClient {
  // "503 … too many requests" is how BellaDati throttles (REST API, Error Handling).
  const http = createHttpClient({ ...config, provider: 'BELLADATI', throttleStatuses: [429, 503] });
  const consumer: BellaDatiConsumer = { consumerKey: config.consumerKey, realm: config.realm };

  const get = (path: string, route: string, token: string, call: UpstreamCallOptions | undefined, exclude: readonly string[] = []) =>
    getPath(exclude.length ? `${path}?exclude=${exclude.map(encodeURIComponent).join(',')}` : path, route, token, call);

  // `route`: the path's template, what traces show of it (http.ts).
  const getPath = (path: string, route: string, token: string, call: UpstreamCallOptions | undefined) =>
    http.request({
      method: 'GET',
      path,
      route,
      // Built per attempt: each call, a retry included, needs its own nonce and timestamp.
      headers: () => ({ ...authHeaders(consumer, token), accept: 'application/json' }),
      ...callOptions(call),
    });

  return {
    getUser: (id, token, call, exclude) => get(userPath(id), '/users/{id}', token, call, exclude),
    getUserByUsername: (username, token, call, exclude) => get(usernamePath(username), '/users/username/{username}', token, call, exclude),
    getDomainUsers: (domainId, groupId, token, call) =>
      getPath(
        groupId === undefined ? domainPath(domainId, 'users') : `${domainPath(domainId, 'users')}?userGroup_id=${encodeURIComponent(groupId)}`,
        '/domains/{domain}/users',
        token,
        call,
      ),
    getDomainGroups: (domainId, token, call) => getPath(domainPath(domainId, 'userGroups'), '/domains/{domain}/userGroups', token, call),
    close: () => http.close(),
  };
}

/** `/domains/{domain}/users|userGroups`: the domain id is digits already, encoded anyway like user ids. */
export function domainPath(domainId: string, list: 'users' | 'userGroups'): string {
  return `/domains/${encodeURIComponent(domainId)}/${list}`;
}

/** `/users/{id}`: the id is digits already, encoded anyway so the path can never gain a segment. */
export function userPath(id: string): string {
  return `/users/${encodeURIComponent(id)}`;
}

/**
 * `/users/username/{username}`: the docs put the (email) username raw in the path; it is encoded as
 * one segment so `/`, `?`, `#` or `%` in a username cannot change the route (docs/providers/belladati.md §3).
 */
export function usernamePath(username: string): string {
  return `/users/username/${encodeURIComponent(username)}`;
}
