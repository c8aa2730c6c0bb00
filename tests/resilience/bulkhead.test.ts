/**
 * The per-provider bulkhead: a slow provider never sees more concurrent requests than
 * UPSTREAM_MAX_IN_FLIGHT, and the excess is refused at once with PROVIDER_UNAVAILABLE reason
 * OVERLOADED instead of queueing behind the slow ones.
 *
 * The admitted requests are held upstream by a gate that opens only once every refusal has come
 * back: a refusal that queued for a slot would never come back while the gate is shut.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGate, type Gate } from '../../src/simulators/faults.js';
import { startStack, type GraphQLResult, type Stack } from '../helpers/stack.js';
import { FIXTURES, fixture, resetSims, simOf, userQuery, waitFor, type ProviderFixture } from './fixtures.js';

/** How long a broken bulkhead may keep a test waiting before it fails; a correct one needs a fraction of it. */
const PATIENCE_MS = 45_000;
/** Attempt timeout and deadline far beyond any wait here: nothing held at a gate is cut short. */
const NO_TIMEOUTS = { UPSTREAM_TIMEOUT_MS: '60000', REQUEST_DEADLINE_MS: '60000' };

interface Burst {
  ok: number;
  overloaded: number;
  other: GraphQLResult[];
  /** OVERLOADED answers that came back while the gate was still shut. */
  overloadedWhileHeld: number;
}

/**
 * Sends `n` requests for `f`'s user at once, every upstream call held at `gate`; opens the gate once
 * `bound` calls are held, the other `n - bound` requests have been answered (or PATIENCE_MS
 * passed) and `keepShut` has settled, then sorts the answers.
 */
async function burst(stack: Stack, f: ProviderFixture, n: number, bound: number, gate: Gate, keepShut: Promise<unknown> = Promise.resolve()): Promise<Burst> {
  const out: Burst = { ok: 0, overloaded: 0, other: [], overloadedWhileHeld: 0 };
  let answered = 0;
  const sends = Array.from({ length: n }, async () => {
    const result = await stack.gql(userQuery(f.provider), { id: f.id }, f.headers);
    answered++;
    const e = result.body.errors?.[0]?.extensions;
    if (!result.body.errors && result.body.data?.user?.id === f.id) out.ok++;
    else if (result.body.errors?.length === 1 && e?.code === 'PROVIDER_UNAVAILABLE' && e.reason === 'OVERLOADED' && e.provider === f.provider) {
      out.overloaded++;
      if (!gate.isOpen) out.overloadedWhileHeld++;
    } else out.other.push(result);
  });
  await waitFor(() => answered >= n - bound && simOf(stack, f).stats().inFlight >= bound, PATIENCE_MS);
  await keepShut.catch(() => undefined);
  gate.open();
  await Promise.all(sends);
  return out;
}

describe('bulkhead with UPSTREAM_MAX_IN_FLIGHT=8', () => {
  const BOUND = 8;
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { UPSTREAM_MAX_IN_FLIGHT: String(BOUND), ...NO_TIMEOUTS } });
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => resetSims(stack));

  it.each(FIXTURES)('$provider: 200 concurrent requests to a slow provider: it never sees more than 8 at once; the other 192 are refused with OVERLOADED while those 8 are still held', async (f) => {
    const sim = simOf(stack, f);
    const gate = createGate();
    sim.injectFaults([{ fault: { kind: 'gate', gate }, times: -1 }]);
    const { ok, overloaded, overloadedWhileHeld, other } = await burst(stack, f, 200, BOUND, gate);
    expect(other.map((r) => r.text)).toEqual([]);
    expect(sim.stats().peakInFlight).toBe(BOUND);
    expect(ok).toBe(BOUND);
    expect(overloaded).toBe(200 - BOUND);
    // Refused without waiting for a slot: every refusal came back while the admitted calls were held.
    expect(overloadedWhileHeld).toBe(200 - BOUND);
    expect(sim.requests()).toHaveLength(BOUND); // every admitted request made exactly one call; refused ones none
  });

  it('a full bulkhead on one provider leaves the others untouched', async () => {
    const slow = fixture('PASSBOLT');
    const gate = createGate();
    simOf(stack, slow).injectFaults([{ fault: { kind: 'gate', gate }, times: -1 }]);
    let othersDone!: () => void;
    const held = burst(stack, slow, 40, BOUND, gate, new Promise<void>((r) => (othersDone = r)));
    try {
      expect(await waitFor(() => simOf(stack, slow).stats().inFlight === BOUND, PATIENCE_MS)).toBe(true);
      for (const f of FIXTURES.filter((x) => x.provider !== 'PASSBOLT')) {
        const result = await stack.gql(userQuery(f.provider), { id: f.id }, f.headers);
        expect(result.body.errors).toBeUndefined();
        expect(result.body.data.user.id).toBe(f.id);
      }
      // All three answered while Passbolt's eight calls were still held.
      expect(gate.isOpen).toBe(false);
      expect(simOf(stack, slow).stats().inFlight).toBe(BOUND);
    } finally {
      othersDone();
    }
    const { ok, overloaded } = await held;
    expect(ok).toBe(BOUND);
    expect(overloaded).toBe(40 - BOUND);
  });

  it('once the slow requests finish, the provider takes new requests again', async () => {
    const f = fixture('DROPLIT');
    const sim = simOf(stack, f);
    const gate = createGate();
    sim.injectFaults([{ fault: { kind: 'gate', gate }, times: BOUND }]);
    const first = await burst(stack, f, 20, BOUND, gate);
    expect(first.ok).toBe(BOUND);
    const after = await Promise.all(Array.from({ length: BOUND }, () => stack.gql(userQuery(f.provider), { id: f.id }, f.headers)));
    for (const r of after) expect(r.body.data.user.id).toBe(f.id);
  });
});

describe('bulkhead at its default bound (64)', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A pool larger than the bound, so the bulkhead and not the connection pool is what limits.
    stack = await startStack({ env: { UPSTREAM_CONNECTIONS: '128', ...NO_TIMEOUTS } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('200 concurrent requests to a slow provider: the simulator never sees more than 64 at once; the rest are refused with OVERLOADED', async () => {
    const f = fixture('PASSBOLT');
    const sim = simOf(stack, f);
    await resetSims(stack);
    const gate = createGate();
    sim.injectFaults([{ fault: { kind: 'gate', gate }, times: -1 }]);
    const { ok, overloaded, overloadedWhileHeld, other } = await burst(stack, f, 200, 64, gate);
    expect(other.map((r) => r.text)).toEqual([]);
    expect(sim.stats().peakInFlight).toBe(64);
    expect(ok).toBe(64);
    expect(overloaded).toBe(136);
    expect(overloadedWhileHeld).toBe(136);
  });
});
