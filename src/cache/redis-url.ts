/**
 * `REDIS_URL`, read into ioredis connection options. Four forms:
 *
 *     redis://[user:pass@]host[:port][/db]                      one server (port 6379, db 0)
 *     rediss://[user:pass@]host[:port][/db]                     the same over TLS (server name checked)
 *     redis+sentinel://[user:pass@]h1:p1,h2:p2/<master>[/db]    Sentinel (port 26379): the master it names
 *     redis+cluster://[user:pass@]h1:p1,h2:p2                   Redis Cluster: startup nodes
 *
 * `redis://` and `rediss://` follow the IANA registrations (https://www.iana.org/assignments/uri-schemes/prov/redis,
 * .../rediss); the Sentinel and Cluster forms list several `host:port` pairs separated by commas, as
 * clients commonly accept. User and password are percent-decoded; `:pass@` alone gives a password
 * (Redis `requirepass`), `user:pass@` an ACL user. With Sentinel, the credentials are the master's
 * (https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/): the sentinels themselves are
 * reached without a password. IPv6 hosts go in brackets (`[::1]:6379`).
 *
 * The URL may hold a password, so no error message quotes any part of it, and logs show it only through
 * `describeRedisUrl` (password replaced by `***`). config.ts validates REDIS_URL with `parseRedisUrl`.
 */
import { isIP } from 'node:net';
import type { ClusterOptions, RedisOptions } from 'ioredis';

export interface RedisAddress {
  host: string;
  port: number;
}

/** What a REDIS_URL names, with the ioredis options to reach it (connection only: timeouts and retries are the store's). */
export type RedisTarget =
  /** One server: `new Redis(options)`. */
  | { mode: 'single'; options: RedisOptions }
  /** A Sentinel-managed master: `new Redis(options)` (options carry `sentinels` and `name`). */
  | { mode: 'sentinel'; options: RedisOptions }
  /** Redis Cluster: `new Cluster(nodes, options)` (credentials in `options.redisOptions`). */
  | { mode: 'cluster'; nodes: RedisAddress[]; options: ClusterOptions };

const SCHEMES = ['redis', 'rediss', 'redis+sentinel', 'redis+cluster'] as const;
type Scheme = (typeof SCHEMES)[number];
const SCHEME_LIST = 'redis://, rediss://, redis+sentinel:// or redis+cluster://';

const DEFAULT_PORT = 6379;
const DEFAULT_SENTINEL_PORT = 26379;

function fail(problem: string): never {
  throw new Error(`REDIS_URL: ${problem}`);
}

interface UrlParts {
  scheme: Scheme;
  /** Raw (still percent-encoded) user info, without the `@`; undefined when absent. */
  userinfo: string | undefined;
  /** Everything after the user info: `hosts[/path]`. */
  rest: string;
}

/**
 * Splits `scheme://[userinfo@]rest`. The user info ends at the LAST `@`, so a password written with an
 * unencoded `@` or `/` still splits where the user meant (hosts, database and master names hold no `@`).
 */
function splitUrl(url: string): UrlParts {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(url);
  const scheme = match?.[1]?.toLowerCase();
  if (!match || !scheme || !(SCHEMES as readonly string[]).includes(scheme)) fail(`must start with ${SCHEME_LIST}`);
  const after = match[2] ?? '';
  const at = after.lastIndexOf('@');
  return {
    scheme: scheme as Scheme,
    userinfo: at === -1 ? undefined : after.slice(0, at),
    rest: at === -1 ? after : after.slice(at + 1),
  };
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail(`the ${what} is not valid percent-encoding (encode reserved characters such as % as %25)`);
  }
}

