/**
 * A Passbolt (API v5) users API simulator, written from Passbolt's docs, OpenAPI description and
 * server code (docs/providers/passbolt.md §14):
 *
 * - `GET /users/{userId}.json` (a UUID, any case, or `me`), `GET /users.json` (list-users.ts),
 *   `GET /groups.json?filter[has-users][]=` and `GET /groups/{groupId}.json`; the `{header, body}`
 *   envelope on every JSON answer. Any authenticated user may list users and view groups.
 * - `.json` or `Accept: application/json` is required, else 404 "Please use .json extension…".
 * - `api-version=v1` (or `1`) → 400 "API v1 support is deprecated in this version.".
 * - `Authorization: Bearer <JWT>`: the token must be one the data file issued, unexpired (`exp`), and
 *   its user able to log in (set up, not disabled, not deleted); else 401 "Authentication is
 *   required to continue.". Tokens listed in `mfaPending` get 403 "MFA authentication is required."
 *   with `body.mfa_providers`.
 * - Bad id → 400; deleted, guest, or (for non-admin callers) not-set-up users → 404.
 */
import { decodeSegment, startSimulator } from '../http-simulator.js';
import type { RunningSimulator, SimulatorHandler, SimulatorRequest, SimulatorResponse, StartSimulatorOptions } from '../http-simulator.js';
import { createDirectory, isVisible, present, type Caller, type Directory } from './directory.js';
import { failure, success } from './envelope.js';
import { listUsers } from './list-users.js';
import { isUuid } from './uuid.js';

export interface PassboltSimulatorData {
  /** JWT access token → the id of the user it was issued to. */
  tokens: Record<string, string>;
  /** Raw user records, each exactly as `/users/{id}.json` returns it in `body`. */
  users: unknown[];
  /** Raw group records as `/groups.json` returns them. */
  groups?: unknown[];
  /** Tokens whose session has not passed MFA yet → the MFA providers offered (e.g. `["totp"]`). */
  mfaPending?: Record<string, string[]>;
}

type Route = { kind: 'users.index' } | { kind: 'users.view'; segment: string } | { kind: 'groups.index' } | { kind: 'groups.view'; segment: string };

const NOT_JSON_MESSAGE = 'Please use .json extension in URL or accept application/json.';

export function createPassboltHandler(data: PassboltSimulatorData): SimulatorHandler {
  const directory = createDirectory(data.users);

  return (req) => {
    const route = matchRoute(req);
    const json = req.pathname.endsWith('.json') || acceptsJson(req);
    if (!route) return json ? failure(req, 'Error.notFound', 404, 'Not Found') : notJson();
    // AppController refuses non-JSON requests on the API controllers (docs/providers/passbolt.md §1).
    if (!json) return notJson();
    // ApiVersionMiddleware: v1 was removed; v2 is the default (docs/providers/passbolt.md §1).
    const apiVersion = req.query.get('api-version');
    if (apiVersion === 'v1' || apiVersion === '1') return failure(req, 'Error.badRequest', 400, 'API v1 support is deprecated in this version.');

    const token = bearerToken(req);
    const caller = token === undefined ? undefined : authenticate(token, data, directory);
    if (!token || !caller) return failure(req, 'Error.unauthorized', 401, 'Authentication is required to continue.');
    const mfaProviders = data.mfaPending?.[token];
    if (mfaProviders) return failure(req, 'Error.forbidden', 403, 'MFA authentication is required.', { mfa_providers: mfaProviders });

    switch (route.kind) {
      case 'users.index':
        return listUsers(req, directory, caller);
      case 'users.view':
        return viewUser(req, route.segment, directory, caller);
      case 'groups.index':
        return listGroups(req, data.groups ?? [], directory);
      case 'groups.view':
        return viewGroup(req, route.segment, data.groups ?? []);
    }
  };
}

export function startPassboltSimulator(data: PassboltSimulatorData, options?: StartSimulatorOptions): Promise<RunningSimulator> {
  return startSimulator('passbolt', createPassboltHandler(data), options);
}

/** Routes are declared for GET with an optional `.json` extension (config/routes.php). */
function matchRoute(req: SimulatorRequest): Route | undefined {
  if (req.method !== 'GET') return undefined;
  const path = req.pathname.endsWith('.json') ? req.pathname.slice(0, -'.json'.length) : req.pathname;
  const parts = path.split('/').slice(1);
  if (parts.length === 1 && parts[0] === 'users') return { kind: 'users.index' };
  if (parts.length === 1 && parts[0] === 'groups') return { kind: 'groups.index' };
  if (parts.length === 2 && parts[0] === 'users' && parts[1]) return { kind: 'users.view', segment: parts[1] };
  if (parts.length === 2 && parts[0] === 'groups' && parts[1]) return { kind: 'groups.view', segment: parts[1] };
  return undefined;
}

