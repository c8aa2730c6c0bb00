/**
 * SCIM over HTTP: one user, the caller, and a filtered list of users (RFC 7644 §3.4.1, §3.11,
 * §3.4.2). Every path is below the configured base URL, which may carry any prefix
 * (`https://idp.example.com/scim/v2`). No mapping here.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createHttpClient } from '../http.js';
import { callOptions, type UpstreamCallOptions } from '../request-scope.js';
import type { ProviderConfigBase } from '../types.js';
import { authHeaders } from './credentials.js';
import { idFilterQuery } from './filter.js';

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
  close(): Promise<void>;
}

/** RFC 7644 §3.8, §8.1: `application/scim+json` is SCIM's media type; `application/json` is accepted too. */
const ACCEPT = 'application/scim+json, application/json;q=0.9';

export function createScimClient(config: ProviderConfigBase): ScimClient {
  const http = createHttpClient({ ...config, provider: 'SCIM' });
  const get = (path: string, token: string, call?: UpstreamCallOptions) =>
    http.request({ method: 'GET', path, headers: { ...authHeaders(token), accept: ACCEPT }, ...callOptions(call) });
  return {
    getUser: (id, token, call) => get(userPath(id), token, call),
    getMe: (token, call) => get('/Me', token, call),
    filterUsers: (ids, token, call) => get(`/Users?${idFilterQuery(ids)}`, token, call),
    close: () => http.close(),
  };
}

/** `/Users/{id}`: the id as one percent-encoded segment (a `/`, `?` or `#` in it stays inside it). */
export function userPath(id: string): string {
  return `/Users/${encodeURIComponent(id)}`;
}
