/**
 * A Droplit.io users API simulator, written from Droplit's docs (docs/providers/droplit.md §14):
 *
 * - `GET /api/users/{ecosystemId};{uniqueId}` (also under `/v0`): the stored record as is.
 * - `GET /api/users?ecosystemId=…`: `{"items": [...]}` (list path assumed from the clients list, docs/providers/droplit.md §6).
 * - `Authorization: <token>`, the raw token; missing or unknown → 401 with an empty body.
 * - Any query string on get-a-user → 400 standard error structure ("No Query String Allowed").
 * - Ecosystem id not `C` + 24 lower-case hex → 400 standard structure ("Ecosystem Invalid");
 *   well-formed but unknown → 404 plain text; unknown user → 404 plain text.
 * - A user token may read only its own record; anything else → 403 `Token type not permitted!`.
 */
import { decodeSegment, json, startSimulator, text } from '../http-simulator.js';
import type { RunningSimulator, SimulatorHandler, SimulatorRequest, SimulatorResponse, StartSimulatorOptions } from '../http-simulator.js';

/** What a token may do: account and server tokens read any user; a user token only its own record. */
export type DroplitTokenGrant = { type: 'server' | 'account' } | { type: 'user'; user: string };

export interface DroplitSimulatorData {
  /** Token → grant. */
  tokens: Record<string, DroplitTokenGrant>;
  /** Raw user records as Droplit returns them (`id`, `ecosystemId`, `uniqueId`, `meta`, `email`, `createdAt`, `access`). */
  users: unknown[];
}

const ECOSYSTEM_ID = /^C[0-9a-f]{24}$/;
const USERS = '/api/users';

export function createDroplitHandler(data: DroplitSimulatorData): SimulatorHandler {
  const users = data.users.map((raw) => ({ raw, ...identify(raw) }));
  const ecosystems = new Set(users.map((u) => u.ecosystemId));

  return (req) => {
    // Both prefixes appear in Droplit's docs (`/api/...` examples, `/v0/api/...` reference header).
    const pathname = req.pathname.startsWith('/v0/') ? req.pathname.slice(3) : req.pathname;
    if (req.method !== 'GET' || !(pathname === USERS || pathname.startsWith(`${USERS}/`))) return notFound();

    // Order of checks: Droplit does not document it (docs/providers/droplit.md §14); the token is checked first, then the parameters
    // (query string, ecosystem format), then the token's reach, then existence, so a user token
    // learns nothing about records it may not read.
    const grant = authenticate(data, req);
    if (!grant) return text(401);

    if (pathname === USERS) return listUsers(req, grant);
    const segment = pathname.slice(USERS.length + 1);
    // The route is `/:ecosystemId;:userId`: one segment, a literal `;`, both parts non-empty.
    const separator = segment.indexOf(';');
    if (segment.includes('/') || separator <= 0 || separator === segment.length - 1) return notFound();
    if (req.rawQuery !== null) return invalidParams('query', `contains fields that are not allowed: [ ${queryNames(req)} ]`, 'additional parameters');

    const ecosystemId = decodeSegment(segment.slice(0, separator));
    const uniqueId = decodeSegment(segment.slice(separator + 1));
    if (uniqueId === null) return invalidParams('path', 'could not decode parameter', 'userId');
    if (ecosystemId === null || !ECOSYSTEM_ID.test(ecosystemId)) return invalidParams('path', 'invalid id', 'ecosystemId');
    if (grant.type === 'user' && grant.user !== `${ecosystemId};${uniqueId}`) return tokenTypeNotPermitted();
    if (!ecosystems.has(ecosystemId)) return ecosystemNotFound(ecosystemId);
    const user = users.find((u) => u.ecosystemId === ecosystemId && u.uniqueId === uniqueId);
    return user ? json(200, user.raw) : text(404, `User with id ${ecosystemId};${uniqueId} does not exist.`);
  };

  /** `GET /api/users?ecosystemId=…` → `{"items": [...]}` (docs/providers/droplit.md §6; path and parameter assumed). */
  function listUsers(req: SimulatorRequest, grant: DroplitTokenGrant): SimulatorResponse {
    if (grant.type === 'user') return tokenTypeNotPermitted();
    const extra = [...req.query.keys()].filter((k) => k !== 'ecosystemId');
    if (extra.length > 0) return invalidParams('query', `contains fields that are not allowed: [ ${extra.join(', ')} ]`, 'additional parameters');
    const ecosystemId = req.query.get('ecosystemId');
    if (ecosystemId === null) return invalidParams('query', 'field is required', 'ecosystemId');
    if (!ECOSYSTEM_ID.test(ecosystemId)) return invalidParams('query', 'invalid id', 'ecosystemId');
    if (!ecosystems.has(ecosystemId)) return ecosystemNotFound(ecosystemId);
    return json(200, { items: users.filter((u) => u.ecosystemId === ecosystemId).map((u) => u.raw) });
  }
}

export function startDroplitSimulator(data: DroplitSimulatorData, options?: StartSimulatorOptions): Promise<RunningSimulator> {
  return startSimulator('droplit', createDroplitHandler(data), options);
}

/** The token is the whole `Authorization` value, no scheme word (Droplit "Get a user." example). */
function authenticate(data: DroplitSimulatorData, req: SimulatorRequest): DroplitTokenGrant | undefined {
  const token = req.headers.authorization;
  if (!token || !Object.hasOwn(data.tokens, token)) return undefined;
  return data.tokens[token];
}

/** A record's lookup key; records lacking one are unreachable, as they would be in Droplit. */
function identify(raw: unknown): { ecosystemId: unknown; uniqueId: unknown } {
  const record = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  return { ecosystemId: record.ecosystemId, uniqueId: record.uniqueId };
}

function queryNames(req: SimulatorRequest): string {
  return [...new Set(req.query.keys())].join(', ');
}

/** Droplit's "standard error structure" for 400s (Standard Responses; create/update error examples). */
function invalidParams(where: 'query' | 'path', message: string, path: string): SimulatorResponse {
  return json(400, { errorType: 'InvalidParams', errors: [{ in: where, message, path }] });
}

/** The 2016 "read-users" example's 404 body, verbatim apart from the id. */
function ecosystemNotFound(ecosystemId: string): SimulatorResponse {
  return text(404, `Ecosystem with id ${ecosystemId} does not exist.`);
}

/** Plain text, as in Droplit's edge integration test (droplit.io-edge `projects/test/src/test.ts`). */
function tokenTypeNotPermitted(): SimulatorResponse {
  return text(403, 'Token type not permitted!');
}

function notFound(): SimulatorResponse {
  return text(404, 'Not Found');
}
