/**
 * A Syncano (API v1.1) users API simulator, written from docs/providers/syncano.md (§14):
 *
 * - `GET /v1.1/instances/{instance}/user/`: API key (odd parity) + known user key, else 403.
 * - `GET /v1.1/instances/{instance}/users/{id}/`: account key → anyone; API key + user key → only the
 *   caller's own id (else 404); API key alone → 403 unless it has `ignore_acl`.
 * - `GET /v1.1/instances/{instance}/users/`: the cursor envelope `{objects, next, prev}`, `page_size`
 *   ≤ 100, `username__startswith`.
 * - `POST /v1.1/instances/{instance}/batch/`: ≤ 50 sub-requests, an array of `{code, content}`.
 * - Unknown instance → 404 "Instance was not found."; unknown key → 403 "No such API Key.".
 * - Optionally, 429 with `Retry-After: 1` above `rateLimitPerSecond` requests per second.
 *
 * Raw user records are served as given, `user_key` included: Syncano returns it on every read.
 */
import { decodeSegment, json, startSimulator } from '../http-simulator.js';
import type { RunningSimulator, SimulatorHandler, SimulatorRequest, SimulatorResponse, StartSimulatorOptions } from '../http-simulator.js';
import { authenticate, type Caller, type SyncanoAuthData } from './auth.js';

export interface SyncanoSimulatorData extends SyncanoAuthData {
  /** The one instance this simulator serves. */
  instance: string;
  /** Raw v1.1 user objects exactly as the API returns them, `user_key` included. */
  users: unknown[];
  /** Requests per second before 429 (docs/providers/syncano.md §11; the real default is 60). Absent: no limit. */
  rateLimitPerSecond?: number;
}

interface RawUser {
  id: number;
  username: string;
  user_key?: string;
}

const PERMISSION_DENIED = { detail: 'You do not have permission to perform this action.' };
const NOT_FOUND = { detail: 'Not found.' };
const BATCH_MAX_SIZE = 50;
const PAGE_SIZE_MAX = 100;

