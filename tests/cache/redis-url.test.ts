/**
 * REDIS_URL (src/cache/redis-url.ts): each scheme into ioredis options, errors that never quote the
 * URL, and the password hidden in what the logs show.
 */
import { describe, expect, it } from 'vitest';
import { describeRedisUrl, parseRedisUrl } from '../../src/cache/redis-url.js';

describe('parseRedisUrl', () => {
  it('redis:// — host, default port, no credentials', () => {
    expect(parseRedisUrl('redis://cache.internal')).toEqual({ mode: 'single', options: { host: 'cache.internal', port: 6379 } });
    expect(parseRedisUrl('redis://cache.internal/')).toEqual({ mode: 'single', options: { host: 'cache.internal', port: 6379 } });
  });

  it('redis:// — user, password, port and database', () => {
    expect(parseRedisUrl('redis://gateway:s3cret@10.0.0.5:6380/2')).toEqual({
      mode: 'single',
      options: { host: '10.0.0.5', port: 6380, username: 'gateway', password: 's3cret', db: 2 },
    });
  });

  it('redis:// — password only, percent-decoded, with @ and / left unencoded', () => {
    expect(parseRedisUrl('redis://:p%40ss%3Aword@localhost:6379/0').options).toEqual({ host: 'localhost', port: 6379, password: 'p@ss:word', db: 0 });
    expect(parseRedisUrl('redis://:a@b/c@localhost').options).toEqual({ host: 'localhost', port: 6379, password: 'a@b/c' });
  });

  it('redis:// — IPv6 in brackets', () => {
    expect(parseRedisUrl('redis://[::1]:7000').options).toEqual({ host: '::1', port: 7000 });
    expect(parseRedisUrl('redis://[::1]').options).toEqual({ host: '::1', port: 6379 });
  });

  it('rediss:// — TLS with the server name checked', () => {
    expect(parseRedisUrl('rediss://:pw@redis.example.com:6380')).toEqual({
      mode: 'single',
      options: { host: 'redis.example.com', port: 6380, password: 'pw', tls: { servername: 'redis.example.com' } },
    });
    // SNI carries names only (RFC 6066): an IP address gets plain TLS options.
    expect(parseRedisUrl('rediss://10.1.2.3')).toEqual({ mode: 'single', options: { host: '10.1.2.3', port: 6379, tls: {} } });
  });

  it('scheme names are case-insensitive', () => {
    expect(parseRedisUrl('REDIS://h:1').mode).toBe('single');
  });

  it('redis+sentinel:// — sentinels, master name, database', () => {
    expect(parseRedisUrl('redis+sentinel://:pw@s1:26379,s2:26380,s3/mymaster/3')).toEqual({
      mode: 'sentinel',
      options: {
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26380 },
          { host: 's3', port: 26379 },
        ],
        name: 'mymaster',
        password: 'pw',
        db: 3,
      },
    });
    expect(parseRedisUrl('redis+sentinel://s1/primary')).toEqual({ mode: 'sentinel', options: { sentinels: [{ host: 's1', port: 26379 }], name: 'primary' } });
  });

  it('redis+cluster:// — startup nodes, credentials for every node', () => {
    expect(parseRedisUrl('redis+cluster://:pw@n1:7000,n2:7001,[::1]:7002')).toEqual({
      mode: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      options: { redisOptions: { password: 'pw' } },
    });
    expect(parseRedisUrl('redis+cluster://n1')).toEqual({ mode: 'cluster', nodes: [{ host: 'n1', port: 6379 }], options: {} });
  });

  const SECRET = 'Hunter2-canary';
  const bad: Array<[string, string, RegExp]> = [
    ['empty', '', /empty/],
    ['another scheme', `http://:${SECRET}@h:1`, /must start with redis:\/\//],
    ['no scheme', `${SECRET}@h:6379`, /must start with/],
    ['no host', `redis://:${SECRET}@`, /no host/],
    ['no host before port', `redis://:${SECRET}@:6379`, /host is missing/],
    ['bad port', `redis://:${SECRET}@h:port`, /port/],
    ['port out of range', `redis://:${SECRET}@h:70000`, /port/],
    ['port zero', `redis://:${SECRET}@h:0`, /port/],
    ['bad database', `redis://:${SECRET}@h:6379/zero`, /database/],
    ['extra path', `redis://:${SECRET}@h:6379/0/1`, /database number/],
    ['several hosts for one server', `redis://:${SECRET}@h1:1,h2:2`, /one host/],
    ['query string', `redis://:${SECRET}@h:6379?tls=true`, /query/],
    ['bad percent-encoding', `redis://:${SECRET}%zz@h:6379`, /percent-encoding/],
    ['IPv6 without brackets', `redis://:${SECRET}@::1:6379`, /brackets/],
    ['unclosed bracket', `redis://:${SECRET}@[::1:6379`, /bracket/],
    ['bracketed non-IPv6', `redis://:${SECRET}@[host]:6379`, /IPv6/],
    ['odd host characters', `redis://:${SECRET}@h o st:6379`, /host name/],
    ['sentinel without master name', `redis+sentinel://:${SECRET}@s1:26379`, /master name/],
    ['sentinel with extra path', `redis+sentinel://:${SECRET}@s1:26379/m/0/x`, /master name/],
    ['sentinel with a bad database', `redis+sentinel://:${SECRET}@s1:26379/m/x`, /database/],
    ['cluster with a database', `redis+cluster://:${SECRET}@n1:7000/1`, /no path/],
    ['cluster with an empty node', `redis+cluster://:${SECRET}@n1:7000,`, /host is missing/],
  ];

  it.each(bad)('refuses %s, with a message that does not quote the URL', (_name, url, message) => {
    let error: unknown;
    try {
      parseRedisUrl(url);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    const text = (error as Error).message;
    expect(text).toMatch(/^REDIS_URL: /);
    expect(text).toMatch(message);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('Hunter2');
  });
});

describe('describeRedisUrl', () => {
  it('replaces the password with ***', () => {
    expect(describeRedisUrl('redis://gateway:s3cret@10.0.0.5:6380/2')).toBe('redis://gateway:***@10.0.0.5:6380/2');
    expect(describeRedisUrl('rediss://:s3cret@redis.example.com')).toBe('rediss://:***@redis.example.com');
    expect(describeRedisUrl('redis+sentinel://:s3cret@s1:26379,s2/mymaster')).toBe('redis+sentinel://:***@s1:26379,s2/mymaster');
    expect(describeRedisUrl('redis+cluster://:s3cret@n1:7000,n2:7001')).toBe('redis+cluster://:***@n1:7000,n2:7001');
  });

  it('hides a password holding @ or / whole', () => {
    const shown = describeRedisUrl('redis://:a@b/c@localhost:6379');
    expect(shown).toBe('redis://:***@localhost:6379');
  });

  it('hides a lone user info (it may be a password written without its colon)', () => {
    expect(describeRedisUrl('redis://s3cret@h:6379')).toBe('redis://***@h:6379');
  });

  it('leaves a URL without credentials as it is', () => {
    expect(describeRedisUrl('redis://cache.internal:6379/0')).toBe('redis://cache.internal:6379/0');
  });

  it('shows nothing of a string that is not a URL', () => {
    expect(describeRedisUrl('s3cret@h:6379')).toBe('***');
  });
});
