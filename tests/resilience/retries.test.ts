/**
 * Retries (R1–R4, R7, R8): which upstream answers the gateway retries, how many
 * attempts it makes, how long it waits between them, and which code the client finally sees.
 * Upstream calls are counted by the simulators; every provider is covered.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { startStack } from '../helpers/stack.js';
import {
  FAST_ENV,
  FIXTURES,
  deadPort,
  fixture,
  observeAttempts,
  onlyError,
  resetSims,
  simOf,
  startRawServer,
  startSideGateway,
  timed,
  userQuery,
  type ObservedAttempt,
} from './fixtures.js';

const DEADLINE_MS = Number(FAST_ENV.REQUEST_DEADLINE_MS);
const BACKOFF_MAX_MS = Number(FAST_ENV.UPSTREAM_BACKOFF_MAX_MS);
/** Event-loop and loopback slack around a measured backoff gap on a busy CI machine. */
const GAP_SLACK_MS = 40;

describe('retries against a failing upstream', () => {
  let stack: Stack;
  let attempts: ObservedAttempt[];
  beforeAll(async () => {
    stack = await startStack({ env: { ...FAST_ENV } });
    attempts = observeAttempts(stack.gateway);
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(async () => {
    await resetSims(stack);
    attempts.length = 0;
  });

  describe.each(FIXTURES)('$provider', (f) => {
    const query = userQuery(f.provider);
    const calls = () => simOf(stack, f).requests().length;

    it(`R1: an outage status twice, then 200, succeeds on the third call with every backoff gap within the cap`, async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'status', status: f.outageStatus }, times: 2 }]);
      const { result: res, ms } = await timed(() => stack.gql(query, { id: f.id }, f.headers));
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.user.id).toBe(f.id);
      expect(calls()).toBe(3);
      const mine = attempts.filter((a) => a.provider === f.provider);
      expect(mine.map((a) => a.outcome)).toEqual([f.outageStatus, f.outageStatus, 200]);
      for (let i = 1; i < mine.length; i++) {
        const gap = mine[i]!.startedAt - mine[i - 1]!.endedAt;
        expect(gap).toBeGreaterThanOrEqual(-1);
        expect(gap).toBeLessThanOrEqual(BACKOFF_MAX_MS + GAP_SLACK_MS);
      }
      expect(ms).toBeLessThan(DEADLINE_MS);
    });

    it('R2: a 500 three times makes exactly three calls (never the fourth) and answers PROVIDER_UNAVAILABLE', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'status', status: 500 }, times: 3 }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(onlyError(res).extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider: f.provider });
      expect(calls()).toBe(3);
      // The 200 the simulator would have given on a fourth call was never asked for.
      expect(simOf(stack, f).stats().total).toBe(3);
    });

    it.each([
      [400, 'BAD_USER_INPUT'],
      [401, 'UNAUTHENTICATED'],
      [403, 'FORBIDDEN'],
      [404, 'NOT_FOUND'],
    ] as const)('R3: a %i is never retried: one call, %s', async (status, code) => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'status', status, body: f.errorBody(status) }, times: 5 }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(onlyError(res).extensions).toMatchObject({ code, provider: f.provider });
      expect(calls()).toBe(1);
    });

    it('R4: a 429 with Retry-After: 0 is retried once and succeeds (two calls)', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'status', status: 429, headers: { 'retry-after': '0' } } }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.user.id).toBe(f.id);
      expect(calls()).toBe(2);
    });

    it('R4: a 429 with Retry-After: 30 (beyond the deadline) makes one call and answers RATE_LIMITED with retryAfterSeconds 30', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'status', status: 429, headers: { 'retry-after': '30' } }, times: 5 }]);
      const { result: res, ms } = await timed(() => stack.gql(query, { id: f.id }, f.headers));
      expect(onlyError(res).extensions).toEqual({ code: 'RATE_LIMITED', provider: f.provider, retryAfterSeconds: 30 });
      expect(calls()).toBe(1);
      expect(ms).toBeLessThan(DEADLINE_MS); // it did not sleep on a wait it could never finish
    });

    it('R7: a connection reset before any response byte is retried: three calls, then PROVIDER_UNAVAILABLE', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'reset' }, times: -1 }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(onlyError(res).extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider: f.provider });
      expect(calls()).toBe(3);
    });

    it('R7: a body cut short of its Content-Length is retried: three calls, then PROVIDER_UNAVAILABLE', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'truncate' }, times: -1 }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(onlyError(res).extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider: f.provider });
      expect(calls()).toBe(3);
    });

    it('R7: one reset, then a healthy answer, succeeds on the second call', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'reset' } }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.user.id).toBe(f.id);
      expect(calls()).toBe(2);
    });

    it('R8: a 200 HTML page is not retried: one call, PROVIDER_BAD_RESPONSE, no upstream text in the response', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'non-json' }, times: 5 }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(onlyError(res).extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', provider: f.provider });
      expect(calls()).toBe(1);
      expect(res.text).not.toMatch(/ZX-UPSTREAM-BODY|nginx|<html|Bad Gateway/i);
    });

    it('R8: a 200 whose JSON is cut mid-value is not retried: one call, PROVIDER_BAD_RESPONSE', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'status', status: 200, body: '{"id": "ZX-UPSTREAM-BODY", "username": ' }, times: 5 }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(onlyError(res).extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', provider: f.provider });
      expect(calls()).toBe(1);
      expect(res.text).not.toContain('ZX-UPSTREAM-BODY');
    });
  });

  it('R1: BellaDati throttles with 503; without Retry-After the gateway does not guess a wait: one call, RATE_LIMITED', async () => {
    const f = fixture('BELLADATI');
    simOf(stack, f).injectFaults([{ fault: { kind: 'status', status: 503 }, times: 5 }]);
    const res = await stack.gql(userQuery('BELLADATI'), { id: f.id }, f.headers);
    expect(onlyError(res).extensions).toMatchObject({ code: 'RATE_LIMITED', provider: 'BELLADATI' });
    expect(simOf(stack, f).requests()).toHaveLength(1);
  });

  it('R1: BellaDati 503 with Retry-After: 0 is retried and succeeds (two calls)', async () => {
    const f = fixture('BELLADATI');
    simOf(stack, f).injectFaults([{ fault: { kind: 'status', status: 503, headers: { 'retry-after': '0' } } }]);
    const res = await stack.gql(userQuery('BELLADATI'), { id: f.id }, f.headers);
    expect(res.body.errors).toBeUndefined();
    expect(simOf(stack, f).requests()).toHaveLength(2);
  });

  it('a 503 whose Retry-After does not fit in the deadline is not retried: one call, PROVIDER_UNAVAILABLE', async () => {
    const f = fixture('PASSBOLT');
    simOf(stack, f).injectFaults([{ fault: { kind: 'status', status: 503, headers: { 'retry-after': '30' } }, times: 5 }]);
    const res = await stack.gql(userQuery('PASSBOLT'), { id: f.id }, f.headers);
    expect(onlyError(res).extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'PASSBOLT' });
    expect(simOf(stack, f).requests()).toHaveLength(1);
  });

  it('the Syncano batch read (POST) is retried like a GET: 503 twice, then 200, three calls', async () => {
    const f = fixture('SYNCANO');
    simOf(stack, f).injectFaults([{ fault: { kind: 'status', status: 503 }, times: 2 }]);
    const res = await stack.gql(`{ a: user(provider: SYNCANO, id: "1") { id } b: user(provider: SYNCANO, id: "2") { id } }`, {}, f.headers);
    expect(res.body.errors).toBeUndefined();
    expect([res.body.data.a.id, res.body.data.b.id]).toEqual(['1', '2']);
    const seen = simOf(stack, f).requests();
    expect(seen).toHaveLength(3);
    expect(seen.every((r) => r.method === 'POST' && r.path.endsWith('/batch/'))).toBe(true);
  });

  it('with UPSTREAM_RETRIES overridden per provider, that provider alone gives up after its own count', async () => {
    // The stack-wide setting is the default (2); PASSBOLT_UPSTREAM_RETRIES applies to Passbolt only.
    const side = await startSideGateway(stack, { ...FAST_ENV, PASSBOLT_UPSTREAM_RETRIES: '0' }, {});
    try {
      const p = fixture('PASSBOLT');
      const d = fixture('DROPLIT');
      simOf(stack, p).injectFaults([{ fault: { kind: 'status', status: 503 }, times: -1 }]);
      simOf(stack, d).injectFaults([{ fault: { kind: 'status', status: 503 }, times: -1 }]);
      const res = await side.gql(
        `query($p: ID!, $d: ID!) { p: user(provider: PASSBOLT, id: $p) { id } d: user(provider: DROPLIT, id: $d) { id } }`,
        { p: p.id, d: d.id },
        { ...p.headers, ...d.headers },
      );
      expect(res.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['PROVIDER_UNAVAILABLE', 'PROVIDER_UNAVAILABLE']);
      expect(simOf(stack, p).requests()).toHaveLength(1);
      expect(simOf(stack, d).requests()).toHaveLength(3);
    } finally {
      await side.close();
    }
  });
});

