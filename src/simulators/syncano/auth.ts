/**
 * Syncano's authentication as the backend does it (docs/providers/syncano.md §2): where keys are read from, the
 * parity bit telling account keys (even last hex digit) from instance API keys (odd), user keys only
 * honoured with an API key, unknown user keys silently ignored.
 */
import type { SimulatorRequest } from '../http-simulator.js';

export type ApiKeySpec = string | { key: string; ignoreAcl?: boolean };

export interface SyncanoAuthData {
  apiKeys: ApiKeySpec[];
  accountKeys?: string[];
}

export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'bad-key' }
  | { kind: 'account' }
  /** An instance API key; `userId` when a known user key came with it. */
  | { kind: 'api-key'; ignoreAcl: boolean; userId?: number };

const HEX_KEY = /^[0-9a-f]{40}$/;

/** Account keys end in an even hex digit, API keys in an odd one (`check_parity`). */
function isApiKeyParity(key: string): boolean {
  return parseInt(key.slice(-1), 16) % 2 === 1;
}

/** API/account key: `X-API-KEY`, else `api_key`/`apikey` query, else `Authorization: <word> <key>`. */
function readApiKey(req: SimulatorRequest): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  const query = req.query.get('api_key') ?? req.query.get('apikey');
  if (query) return query;
  const authorization = req.headers.authorization;
  const match = typeof authorization === 'string' ? /^\S+\s+(\S+)$/.exec(authorization) : null;
  return match?.[1];
}

/** User key: `X-USER-KEY`, else `user_key`/`userkey` query. */
function readUserKey(req: SimulatorRequest): string | undefined {
  const header = req.headers['x-user-key'];
  if (typeof header === 'string' && header) return header;
  return req.query.get('user_key') ?? req.query.get('userkey') ?? undefined;
}

export function authenticate(req: SimulatorRequest, data: SyncanoAuthData, userIdByKey: Map<string, number>): Caller {
  const key = readApiKey(req);
  if (key === undefined) return { kind: 'anonymous' };
  if (!HEX_KEY.test(key)) return { kind: 'bad-key' };
  if (!isApiKeyParity(key)) return (data.accountKeys ?? []).includes(key) ? { kind: 'account' } : { kind: 'bad-key' };
  const spec = data.apiKeys.find((k) => (typeof k === 'string' ? k : k.key) === key);
  if (spec === undefined) return { kind: 'bad-key' };
  // A plain string in the data file is a key with ignore_acl on.
  const ignoreAcl = typeof spec === 'string' ? true : spec.ignoreAcl === true;
  const userKey = readUserKey(req);
  const userId = userKey === undefined ? undefined : userIdByKey.get(userKey);
  return userId === undefined ? { kind: 'api-key', ignoreAcl } : { kind: 'api-key', ignoreAcl, userId };
}
