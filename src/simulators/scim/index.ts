/**
 * A SCIM 2.0 service provider simulator, written from RFC 7643 and RFC 7644 (never from the
 * adapter), serving the User resources of its data file read-only:
 *
 * - `GET {basePath}/Users/{id}` (ids case-exact, one percent-encoded segment), `GET {basePath}/Me`
 *   (RFC 7644 §3.11: the token's user; 501 when `me` is `"unsupported"`, a 308 to the user's
 *   location when `"redirect"`, 404 for a token that maps to no user), `GET {basePath}/Users` with
 *   `filter` (filter.ts), `startIndex`/`count` paging and `attributes`/`excludedAttributes`
 *   (RFC 7644 §3.4.2), answered as a ListResponse; `GET {basePath}/Groups/{id}` with `members`
 *   (RFC 7643 §4.2); `GET {basePath}/ServiceProviderConfig` (§4),
 *   served without authentication.
 * - `Authorization: Bearer <token>` with a token of the data file, else 401 with
 *   `WWW-Authenticate: Bearer` (RFC 6750 §3).
 * - Every answer, errors included, is `application/scim+json`; errors are the §3.12 body with
 *   `status` as a string and `scimType` where the RFC defines one.
 * - `groups` is computed from the data file's groups (RFC 7643 §4.1.2: read-only, from membership)
 *   and can be filtered on (`groups.value eq "…"`),
 *   and `meta.location` from the request's Host.
 */
import { decodeSegment, startSimulator } from '../http-simulator.js';
import type { RunningSimulator, SimulatorHandler, SimulatorRequest, SimulatorResponse, StartSimulatorOptions } from '../http-simulator.js';
import { FilterError, matches, parseFilter } from './filter.js';

export interface ScimSimulatorData {
  /** Path prefix of the SCIM endpoints, e.g. `/scim/v2` (empty: at the root). */
  basePath?: string;
  /** Bearer token → the id of the user it belongs to, or null for a client token that is no user. */
  tokens: Record<string, string | null>;
  /** User resources as stored (without `groups`, which membership decides, and `meta.location`). */
  users: unknown[];
  /** Groups: `{id, displayName, members: [{value}]}`. */
  groups?: unknown[];
  /** False: the server does not filter (`filter` answers 501, ServiceProviderConfig says unsupported). */
  filter?: boolean;
  /** How `/Me` is served: the resource (default), a 308 redirect to it, or 501 Not Implemented. */
  me?: 'resource' | 'redirect' | 'unsupported';
  /** Most resources one list answer returns (ServiceProviderConfig `filter.maxResults`; default 200). */
  maxResults?: number;
}

const MEDIA_TYPE = 'application/scim+json; charset=utf-8';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

function scim(status: number, body: unknown, headers: Record<string, string> = {}): SimulatorResponse {
  return { status, body, headers: { 'content-type': MEDIA_TYPE, ...headers } };
}

/** RFC 7644 §3.12: `status` is the HTTP status as a string. */
function scimError(status: number, detail: string, scimType?: string, headers: Record<string, string> = {}): SimulatorResponse {
  return scim(status, { schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail }, headers);
}

interface Group {
  id: string;
  displayName: string;
  /** Member ids in the data's order, with their `type` (`User` unless the data says `Group`). */
  members: Array<{ value: string; type: string }>;
}