describe('R7: failures below HTTP that the simulators cannot script', () => {
  let stack: Stack;
  let side: Awaited<ReturnType<typeof startSideGateway>>;
  let cutChunked: Awaited<ReturnType<typeof startRawServer>>;
  beforeAll(async () => {
    stack = await startStack({ env: { ...FAST_ENV } });
    // Droplit behind a server that starts a chunked 200 and drops the connection mid-body.
    cutChunked = await startRawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.write('{"id": "C573b86eeee43dd7ba0244f8a;test", "username"');
      setTimeout(() => res.socket?.destroy(), 5);
    });
    // Passbolt on a port nothing listens on: every connection is refused.
    side = await startSideGateway(stack, { ...FAST_ENV }, { droplit: cutChunked.url, passbolt: `http://127.0.0.1:${await deadPort()}` });
  });
  afterAll(async () => {
    await side?.close();
    await cutChunked?.close();
    await stack?.close();
  });

  it('a refused connection is retried: three attempts, then PROVIDER_UNAVAILABLE', async () => {
    const f = fixture('PASSBOLT');
    const res = await side.gql(userQuery('PASSBOLT'), { id: f.id }, f.headers);
    expect(onlyError(res).extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider: 'PASSBOLT' });
    const metrics = await (await fetch(side.url.replace(/\/graphql$/, '/metrics'))).text();
    expect(metrics).toMatch(/^usergraph_upstream_requests_total\{provider="PASSBOLT",status="network"\} 3$/m);
    expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });

  it('a chunked body cut mid-stream is retried: three calls, then PROVIDER_UNAVAILABLE', async () => {
    const f = fixture('DROPLIT');
    const res = await side.gql(userQuery('DROPLIT'), { id: f.id }, f.headers);
    expect(onlyError(res).extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider: 'DROPLIT' });
    expect(cutChunked.hits()).toBe(3);
  });
});

