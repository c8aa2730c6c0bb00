/**
 * A BellaDati REST API simulator, written from BellaDati's docs and SDKs (docs/providers/belladati.md §14),
 * mounted under `/api` like the cloud service (`https://service.belladati.com/api/`):
 *
 * - `GET /api/users/{id}` (GET User Detail) and `GET /api/users/username/{username}` (GET User
 *   Detail by username): the stored record as is, minus the fields named in `exclude`.
 * - `GET /api/users/{id}/status` (GET User Status): `ACTIVE` or `INACTIVE` as text.
 * - `GET /api/domains/{id}/users` (GET Users, `?userGroup_id=`): `{"users": [...]}`, admins only.
 * - `GET /api/domains/{id}/userGroups` (GET User Groups): `{"userGroups": [...]}`, admins only (docs/providers/belladati.md §6).
 *
 * Every call first passes the OAuth check in `oauth.ts`. Reads follow `canRead` in `records.ts`
 * (self, domain admin, global admin; anything else 403). An id that is not digits is a bad input
 * parameter (400); an unknown user or path is 404; any other method is 405 (REST API, Error
 * Handling). Other query parameters (`locale`, the iOS SDK's `lang`) are accepted and ignored.
 */
import { decodeSegment, json, startSimulator, text } from '../http-simulator.js';
import type { RunningSimulator, SimulatorHandler, SimulatorRequest, SimulatorResponse, StartSimulatorOptions } from '../http-simulator.js';
import { authenticate, createNonceStore } from './oauth.js';
import { canRead, indexUser, isAnyAdmin, isDomainAdmin, withExclusions, type StoredUser } from './records.js';

export interface BellaDatiSimulatorData {
  /** The OAuth consumer key set in the domain's settings (enables REST access, docs/providers/belladati.md §1). */
  consumerKey: string;
  /** Access token → the id of the user it was issued to. */
  tokens: Record<string, string>;
  /** Raw user records as BellaDati returns them (docs/providers/belladati.md §7). */
  users: unknown[];
  /**
   * Throttling: more than `requests` calls by one user within `perSeconds` get 503, BellaDati's
   * rate-limit signal ("too many requests … on a per-app or per-user basis", REST API Error
   * Handling; no `Retry-After`, none is documented). No limit when absent.
   */
  rateLimit?: { requests: number; perSeconds: number };
}

const API = '/api/';
const DIGITS = /^\d+$/;

