/**
 * Retries: which upstream answers the gateway retries, how many attempts it makes, how long it
 * waits between them, and which code the client finally sees. Upstream calls are counted by the
 * simulators; every provider is covered. The waits themselves are checked on the guard, whose clock
 * records every wait it is asked for.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createUpstreamGuard, type AttemptOutcome } from '../../src/providers/resilience.js';
import type { Stack } from '../helpers/stack.js';
import { startStack } from '../helpers/stack.js';
import { SIMULATOR_MODULES } from '../../src/simulators/registry.js';
import {
  FAST_ENV,
  FIXTURES,
  createManualClock,
  deadPort,
  fixture,
  observeAttempts,
  onlyError,
  resetSims,
  simOf,
  startRawServer,
  startSideGateway,
  userQuery,
  type ObservedAttempt,
} from './fixtures.js';

describe('the waits between attempts, on the guard', () => {
  const clock = createManualClock();
  afterEach(() => {
    vi.restoreAllMocks();
    clock.sleeps.length = 0;
  });
  /** A guard with no breaker or budget in the way, and attempts answering `outcomes` in turn. */
  async function runWith(outcomes: AttemptOutcome[], options: { maxRetries?: number; deadlineAt?: number } = {}) {
    const guard = createUpstreamGuard('DROPLIT', {
      clock,
      maxRetries: options.maxRetries ?? 2,
      backoffBaseMs: 50,
      backoffMaxMs: 500,
      breakerConsecutiveFailures: 1e9,
      breakerMinimumCalls: 1e9,
      retryBudgetMinPerSecond: 1e6,
    });
    let n = 0;
    const last = await guard.run(async () => outcomes[Math.min(n++, outcomes.length - 1)]!, { retryable: true, deadlineAt: options.deadlineAt ?? Infinity });
    return { attempts: n, last, waits: [...clock.sleeps] };
  }

  it('full jitter: each wait is random(0, min(max, base·2ⁿ)), so at most 50, 100, 200, 400, 500, 500 ms', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    const { attempts, waits } = await runWith([{ status: 503 }], { maxRetries: 6 });
    expect(attempts).toBe(7);
    expect(waits.map(Math.round)).toEqual([50, 100, 200, 400, 500, 500]);
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    clock.sleeps.length = 0;
    expect((await runWith([{ status: 503 }], { maxRetries: 3 })).waits).toEqual([25, 50, 100]);
    vi.spyOn(Math, 'random').mockReturnValue(0);
    clock.sleeps.length = 0;
    expect((await runWith([{ status: 503 }], { maxRetries: 2 })).waits).toEqual([0, 0]);
  });

  it('a Retry-After that fits before the deadline is waited for exactly; one that does not is not waited for at all', async () => {
    const fits = await runWith([{ status: 429, throttled: true, retryAfterSeconds: 1 }, { status: 200 }], { deadlineAt: performance.now() + 60_000 });
    expect(fits).toMatchObject({ attempts: 2, last: { status: 200 }, waits: [1_000] });
    clock.sleeps.length = 0;
    const beyond = await runWith([{ status: 429, throttled: true, retryAfterSeconds: 30 }], { deadlineAt: performance.now() + 60_000 - 31_000 });
    expect(beyond).toMatchObject({ attempts: 1, last: { status: 429 }, waits: [] });
  });

  it('a throttled answer without Retry-After is not retried: no guessed wait', async () => {
    expect(await runWith([{ status: 429, throttled: true }, { status: 200 }])).toMatchObject({ attempts: 1, last: { status: 429 }, waits: [] });
  });

  it('no retry once the deadline has passed', async () => {
    expect(await runWith([{ status: 503 }, { status: 200 }], { deadlineAt: performance.now() - 1 })).toMatchObject({ attempts: 1, last: { status: 503 }, waits: [] });
  });
});

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

    it(`an outage status twice, then 200, succeeds on the third call (attempts 0, 1, 2 in order)`, async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'status', status: f.outageStatus }, times: 2 }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.user.id).toBe(f.id);
      expect(calls()).toBe(3);
      const mine = attempts.filter((a) => a.provider === f.provider);
      expect(mine.map((a) => a.outcome)).toEqual([f.outageStatus, f.outageStatus, 200]);
      expect(mine.map((a) => a.attempt)).toEqual([0, 1, 2]);
    });

    it('a 500 three times makes exactly three calls (never the fourth) and answers PROVIDER_UNAVAILABLE', async () => {
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
    ] as const)('a %i is never retried: one call, %s', async (status, code) => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'status', status, body: f.errorBody(status) }, times: 5 }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(onlyError(res).extensions).toMatchObject({ code, provider: f.provider });
      expect(calls()).toBe(1);
    });

    it('a 429 with Retry-After: 0 is retried once and succeeds (two calls)', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'status', status: 429, headers: { 'retry-after': '0' } } }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.user.id).toBe(f.id);
      expect(calls()).toBe(2);
    });

    it('a 429 with Retry-After: 30 (beyond the deadline) makes one call and answers RATE_LIMITED with retryAfterSeconds 30', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'status', status: 429, headers: { 'retry-after': '30' } }, times: 5 }]);
      // A wait it could never finish is not started (checked on the guard above); a 30 s sleep would outlast the test.
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(onlyError(res).extensions).toEqual({ code: 'RATE_LIMITED', provider: f.provider, retryAfterSeconds: 30 });
      expect(calls()).toBe(1);
    });

    it('a connection reset before any response byte is retried: three calls, then PROVIDER_UNAVAILABLE', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'reset' }, times: -1 }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(onlyError(res).extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider: f.provider });
      expect(calls()).toBe(3);
    });

    it('a body cut short of its Content-Length is retried: three calls, then PROVIDER_UNAVAILABLE', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'truncate' }, times: -1 }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(onlyError(res).extensions).toEqual({ code: 'PROVIDER_UNAVAILABLE', provider: f.provider });
      expect(calls()).toBe(3);
    });

    it('one reset, then a healthy answer, succeeds on the second call', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'reset' } }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.user.id).toBe(f.id);
      expect(calls()).toBe(2);
    });

    it('a 200 HTML page is not retried: one call, PROVIDER_BAD_RESPONSE, no upstream text in the response', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'non-json' }, times: 5 }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(onlyError(res).extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', provider: f.provider });
      expect(calls()).toBe(1);
      expect(res.text).not.toMatch(/ZX-UPSTREAM-BODY|nginx|<html|Bad Gateway/i);
    });

    it('a 200 whose JSON is cut mid-value is not retried: one call, PROVIDER_BAD_RESPONSE', async () => {
      simOf(stack, f).injectFaults([{ fault: { kind: 'status', status: 200, body: '{"id": "ZX-UPSTREAM-BODY", "username": ' }, times: 5 }]);
      const res = await stack.gql(query, { id: f.id }, f.headers);
      expect(onlyError(res).extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', provider: f.provider });
      expect(calls()).toBe(1);
      expect(res.text).not.toContain('ZX-UPSTREAM-BODY');
    });
  });

  it('BellaDati throttles with 503; without Retry-After the gateway does not guess a wait: one call, RATE_LIMITED', async () => {
    const f = fixture('BELLADATI');
    simOf(stack, f).injectFaults([{ fault: { kind: 'status', status: 503 }, times: 5 }]);
    const res = await stack.gql(userQuery('BELLADATI'), { id: f.id }, f.headers);
    expect(onlyError(res).extensions).toMatchObject({ code: 'RATE_LIMITED', provider: 'BELLADATI' });
    expect(simOf(stack, f).requests()).toHaveLength(1);
  });

  it('BellaDati 503 with Retry-After: 0 is retried and succeeds (two calls)', async () => {
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

describe('failures below HTTP that the simulators cannot script', () => {
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

describe('a 200 with a JSON body of the right shape but a non-JSON Content-Type', () => {
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
      Object.fromEntries(await Promise.all(SIMULATOR_MODULES.map(async ({ key }) => [key, await relay(stack.sims[key].url)] as const))),
    );
  });
  afterAll(async () => {
    await side?.close();
    for (const p of proxies) await p.close();
    await stack?.close();
  });

  // A 2xx answer must be labelled JSON: one that is not is refused before its body is read, and
  // never retried.
  it.each(FIXTURES)('$provider: one call, PROVIDER_BAD_RESPONSE', async (f) => {
    stack.clearRequests();
    const res = await side.gql(userQuery(f.provider), { id: f.id }, f.headers);
    expect(simOf(stack, f).requests()).toHaveLength(1);
    expect(onlyError(res).extensions).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', provider: f.provider });
  });
});