function acceptsJson(req: SimulatorRequest): boolean {
  return /application\/json/i.test(String(req.headers.accept ?? ''));
}

/** Passbolt renders non-JSON errors as an HTML page. */
function notJson(): SimulatorResponse {
  return { status: 404, headers: { 'content-type': 'text/html; charset=UTF-8' }, body: `<!DOCTYPE html><html><body><h2>${NOT_JSON_MESSAGE}</h2></body></html>` };
}

function bearerToken(req: SimulatorRequest): string | undefined {
  const value = req.headers.authorization;
  return typeof value === 'string' ? /^Bearer (\S+)$/i.exec(value)?.[1] : undefined;
}

/**
 * The JWT authenticator accepts a token the server issued and that has not expired (access tokens
 * last 5 minutes, docs/providers/passbolt.md §2); only users who finished setup and are neither disabled nor deleted
 * can hold one (the others could not log in; docs/providers/passbolt.md §14). Signatures are not checked: the data file is the issuer.
 */
function authenticate(token: string, data: PassboltSimulatorData, directory: Directory): Caller | undefined {
  if (!Object.hasOwn(data.tokens, token) || isExpired(token)) return undefined;
  const user = directory.byId(String(data.tokens[token]).toLowerCase());
  if (!user || user.deleted || user.disabled || !user.active) return undefined;
  return { id: user.id, isAdmin: user.roleName === 'admin' };
}

function isExpired(token: string): boolean {
  const payload = token.split('.')[1];
  if (payload === undefined) return false;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && exp * 1000 <= Date.now();
  } catch {
    return false;
  }
}

/** UsersViewController::view: UUID (lower-cased by UuidParserMiddleware) or exactly `me`. */
function viewUser(req: SimulatorRequest, segment: string, directory: Directory, caller: Caller): SimulatorResponse {
  const action = 'UsersView.view';
  const raw = decodeSegment(segment);
  let id: string;
  if (raw !== null && isUuid(raw)) id = raw.toLowerCase();
  else if (raw === 'me') id = caller.id;
  else return failure(req, action, 400, 'The user identifier should be a valid UUID or "me".');
  const user = directory.byId(id);
  if (!user || !isVisible(user, caller)) return failure(req, action, 404, 'The user does not exist.');
  // The MFA plugin decorates the view with `is_mfa_enabled` for admins and for the user themself.
  return success(req, action, present(user, { drop: new Set(), mfaStatus: caller.isAdmin || caller.id === user.id }));
}

/**
 * GroupsViewController::view: the id must be a UUID (400 otherwise); a missing or soft-deleted group
 * is a 404. Served without contains, as `groupIndexAndView` describes the bare group.
 */
function viewGroup(req: SimulatorRequest, segment: string, groups: unknown[]): SimulatorResponse {
  const action = 'GroupsView.view';
  const raw = decodeSegment(segment);
  if (raw === null || !isUuid(raw)) return failure(req, action, 400, 'The group identifier should be a valid UUID.');
  const id = raw.toLowerCase();
  const group = groups.find((g) => String((g as { id?: unknown }).id ?? '').toLowerCase() === id) as { deleted?: unknown } | undefined;
  if (!group || group.deleted === true) return failure(req, action, 404, 'The group does not exist.');
  return success(req, action, group);
}

/** GroupsIndexController with `filter[has-users][]`: groups every listed user belongs to. */
function listGroups(req: SimulatorRequest, groups: unknown[], directory: Directory): SimulatorResponse {
  const action = 'GroupsIndex.index';
  const hasUsers = [...req.query].filter(([key]) => /^filter\[has-users\](\[\d*\])?$/.test(key)).map(([, v]) => v.toLowerCase());
  if (hasUsers.some((id) => !isUuid(id))) return failure(req, action, 400, 'Invalid filter. "has-users" should be a list of valid UUIDs.');
  const body = groups.filter((group) => {
    const g = group as { id?: unknown; deleted?: unknown };
    const id = String(g.id ?? '').toLowerCase();
    return g.deleted !== true && hasUsers.every((uid) => directory.byId(uid)?.groupIds.includes(id) ?? false);
  });
  return success(req, action, body);
}
