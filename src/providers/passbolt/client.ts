/**
 * Passbolt over HTTP: the user view (`GET /users/{userId}.json`), the user index (`GET /users.json`)
 * and the group view (`GET /groups/{groupId}.json`). No mapping here.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createHttpClient } from '../http.js';
import { callOptions, type UpstreamCallOptions } from '../request-scope.js';
import type { ProviderConfigBase } from '../types.js';
import { authHeaders } from './credentials.js';

export interface PassboltResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface PassboltClient {
  /** `userId` is a canonical UUID or the literal `me`. */
  viewUser(userId: string, token: string, call?: UpstreamCallOptions): Promise<PassboltResponse>;
  /** `query` is the index's query string without `?` (filters, contains, page, limit), already encoded. */
  listUsers(query: string, token: string, call?: UpstreamCallOptions): Promise<PassboltResponse>;
  /** `groupId` is a canonical UUID. */
  viewGroup(groupId: string, token: string, call?: UpstreamCallOptions): Promise<PassboltResponse>;
  close(): Promise<void>;
}

export function createPassboltClient(config: ProviderConfigBase): PassboltClient {
  const http = createHttpClient({ ...config, provider: 'PASSBOLT' });
  // The `.json` suffix alone selects JSON; the Accept header is the documented alternative and
  // costs nothing (docs/providers/passbolt.md §1: without both, Passbolt answers 404 "Please use .json…").
  // `route`: the path's template, what traces show of it (http.ts).
  const get = (path: string, route: string, token: string, call?: UpstreamCallOptions) =>
    http.request({ method: 'GET', path, route, headers: { ...authHeaders(token), accept: 'application/json' }, ...callOptions(call) });
  return {
    viewUser: (userId, token, call) => get(userPath(userId), userId === 'me' ? '/users/me.json' : '/users/{id}.json', token, call),
    listUsers: (query, token, call) => get(query ? `/users.json?${query}` : '/users.json', '/users.json', token, call),
    viewGroup: (groupId, token, call) => get(`/groups/${encodeURIComponent(groupId)}.json`, '/groups/{id}.json', token, call),
    close: () => http.close(),
  };
}

/**
 * `/users/{userId}.json` (Passbolt "View a users record"; OpenAPI `paths/user.yml`). The id is one
 * percent-encoded segment; for a UUID or `me` that encoding changes nothing, but it keeps a bad id
 * from ever reshaping the path. No query string: the defaults (all contains on) are what we map.
 */
export function userPath(userId: string): string {
  return `/users/${encodeURIComponent(userId)}.json`;
}