describe('R8: a 200 with a JSON body of the right shape but a non-JSON Content-Type', () => {
  let stack: Stack;
  let side: Awaited<ReturnType<typeof startSideGateway>>;
  const proxies: Array<Awaited<ReturnType<typeof startRawServer>>> = [];
  beforeAll(async () => {
    stack = await startStack({ env: { ...FAST_ENV } });
    // Each provider behind a relay that passes the real answer on, labelled text/html.
    const relay = async (target: string) => {
      const proxy = await startRawServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const upstream = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
            const body: Buffer[] = [];
            answer.on('data', (c: Buffer) => body.push(c));
            answer.on('end', () => {
              res.writeHead(answer.statusCode ?? 502, { 'content-type': 'text/html; charset=utf-8' });
              res.end(Buffer.concat(body));
            });
          });
          upstream.end(Buffer.concat(chunks));
        });
      });
      proxies.push(proxy);
      return proxy.url;
    };
    side = await startSideGateway(
      stack,
      { ...FAST_ENV },
      {
        syncano: await relay(stack.sims.syncano.url),
        droplit: await relay(stack.sims.droplit.url),
        passbolt: await relay(stack.sims.passbolt.url),
        belladati: await relay(stack.sims.belladati.url),
      },
    );
  });
  afterAll(async () => {
    await side?.close();
    for (const p of proxies) await p.close();
    await stack?.close();
  });

  // "Upstream response: the content type must be JSON": a 2xx that is not JSON is
  // refused before its body is read, and never retried.
  it.each(FIXTURES)('$provider: one call, PROVIDER_BAD_RESPONSE', async (f) => {
    stack.clearRequests();
    const res = await side.gql(userQuery(f.provider), { id: f.id }, f.headers);
    expect(simOf(stack, f).requests()).toHaveLength(1);
    expect(onlyError(res).extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', provider: f.provider });
  });
});
