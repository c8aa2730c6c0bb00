/**
 * The client headers that unlock simulators running on a given data set, as `npm start` prints them.
 * With the shipped demo data this is DEMO_CREDENTIALS; with a custom SIMULATOR_DATA file it is taken
 * from that file, so the printed headers always work against the data in use.
 */
import type { SimulatorData } from './index.js';

export type ClientCredentials = Record<'SYNCANO' | 'DROPLIT' | 'PASSBOLT' | 'BELLADATI', Record<string, string>>;

export function credentialsFor(data: SimulatorData): ClientCredentials {
  return {
    SYNCANO: syncano(data.syncano),
    DROPLIT: droplit(data.droplit),
    PASSBOLT: passbolt(data.passbolt),
    BELLADATI: belladati(data.belladati),
  };
}

/** The first API key that may read any user (`ignore_acl`), else the first; the first user's key for `me`. */
function syncano(section: SimulatorData['syncano']): Record<string, string> {
  const keys = section.apiKeys.map((k) => (typeof k === 'string' ? { key: k, ignoreAcl: true } : { key: k.key, ignoreAcl: k.ignoreAcl === true }));
  const apiKey = (keys.find((k) => k.ignoreAcl) ?? keys[0])?.key;
  const userKey = section.users.map((u) => field(u, 'user_key')).find((k) => k !== undefined);
  return compact({ 'X-Syncano-Api-Key': apiKey, 'X-Syncano-User-Key': userKey });
}

/** A server (or account) token, which may read any user, and the user it stands for in `me`. */
function droplit(section: SimulatorData['droplit']): Record<string, string> {
  const entries = Object.entries(section.tokens);
  const [token, grant] = entries.find(([, g]) => g.type !== 'user') ?? entries[0] ?? [];
  const user = grant?.type === 'user' ? grant.user : section.users.map((u) => field(u, 'id')).find((id) => id !== undefined);
  return compact({ 'X-Droplit-Token': token, 'X-Droplit-User': user });
}

/** The first access token: `me` is the user it was issued to. */
function passbolt(section: SimulatorData['passbolt']): Record<string, string> {
  return compact({ 'X-Passbolt-Token': Object.keys(section.tokens)[0] });
}

/** The first access token whose user exists, with that user's username (for `me`). */
function belladati(section: SimulatorData['belladati']): Record<string, string> {
  const tokens = Object.entries(section.tokens);
  const usernameOf = (id: string | undefined) => field(section.users.find((u) => field(u, 'id') === id), 'username');
  const [token, userId] = tokens.find(([, id]) => usernameOf(id) !== undefined) ?? tokens[0] ?? [];
  return compact({ 'X-BellaDati-Token': token, 'X-BellaDati-Username': usernameOf(userId) });
}

/** A field of a raw record as a string (ids may be numbers in the data), or undefined. */
function field(record: unknown, name: string): string | undefined {
  if (!record || typeof record !== 'object') return undefined;
  const value = (record as Record<string, unknown>)[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function compact(headers: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
