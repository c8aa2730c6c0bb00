/**
 * Syncano over HTTP (API v1.1): one user, the caller, and a batch of user reads. No mapping here.
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
  close(): Promise<void>;
}

export function createSyncanoClient(config: ProviderConfigBase & { instance: string }): SyncanoClient {
  const http = createHttpClient({ ...config, provider: 'SYNCANO' });
  const instancePath = `/v1.1/instances/${encodeURIComponent(config.instance)}`;
  const userPath = (id: string) => `${instancePath}/users/${encodeURIComponent(id)}/`;
  const get = (path: string, headers: Record<string, string>, call?: UpstreamCallOptions) =>
    http.request({ method: 'GET', path, headers: { ...headers, accept: 'application/json' }, ...callOptions(call) });

  return {
    getUser: (id, headers, call) => get(userPath(id), headers, call),
    getMe: (headers, call) => get(`${instancePath}/user/`, headers, call),
    batchGetUsers: (ids, headers, call) =>
      http.request({
        method: 'POST',
        path: `${instancePath}/batch/`,
        headers: { ...headers, accept: 'application/json', 'content-type': 'application/json' },
        // Sub-request paths must start with `/{version}/instances/{instance}/` (docs/providers/syncano.md §5).
        body: JSON.stringify({ requests: ids.map((id) => ({ method: 'GET', path: userPath(id) })) }),
        // Only reads inside: safe to retry like a GET.
        idempotent: true,
        ...callOptions(call),
      }),
    close: () => http.close(),
  };
}
