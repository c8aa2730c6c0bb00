/**
 * SCIM over HTTP: one user, the caller, a filtered page of users and one group (RFC 7644 §3.4.1,
 * §3.11, §3.4.2). Every path is below the configured base URL, which may carry any prefix
 * (`https://idp.example.com/scim/v2`). No mapping here.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createHttpClient } from '../http.js';
import { callOptions, type UpstreamCallOptions } from '../request-scope.js';
import type { ProviderConfigBase } from '../types.js';
import { authHeaders } from './credentials.js';
import { idFilterQuery, queryString } from './filter.js';

export interface ScimResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ScimClient {
  getUser(id: string, token: string, call?: UpstreamCallOptions): Promise<ScimResponse>;
  getMe(token: string, call?: UpstreamCallOptions): Promise<ScimResponse>;
  /** `GET /Users?filter=id eq "…" or …` for `ids` (already chunked). */
  filterUsers(ids: readonly string[], token: string, call?: UpstreamCallOptions): Promise<ScimResponse>;
  /** `GET /Users?filter=…&startIndex=…&count=…` (RFC 7644 §3.4.2); no `filter` when undefined. */
  listUsers(filter: string | undefined, startIndex: number, count: number, token: string, call?: UpstreamCallOptions): Promise<ScimResponse>;
  /** `GET /Groups/{id}`, with `excludedAttributes=members` when the members are not needed (RFC 7644 §3.4.2.5). */
  getGroup(id: string, withMembers: boolean, token: string, call?: UpstreamCallOptions): Promise<ScimResponse>;
  close(): Promise<void>;
}

/** RFC 7644 §3.8, §8.1: `application/scim+json` is SCIM's media type; `application/json` is accepted too. */
const ACCEPT = 'application/scim+json, application/json;q=0.9';

export function createScimClient(config: ProviderConfigBase): ScimClient {
  const http = createHttpClient({ ...config, provider: 'SCIM' });
  // `route`: the path's template, what traces show of it (http.ts).
  const get = (path: string, route: string, token: string, call?: UpstreamCallOptions) =>
    http.request({ method: 'GET', path, route, headers: { ...authHeaders(token), accept: ACCEPT }, ...callOptions(call) });
  return {
    getUser: (id, token, call) => get(userPath(id), '/Users/{id}', token, call),
    getMe: (token, call) => get('/Me', '/Me', token, call),
    filterUsers: (ids, token, call) => get(`/Users?${idFilterQuery(ids)}`, '/Users', token, call),
    listUsers: (filter, startIndex, count, token, call) =>
      get(`/Users?${queryString({ ...(filter === undefined ? {} : { filter }), startIndex: String(startIndex), count: String(count) })}`, '/Users', token, call),
    getGroup: (id, withMembers, token, call) =>
      get(`/Groups/${encodeURIComponent(id)}${withMembers ? '' : `?${queryString({ excludedAttributes: 'members' })}`}`, '/Groups/{id}', token, call),
    close: () => http.close(),
  };
}

/** `/Users/{id}`: the id as one percent-encoded segment (a `/`, `?` or `#` in it stays inside it). */
export function userPath(id: string): string {
  return `/Users/${encodeURIComponent(id)}`;
}
