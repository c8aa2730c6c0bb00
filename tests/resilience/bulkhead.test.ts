/**
 * The per-provider bulkhead (R13): a slow provider never sees more concurrent requests
 * than UPSTREAM_MAX_IN_FLIGHT, and the excess is refused at once with PROVIDER_UNAVAILABLE reason
 * OVERLOADED instead of queueing behind the slow ones.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, type GraphQLResult, type Stack } from '../helpers/stack.js';
import { FIXTURES, fixture, percentile, resetSims, simOf, timed, userQuery, type ProviderFixture } from './fixtures.js';

const SLOW_MS = 1_000;

interface Burst {
  ok: number;
  overloaded: Array<{ ms: number }>;
  other: GraphQLResult[];
}

/** Sends `n` requests for `f`'s user at once and sorts the answers. */
async function burst(stack: Stack, f: ProviderFixture, n: number): Promise<Burst> {
  const results = await Promise.all(Array.from({ length: n }, () => timed(() => stack.gql(userQuery(f.provider), { id: f.id }, f.headers))));
  const out: Burst = { ok: 0, overloaded: [], other: [] };
  for (const { result, ms } of results) {
    const e = result.body.errors?.[0]?.extensions;
    if (!result.body.errors && result.body.data?.user?.id === f.id) out.ok++;
    else if (result.body.errors?.length === 1 && e?.code === 'PROVIDER_UNAVAILABLE' && e.reason === 'OVERLOADED' && e.provider === f.provider) out.overloaded.push({ ms });
    else out.other.push(result);
  }
  return out;
}

describe('R13: bulkhead with UPSTREAM_MAX_IN_FLIGHT=8', () => {
  const BOUND = 8;
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { UPSTREAM_MAX_IN_FLIGHT: String(BOUND) } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => resetSims(stack));

  it.each(FIXTURES)('$provider: 200 concurrent requests to a slow provider: it never sees more than 8 at once; the excess fails fast with OVERLOADED', async (f) => {
    const sim = simOf(stack, f);
    sim.injectFaults([{ fault: { kind: 'latency', ms: SLOW_MS }, times: -1 }]);
    const { ok, overloaded, other } = await burst(stack, f, 200);
    expect(other.map((r) => r.text)).toEqual([]);
    expect(ok + overloaded.length).toBe(200);
    expect(sim.stats().peakInFlight).toBeLessThanOrEqual(BOUND);
    expect(ok).toBeGreaterThanOrEqual(BOUND);
    expect(sim.requests()).toHaveLength(ok); // every admitted request made exactly one call; refused ones none
    expect(overloaded.length).toBeGreaterThanOrEqual(100);
    // Refused without waiting for a slot: well under the upstream's 1 s.
    const ms = overloaded.map((o) => o.ms);
    expect(percentile(ms, 50)).toBeLessThan(SLOW_MS / 2);
    expect(Math.max(...ms)).toBeLessThan(SLOW_MS);
    console.log(
      `${f.provider} R13: peak in flight ${sim.stats().peakInFlight}, ok ${ok}, OVERLOADED ${overloaded.length} (p50 ${percentile(ms, 50).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms)`,
    );
  });

  it('a full bulkhead on one provider leaves the others untouched', async () => {
    const slow = fixture('PASSBOLT');
    simOf(stack, slow).injectFaults([{ fault: { kind: 'latency', ms: SLOW_MS }, times: -1 }]);
    const held = burst(stack, slow, 40);
    await new Promise((r) => setTimeout(r, 100));
    for (const f of FIXTURES.filter((x) => x.provider !== 'PASSBOLT')) {
      const { result, ms } = await timed(() => stack.gql(userQuery(f.provider), { id: f.id }, f.headers));
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data.user.id).toBe(f.id);
      expect(ms).toBeLessThan(SLOW_MS / 2);
    }
    const { ok, overloaded } = await held;
    expect(ok).toBeGreaterThanOrEqual(BOUND);
    expect(overloaded.length).toBeGreaterThan(0);
  });

  it('once the slow requests finish, the provider takes new requests again', async () => {
    const f = fixture('DROPLIT');
    const sim = simOf(stack, f);
    sim.injectFaults([{ fault: { kind: 'latency', ms: 300 }, times: BOUND }]);
    const first = await burst(stack, f, 20);
    expect(first.ok).toBeGreaterThanOrEqual(BOUND);
    const after = await burst(stack, f, BOUND);
    expect(after.ok).toBe(BOUND);
  });
});

describe('R13: bulkhead at its default bound (64)', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A pool larger than the bound, so the bulkhead and not the connection pool is what limits.
    stack = await startStack({ env: { UPSTREAM_CONNECTIONS: '128' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('200 concurrent requests to a slow provider: the simulator never sees more than 64 at once', async () => {
    const f = fixture('PASSBOLT');
    const sim = simOf(stack, f);
    await resetSims(stack);
    sim.injectFaults([{ fault: { kind: 'latency', ms: SLOW_MS }, times: -1 }]);
    const { ok, overloaded, other } = await burst(stack, f, 200);
    expect(other.map((r) => r.text)).toEqual([]);
    expect(sim.stats().peakInFlight).toBeLessThanOrEqual(64);
    expect(ok).toBeGreaterThanOrEqual(64);
    expect(overloaded.length).toBeGreaterThan(0);
    console.log(`default bound R13: peak in flight ${sim.stats().peakInFlight}, ok ${ok}, OVERLOADED ${overloaded.length}`);
  });
});