export function createSyncanoHandler(data: SyncanoSimulatorData): SimulatorHandler {
  const users = data.users as RawUser[];
  const userIdByKey = new Map(users.filter((u) => u.user_key).map((u) => [u.user_key!, u.id]));

  /** Answers one GET path (also each batch sub-request) for an authenticated caller. */
  function get(path: string, query: URLSearchParams, caller: Caller): SimulatorResponse {
    const segments = path.split('/');
    // ['', 'v1.1', 'instances', '{instance}', ...rest, '']
    if (segments[1] !== 'v1.1' || segments[2] !== 'instances' || segments.at(-1) !== '') return json(404, NOT_FOUND);
    const instance = decodeSegment(segments[3] ?? '')?.toLowerCase();
    if (instance === undefined || instance !== data.instance.toLowerCase()) return json(404, { detail: 'Instance was not found.' });
    const rest = segments.slice(4, -1);
    const denied = authFailure(caller);
    if (denied) return denied;

    if (rest.length === 1 && rest[0] === 'user') {
      if (caller.kind !== 'api-key' || caller.userId === undefined) return json(403, PERMISSION_DENIED);
      return json(200, users.find((u) => u.id === caller.userId));
    }
    if (rest.length === 1 && rest[0] === 'users') return listUsers(query, caller);
    if (rest.length === 2 && rest[0] === 'users') {
      const raw = decodeSegment(rest[1]!);
      // A non-integer id does not route (Django URL pattern `\d+`): 404.
      if (raw === null || !/^\d+$/.test(raw)) return json(404, NOT_FOUND);
      const visible = visibleUsers(caller);
      if (visible === null) return json(403, PERMISSION_DENIED);
      const user = visible.find((u) => u.id === Number(raw));
      return user ? json(200, user) : json(404, NOT_FOUND);
    }
    return json(404, NOT_FOUND);
  }

  /** Who the caller may see: everyone, only themselves, or nobody (null → 403). */
  function visibleUsers(caller: Caller): RawUser[] | null {
    if (caller.kind === 'account') return users;
    if (caller.kind !== 'api-key') return null;
    if (caller.userId !== undefined) return users.filter((u) => u.id === caller.userId);
    return caller.ignoreAcl ? users : null;
  }

  function listUsers(query: URLSearchParams, caller: Caller): SimulatorResponse {
    const visible = visibleUsers(caller);
    if (visible === null) return json(403, PERMISSION_DENIED);
    const pageSizeRaw = query.get('page_size') ?? String(PAGE_SIZE_MAX);
    const lastPkRaw = query.get('last_pk');
    if (!/^\d+$/.test(pageSizeRaw) || Number(pageSizeRaw) < 1 || (lastPkRaw !== null && !/^\d+$/.test(lastPkRaw))) {
      return json(400, { detail: 'Incorrect page parameter provided.' });
    }
    const pageSize = Math.min(Number(pageSizeRaw), PAGE_SIZE_MAX);
    const prefix = query.get('username__startswith');
    const lastPk = lastPkRaw === null ? 0 : Number(lastPkRaw);
    const matching = visible
      .filter((u) => (prefix === null || u.username.toLowerCase().startsWith(prefix.toLowerCase())) && u.id > lastPk)
      .sort((a, b) => a.id - b.id);
    const page = matching.slice(0, pageSize);
    const base = `/v1.1/instances/${data.instance}/users/`;
    const next = matching.length > pageSize ? `${base}?page_size=${pageSize}&direction=1&last_pk=${page.at(-1)!.id}` : null;
    const prev = lastPk > 0 ? `${base}?page_size=${pageSize}&direction=0&last_pk=${page[0]?.id ?? lastPk}` : null;
    return json(200, { objects: page, next, prev });
  }

  function batch(req: SimulatorRequest, caller: Caller): SimulatorResponse {
    const requests = readBatchRequests(req.body);
    if (requests === undefined) return json(400, { requests: ['This field is required.'] });
    if (requests.length > BATCH_MAX_SIZE) return json(400, { detail: `Max requests per batch exceeded (${BATCH_MAX_SIZE}).` });
    const prefix = `/v1.1/instances/${data.instance}/`;
    return json(
      200,
      requests.map((sub) => {
        // Each path must start with `/{version}/instances/{instance}/` (apps/batch/validators.py); only
        // reads are simulated.
        if (sub.method !== 'GET' || !sub.path.startsWith(prefix)) return { code: 404, content: 'Invalid endpoint specified.' };
        const q = sub.path.indexOf('?');
        const answer = get(q === -1 ? sub.path : sub.path.slice(0, q), new URLSearchParams(q === -1 ? '' : sub.path.slice(q + 1)), caller);
        return { code: answer.status, content: answer.body };
      }),
    );
  }

  const throttle = createThrottle(data.rateLimitPerSecond);

  return (req) => {
    if (throttle()) {
      return json(429, { detail: 'Request was throttled. Expected available in 1 second.' }, { 'retry-after': '1' });
    }
    const caller = authenticate(req, data, userIdByKey);
    if (req.method === 'GET') return get(req.pathname, req.query, caller);
    if (req.method === 'POST' && /^\/v1\.1\/instances\/[^/]+\/batch\/$/.test(req.pathname)) {
      const instance = decodeSegment(req.pathname.split('/')[3]!)?.toLowerCase();
      if (instance !== data.instance.toLowerCase()) return json(404, { detail: 'Instance was not found.' });
      return authFailure(caller) ?? batch(req, caller);
    }
    return json(405, { detail: `Method "${req.method}" not allowed.` });
  };
}

/** 403 for an unknown key or no key at all (DRF answers 403 without a WWW-Authenticate scheme). */
function authFailure(caller: Caller): SimulatorResponse | undefined {
  if (caller.kind === 'bad-key') return json(403, { detail: 'No such API Key.' });
  if (caller.kind === 'anonymous') return json(403, PERMISSION_DENIED);
  return undefined;
}

/**
 * The batch body's sub-requests, or undefined when it is not `{"requests": [{method, path}, …]}`
 * (DRF then names the field; its exact wording is not documented).
 */
function readBatchRequests(body: string): Array<{ method: string; path: string }> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const requests = typeof parsed === 'object' && parsed !== null ? (parsed as { requests?: unknown }).requests : undefined;
  if (!Array.isArray(requests)) return undefined;
  const valid = requests.every(
    (r) => typeof r === 'object' && r !== null && typeof (r as { method?: unknown }).method === 'string' && typeof (r as { path?: unknown }).path === 'string',
  );
  return valid ? (requests as Array<{ method: string; path: string }>) : undefined;
}

/**
 * Syncano counts requests per instance in one-second fixed windows and answers 429 with
 * `Retry-After` above the plan's rate (docs/providers/syncano.md §11: 60 req/s by default). Off unless the data sets
 * `rateLimitPerSecond`. Returns true when this request is over the limit.
 */
function createThrottle(perSecond: number | undefined): () => boolean {
  let windowStart = 0;
  let count = 0;
  return () => {
    if (perSecond === undefined) return false;
    const now = Date.now();
    if (now - windowStart >= 1_000) {
      windowStart = now;
      count = 0;
    }
    return ++count > perSecond;
  };
}

export function startSyncanoSimulator(data: SyncanoSimulatorData, options?: StartSimulatorOptions): Promise<RunningSimulator> {
  return startSimulator('syncano', createSyncanoHandler(data), options);
}