export function createScimHandler(data: ScimSimulatorData): SimulatorHandler {
  const basePath = (data.basePath ?? '').replace(/\/+$/, '');
  const users = data.users.filter((u): u is Record<string, unknown> => typeof u === 'object' && u !== null && typeof (u as { id?: unknown }).id === 'string');
  const byId = new Map(users.map((u) => [u.id as string, u]));
  const groups: Group[] = (data.groups ?? []).map((g) => {
    const raw = (g ?? {}) as { id?: unknown; displayName?: unknown; members?: unknown };
    const members = Array.isArray(raw.members)
      ? raw.members.map((m) => {
          const member = (m ?? {}) as { value?: unknown; type?: unknown };
          return { value: String(member.value ?? ''), type: typeof member.type === 'string' ? member.type : 'User' };
        })
      : [];
    return { id: String(raw.id ?? ''), displayName: String(raw.displayName ?? ''), members };
  });
  const groupById = new Map(groups.map((g) => [g.id, g]));
  const maxResults = data.maxResults ?? 200;
  const filtering = data.filter !== false;

  /** The resource as served: stored attributes, its groups, and `meta` with its location. */
  function present(user: Record<string, unknown>, req: SimulatorRequest): Record<string, unknown> {
    const origin = `http://${String(req.headers.host ?? 'localhost')}`;
    const location = `${origin}${basePath}/Users/${encodeURIComponent(user.id as string)}`;
    const memberOf = groupsOf(user);
    const out: Record<string, unknown> = { ...user };
    // RFC 7643 §4.1.1: `password` is never returned.
    delete out.password;
    if (memberOf.length > 0) {
      out.groups = memberOf.map((g) => ({ value: g.id, $ref: `${origin}${basePath}/Groups/${encodeURIComponent(g.id)}`, display: g.displayName, type: 'direct' }));
    }
    out.meta = { resourceType: 'User', ...(user.meta as object | undefined), location };
    return out;
  }

  /** The groups that list the user as a member (RFC 7643 §4.1.2: `groups` follows membership). */
  function groupsOf(user: Record<string, unknown>): Group[] {
    return groups.filter((g) => g.members.some((m) => m.type === 'User' && m.value === user.id));
  }

  /** The user as filters see it: stored attributes plus `groups`, so `groups.value eq "…"` works. */
  function filterable(user: Record<string, unknown>): Record<string, unknown> {
    const memberOf = groupsOf(user);
    return memberOf.length === 0 ? user : { ...user, groups: memberOf.map((g) => ({ value: g.id, display: g.displayName, type: 'direct' })) };
  }

  /** A Group resource (RFC 7643 §4.2) with its members' `$ref` and `display`. */
  function presentGroup(group: Group, req: SimulatorRequest): Record<string, unknown> {
    const origin = `http://${String(req.headers.host ?? 'localhost')}`;
    const members = group.members.map((m) => {
      const user = m.type === 'User' ? byId.get(m.value) : undefined;
      const collection = m.type === 'Group' ? 'Groups' : 'Users';
      return {
        value: m.value,
        $ref: `${origin}${basePath}/${collection}/${encodeURIComponent(m.value)}`,
        ...(m.type === 'Group' ? { display: groupById.get(m.value)?.displayName } : user && typeof user.displayName === 'string' ? { display: user.displayName } : {}),
        type: m.type,
      };
    });
    const location = `${origin}${basePath}/Groups/${encodeURIComponent(group.id)}`;
    return { schemas: [GROUP_SCHEMA], id: group.id, displayName: group.displayName, members, meta: { resourceType: 'Group', location } };
  }

  /** RFC 7644 §3.4.2.5: `attributes` narrows to the named ones, `excludedAttributes` drops them; `id` and `schemas` always stay. */
  function project(resource: Record<string, unknown>, req: SimulatorRequest): Record<string, unknown> {
    const list = (name: string) =>
      (req.query.get(name) ?? '')
        .split(',')
        .map((a) => a.trim().toLowerCase())
        .filter(Boolean);
    const only = list('attributes');
    const excluded = list('excludedAttributes');
    const keep = (key: string) => {
      const k = key.toLowerCase();
      if (k === 'id' || k === 'schemas') return true;
      if (only.length > 0) return only.includes(k);
      return !excluded.includes(k);
    };
    return Object.fromEntries(Object.entries(resource).filter(([key]) => keep(key)));
  }

  function authenticate(req: SimulatorRequest): { userId: string | null } | undefined {
    const value = req.headers.authorization;
    const token = typeof value === 'string' ? /^Bearer ([\x21-\x7e]+)$/i.exec(value)?.[1] : undefined;
    if (token === undefined || !Object.hasOwn(data.tokens, token)) return undefined;
    return { userId: data.tokens[token] ?? null };
  }

  function serviceProviderConfig(): SimulatorResponse {
    return scim(200, {
      schemas: [SPC_SCHEMA],
      patch: { supported: false },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: filtering, maxResults },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
      authenticationSchemes: [{ type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: 'Authentication with a bearer token (RFC 6750).', primary: true }],
      meta: { resourceType: 'ServiceProviderConfig' },
    });
  }

  function listUsers(req: SimulatorRequest): SimulatorResponse {
    const rawFilter = req.query.get('filter');
    let selected = users;
    if (rawFilter !== null) {
      if (!filtering) return scimError(501, 'Filtering is not supported by this service provider.');
      try {
        const filter = parseFilter(rawFilter);
        selected = users.filter((u) => matches(filter, filterable(u)));
      } catch (error) {
        if (error instanceof FilterError) return scimError(400, `The filter is invalid or not supported: ${error.message}.`, 'invalidFilter');
        throw error;
      }
    }
    // RFC 7644 §3.4.2.4: startIndex below 1 is read as 1; a negative count as 0; count is capped at maxResults.
    const startIndex = Math.max(1, readInt(req.query.get('startIndex')) ?? 1);
    const count = Math.min(maxResults, Math.max(0, readInt(req.query.get('count')) ?? maxResults));
    const page = selected.slice(startIndex - 1, startIndex - 1 + count).map((u) => project(present(u, req), req));
    return scim(200, { schemas: [LIST_SCHEMA], totalResults: selected.length, startIndex, itemsPerPage: page.length, Resources: page });
  }

  return (req) => {
    if (!req.pathname.startsWith(`${basePath}/`)) return scimError(404, 'Not found.');
    const parts = req.pathname.slice(basePath.length).split('/').slice(1);
    if (req.method !== 'GET') return scimError(405, 'This service provider is read-only.', undefined, { allow: 'GET' });
    if (parts.length === 1 && parts[0] === 'ServiceProviderConfig') return serviceProviderConfig();

    const route =
      parts.length === 1 && (parts[0] === 'Users' || parts[0] === 'Me')
        ? parts[0]
        : parts.length === 2 && parts[0] === 'Users'
          ? 'User'
          : parts.length === 2 && parts[0] === 'Groups'
            ? 'Group'
            : undefined;
    if (!route) return scimError(404, 'Not found.');
    const caller = authenticate(req);
    if (!caller) return scimError(401, 'Authorization failure. The authorization header is invalid or missing.', undefined, { 'www-authenticate': 'Bearer realm="scim"' });

    if (route === 'Users') return listUsers(req);
    if (route === 'Group') {
      const id = decodeSegment(parts[1]!);
      const group = id === null ? undefined : groupById.get(id);
      if (!group) return scimError(404, `Resource ${id ?? parts[1]} not found.`);
      const resource = presentGroup(group, req);
      return scim(200, project(resource, req), { location: (resource.meta as { location: string }).location });
    }
    if (route === 'Me') {
      if (data.me === 'unsupported') return scimError(501, 'The /Me endpoint is not supported.');
      const me = caller.userId === null ? undefined : byId.get(caller.userId);
      if (!me) return scimError(404, 'The authenticated subject is not a user of this service provider.');
      const resource = present(me, req);
      if (data.me === 'redirect') return { status: 308, headers: { location: (resource.meta as { location: string }).location } };
      return scim(200, project(resource, req), { location: (resource.meta as { location: string }).location });
    }
    const id = decodeSegment(parts[1]!);
    const user = id === null ? undefined : byId.get(id);
    if (!user) return scimError(404, `Resource ${id ?? parts[1]} not found.`);
    const resource = present(user, req);
    return scim(200, project(resource, req), { location: (resource.meta as { location: string }).location });
  };
}

export function startScimSimulator(data: ScimSimulatorData, options?: StartSimulatorOptions): Promise<RunningSimulator> {
  return startSimulator('scim', createScimHandler(data), options);
}

function readInt(raw: string | null): number | undefined {
  return raw !== null && /^-?\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : undefined;
}
