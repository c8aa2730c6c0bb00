/**
 * Droplit over HTTP: get-a-user only. No mapping here.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createHttpClient } from '../http.js';
import { callOptions, type UpstreamCallOptions } from '../request-scope.js';
import type { ProviderConfigBase } from '../types.js';
import { authHeaders } from './credentials.js';
import type { DroplitUserId } from './wire.js';

export interface DroplitResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface DroplitClient {
  getUser(id: DroplitUserId, token: string, call?: UpstreamCallOptions): Promise<DroplitResponse>;
  close(): Promise<void>;
}

export function createDroplitClient(config: ProviderConfigBase): DroplitClient {
  const http = createHttpClient({ ...config, provider: 'DROPLIT' });
  return {
    getUser: (id, token, call) =>
      http.request({
        method: 'GET',
        path: userPath(id),
        // What traces show of the path (http.ts).
        route: '/api/users/{ecosystemId};{uniqueId}',
        headers: { ...authHeaders(token), accept: 'application/json' },
        ...callOptions(call),
      }),
    close: () => http.close(),
  };
}

/**
 * `/api/users/{ecosystemId};{uniqueId}`: the template is `/:ecosystemId;:userId`, so the `;` is a
 * literal separator inside one path segment (Droplit "Get a user."). The uniqueId is percent-encoded
 * as one segment (`|` becomes `%7C`, a `;` inside it `%3B`); the ecosystem id is hex already.
 * Never a query string: Droplit answers any `?` with 400 "No Query String Allowed".
 */
export function userPath(id: DroplitUserId): string {
  return `/api/users/${id.ecosystemId};${encodeURIComponent(id.uniqueId)}`;
}