/** `user:pass`, `:pass` or `user` → ioredis `username`/`password`. */
function readCredentials(userinfo: string | undefined): { username?: string; password?: string } {
  if (userinfo === undefined || userinfo === '') return {};
  const colon = userinfo.indexOf(':');
  const username = decode(colon === -1 ? userinfo : userinfo.slice(0, colon), 'user name');
  const password = colon === -1 ? undefined : decode(userinfo.slice(colon + 1), 'password');
  return {
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
  };
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`. */
function readAddress(text: string, defaultPort: number): RedisAddress {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) fail('an IPv6 host is missing its closing bracket');
    host = text.slice(1, close);
    const after = text.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) fail('a host in brackets must be followed by :port or nothing');
    portText = after === '' ? undefined : after.slice(1);
    if (isIP(host) !== 6) fail('the host in brackets is not an IPv6 address');
  } else {
    const colon = text.lastIndexOf(':');
    host = colon === -1 ? text : text.slice(0, colon);
    portText = colon === -1 ? undefined : text.slice(colon + 1);
    if (host.includes(':')) fail('write an IPv6 host in brackets, e.g. [::1]:6379');
  }
  if (host === '') fail('a host is missing');
  if (!/^[A-Za-z0-9._:%-]+$/.test(host)) fail('a host name holds characters a host name cannot have');
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) fail('a port must be a number from 1 to 65535');
    port = Number(portText);
    if (port < 1 || port > 65535) fail('a port must be a number from 1 to 65535');
  }
  return { host, port };
}

function readHosts(text: string, defaultPort: number, many: boolean): RedisAddress[] {
  if (text === '') fail('no host given');
  const items = text.split(',');
  if (!many && items.length > 1) fail('redis:// and rediss:// take one host (use redis+sentinel:// or redis+cluster:// for several)');
  return items.map((item) => readAddress(item, defaultPort));
}

function readDb(text: string): number {
  if (!/^\d{1,5}$/.test(text)) fail('the database must be a non-negative whole number (e.g. /0)');
  return Number(text);
}

/**
 * Reads a REDIS_URL. Throws an Error whose message says what is wrong without quoting the URL
 * (it may hold a password).
 */
export function parseRedisUrl(url: string): RedisTarget {
  if (typeof url !== 'string' || url.trim() === '') fail('empty');
  const { scheme, userinfo, rest } = splitUrl(url.trim());
  if (/[?#]/.test(rest)) fail('query strings and fragments are not supported');
  const credentials = readCredentials(userinfo);
  const slash = rest.indexOf('/');
  const hostText = slash === -1 ? rest : rest.slice(0, slash);
  // `redis://host/` is `redis://host`; path segments are split on `/`.
  const path = slash === -1 ? [] : rest.slice(slash + 1).split('/');
  if (path.length > 0 && path[path.length - 1] === '') path.pop();

  switch (scheme) {
    case 'redis':
    case 'rediss': {
      const [address] = readHosts(hostText, DEFAULT_PORT, false) as [RedisAddress];
      if (path.length > 1) fail('the path can only be a database number (e.g. /0)');
      const db = path[0] === undefined ? undefined : readDb(path[0]);
      const options: RedisOptions = { host: address.host, port: address.port, ...credentials, ...(db !== undefined ? { db } : {}) };
      // TLS verifies the server's certificate for the host name (SNI is only sent for names, RFC 6066 §3).
      if (scheme === 'rediss') options.tls = isIP(address.host) ? {} : { servername: address.host };
      return { mode: 'single', options };
    }
    case 'redis+sentinel': {
      const sentinels = readHosts(hostText, DEFAULT_SENTINEL_PORT, true);
      const [name, dbText, ...extra] = path;
      if (name === undefined || name === '') fail('redis+sentinel:// needs the master name as its path (e.g. /mymaster)');
      if (extra.length > 0) fail('a redis+sentinel:// path is /<master name>[/<db>]');
      const masterName = decode(name, 'master name');
      const db = dbText === undefined ? undefined : readDb(dbText);
      return { mode: 'sentinel', options: { sentinels, name: masterName, ...credentials, ...(db !== undefined ? { db } : {}) } };
    }
    case 'redis+cluster': {
      const nodes = readHosts(hostText, DEFAULT_PORT, true);
      // Redis Cluster has only database 0 (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/).
      if (path.length > 0) fail('redis+cluster:// takes no path (a cluster has only database 0)');
      return { mode: 'cluster', nodes, options: Object.keys(credentials).length > 0 ? { redisOptions: credentials } : {} };
    }
  }
}

/**
 * The URL for logs: the password replaced by `***` (`redis://user:***@host:6379/0`). A user info without
 * a colon is replaced too, in case it is a password written without its leading `:`. Anything that does
 * not look like a URL at all is shown as `***`.
 */
export function describeRedisUrl(url: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(url.trim());
  if (!match) return '***';
  const after = match[2] ?? '';
  const at = after.lastIndexOf('@');
  if (at === -1) return `${match[1]}://${after}`;
  const userinfo = after.slice(0, at);
  const colon = userinfo.indexOf(':');
  const shown = colon === -1 ? '***' : `${userinfo.slice(0, colon)}:***`;
  return `${match[1]}://${shown}@${after.slice(at + 1)}`;
}