export function createBellaDatiHandler(data: BellaDatiSimulatorData): SimulatorHandler {
  const users = data.users.map(indexUser);
  const byId = new Map(users.flatMap((u) => (u.id === undefined ? [] : [[u.id, u] as const])));
  const byUsername = new Map(users.flatMap((u) => (u.username === undefined ? [] : [[u.username, u] as const])));
  const nonces = createNonceStore();
  const throttle = createThrottle(data.rateLimit);
  const oauth = { consumerKey: data.consumerKey, tokens: data.tokens, nonces, isActive: (id: string) => byId.get(id)?.active };

  return (req) => {
    if (!req.pathname.startsWith(API)) return notFound();
    const auth = authenticate(req.headers.authorization, oauth);
    if ('status' in auth) return auth;
    if (throttle(auth.userId)) return text(503);
    if (req.method !== 'GET') return text(405);
    const caller = byId.get(auth.userId)!;

    const segments = req.pathname.slice(API.length).split('/').map(decodeSegment);
    if (segments.some((s) => s === null || s === '')) return segments.includes(null) ? badRequest() : notFound();
    // `users/{id}`, `users/{id}/status`, `users/username/{username}`, `domains/{id}/users|userGroups`.
    const [collection, key, sub, ...more] = segments as string[];
    if (more.length > 0 || key === undefined) return notFound();
    if (collection === 'users' && key === 'username' && sub !== undefined) return readUser(req, caller, byUsername.get(sub));
    if (collection === 'users' && (sub === undefined || sub === 'status')) {
      if (!DIGITS.test(key)) return badRequest();
      const target = byId.get(key);
      if (sub === undefined) return readUser(req, caller, target);
      return guard(caller, target) ?? text(200, target!.active ? 'ACTIVE' : 'INACTIVE');
    }
    if (collection === 'domains' && (sub === 'users' || sub === 'userGroups')) {
      if (!DIGITS.test(key)) return badRequest();
      return sub === 'users' ? listUsers(req, caller, key) : listGroups(caller, key);
    }
    return notFound();
  };

  /** One record, if the caller may read it. */
  function readUser(req: SimulatorRequest, caller: StoredUser, target: StoredUser | undefined): SimulatorResponse {
    return guard(caller, target) ?? json(200, withExclusions(target!.raw, req.query.get('exclude')));
  }

  /**
   * `GET /api/domains/{id}/users`: "Global admin or Domain admin only" (GET Users); `userGroup_id`
   * filters (Java SDK `getDomainUsers`), a group without members (or unknown) giving `{"users": []}`.
   * The whole list in one answer, in stored order: no paging is documented.
   */
  function listUsers(req: SimulatorRequest, caller: StoredUser, domainId: string): SimulatorResponse {
    const denied = guardDomain(caller, domainId);
    if (denied) return denied;
    const groupId = req.query.get('userGroup_id');
    // Group ids are digit strings like every BellaDati id: anything else is a bad input parameter (400).
    if (groupId !== null && !DIGITS.test(groupId)) return badRequest();
    const members = users.filter((u) => u.domainId === domainId && (groupId === null || u.groups.some((g) => g.id === groupId)));
    return json(200, { users: members.map((u) => withExclusions(u.raw, req.query.get('exclude'))) });
  }

  /** `GET /api/domains/{id}/userGroups`: the groups the domain's users belong to, with `description` (GET User Groups). */
  function listGroups(caller: StoredUser, domainId: string): SimulatorResponse {
    const denied = guardDomain(caller, domainId);
    if (denied) return denied;
    const groups = new Map(users.filter((u) => u.domainId === domainId).flatMap((u) => u.groups.map((g) => [g.id, g] as const)));
    return json(200, { userGroups: [...groups.values()] });
  }

  /**
   * 404 for an unknown user only to admins; anyone else gets 403 whether or not the user exists, so a
   * plain user's token learns nothing about other ids.
   */
  function guard(caller: StoredUser, target: StoredUser | undefined): SimulatorResponse | undefined {
    if (!target) return isAnyAdmin(caller) ? notFound() : forbidden();
    return canRead(caller, target) ? undefined : forbidden();
  }

  /** A domain's lists: its own domain admin or a global admin; an unknown domain is 404 for the latter. */
  function guardDomain(caller: StoredUser, domainId: string): SimulatorResponse | undefined {
    if (!isDomainAdmin(caller, domainId)) return forbidden();
    return users.some((u) => u.domainId === domainId) ? undefined : notFound();
  }
}

export function startBellaDatiSimulator(data: BellaDatiSimulatorData, options?: StartSimulatorOptions): Promise<RunningSimulator> {
  return startSimulator('belladati', createBellaDatiHandler(data), options);
}

/** A sliding count per user: true when this call goes over the limit. */
function createThrottle(limit: BellaDatiSimulatorData['rateLimit']): (userId: string) => boolean {
  const calls = new Map<string, number[]>();
  return (userId) => {
    if (!limit) return false;
    const now = Date.now();
    const recent = (calls.get(userId) ?? []).filter((t) => t > now - limit.perSeconds * 1000);
    recent.push(now);
    calls.set(userId, recent);
    return recent.length > limit.requests;
  };
}

function badRequest(): SimulatorResponse {
  return text(400, 'Bad Request');
}

function forbidden(): SimulatorResponse {
  return text(403, 'Forbidden');
}

function notFound(): SimulatorResponse {
  return text(404, 'Not Found');
}
