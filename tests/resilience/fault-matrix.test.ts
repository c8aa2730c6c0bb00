/**
 * The fault matrix (T5): every fault the simulators can inject × the four providers,
 * each cell with its expected outcome (a code or success), its upstream call count and a latency
 * bound, all in one table. Toxiproxy's toxics map onto the simulators' faults: latency → latency,
 * timeout (black hole) → hang, reset_peer → reset, limit_data → truncate, slicer/bandwidth → trickle.
 * The table is printed with the measured figures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderName } from '../../src/model.js';
import type { FaultRule } from '../../src/simulators/faults.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { FIXTURES, resetSims, simOf, startRawServer, timed, userQuery, type ProviderFixture } from './fixtures.js';

const ATTEMPT_MS = 300;
const DEADLINE_MS = 800;
const MAX_BODY_BYTES = 65_536;
/** Allowed overrun on a shared, noisy 2-core CI machine. */
const NOISE_MS = 250;

interface Expected {
  /** 'ok', or the error code (and reason) the field must carry. */
  outcome: string;
  /** Inclusive range of upstream calls. */
  calls: [number, number];
  /** The response must arrive within this many milliseconds (client clock). */
  maxMs: number;
  /** And not before this many (a latency the gateway must have waited for). */
  minMs?: number;
  retryAfterSeconds?: number;
}

interface Row {
  fault: string;
  rules: (tripwire: string) => FaultRule[];
  expect: (f: ProviderFixture) => Expected;
}

const fast = (outcome: string, calls: number): Expected => ({ outcome, calls: [calls, calls], maxMs: NOISE_MS });
const timeout: Expected = { outcome: 'PROVIDER_TIMEOUT', calls: [2, 3], maxMs: DEADLINE_MS + NOISE_MS, minMs: DEADLINE_MS - 20 };

const ROWS: Row[] = [
  { fault: 'latency 0 ms', rules: () => [{ fault: { kind: 'latency', ms: 0 }, times: -1 }], expect: () => fast('ok', 1) },
  {
    fault: 'latency 150 ms',
    rules: () => [{ fault: { kind: 'latency', ms: 150 }, times: -1 }],
    expect: () => ({ outcome: 'ok', calls: [1, 1], maxMs: 150 + NOISE_MS, minMs: 145 }),
  },
  { fault: 'latency 1000 ms', rules: () => [{ fault: { kind: 'latency', ms: 1_000 }, times: -1 }], expect: () => timeout },
  { fault: 'hang (black hole)', rules: () => [{ fault: { kind: 'hang' }, times: -1 }], expect: () => timeout },
  { fault: 'reset before response', rules: () => [{ fault: { kind: 'reset' }, times: -1 }], expect: () => fast('PROVIDER_UNAVAILABLE', 3) },
  { fault: 'truncate (half the body)', rules: () => [{ fault: { kind: 'truncate' }, times: -1 }], expect: () => fast('PROVIDER_UNAVAILABLE', 3) },
  { fault: 'trickle 1 B / 50 ms', rules: () => [{ fault: { kind: 'trickle', intervalMs: 50, bytes: 1 }, times: -1 }], expect: () => timeout },
  { fault: 'non-JSON 200 (HTML)', rules: () => [{ fault: { kind: 'non-json' }, times: -1 }], expect: () => fast('PROVIDER_BAD_RESPONSE/NOT_JSON', 1) },
  { fault: '500 × 3', rules: () => [{ fault: { kind: 'status', status: 500 }, times: 3 }], expect: () => fast('PROVIDER_UNAVAILABLE', 3) },
  {
    fault: '503, then 200',
    rules: () => [{ fault: { kind: 'status', status: 503 } }],
    // BellaDati throttles with 503 (no Retry-After: the gateway does not guess a wait).
    expect: (f) => (f.provider === 'BELLADATI' ? fast('RATE_LIMITED', 1) : fast('ok', 2)),
  },
  {
    fault: '429 Retry-After: 30',
    rules: () => [{ fault: { kind: 'status', status: 429, headers: { 'retry-after': '30' } }, times: -1 }],
    expect: () => ({ ...fast('RATE_LIMITED', 1), retryAfterSeconds: 30 }),
  },
  {
    fault: '429 Retry-After: 0, then 200',
    rules: () => [{ fault: { kind: 'status', status: 429, headers: { 'retry-after': '0' } } }],
    expect: () => fast('ok', 2),
  },
  {
    fault: '302 to a tripwire',
    rules: (tripwire) => [{ fault: { kind: 'redirect', location: `${tripwire}/steal`, status: 302 }, times: -1 }],
    expect: () => fast('PROVIDER_BAD_RESPONSE/REDIRECT', 1),
  },
  {
    fault: `large body (> ${MAX_BODY_BYTES} B cap)`,
    rules: () => [{ fault: { kind: 'large', bytes: 4 * MAX_BODY_BYTES }, times: -1 }],
    expect: () => fast('PROVIDER_BAD_RESPONSE/RESPONSE_TOO_LARGE', 1),
  },
  { fault: 'JSON nested 10,000 deep', rules: () => [{ fault: { kind: 'deep', depth: 10_000 }, times: -1 }], expect: () => fast('PROVIDER_BAD_RESPONSE', 1) },
];

interface Cell {
  fault: string;
  provider: ProviderName;
  expected: Expected;
  outcome: string;
  calls: number;
  ms: number;
  retryAfterSeconds?: number;
  pass: boolean;
}

function describeOutcome(res: Awaited<ReturnType<Stack['gql']>>, f: ProviderFixture): { outcome: string; retryAfterSeconds?: number } {
  if (!res.body.errors && res.body.data?.user?.id === f.id) return { outcome: 'ok' };
  const errors = res.body.errors as Array<{ extensions?: Record<string, unknown> }> | undefined;
  if (res.status !== 200 || errors?.length !== 1 || res.body.data?.user !== null) return { outcome: `unexpected ${res.status}: ${res.text.slice(0, 120)}` };
  const e = errors[0]!.extensions ?? {};
  if (e.provider !== f.provider) return { outcome: `wrong provider ${String(e.provider)}` };
  const outcome = e.reason ? `${String(e.code)}/${String(e.reason)}` : String(e.code);
  return { outcome, retryAfterSeconds: typeof e.retryAfterSeconds === 'number' ? e.retryAfterSeconds : undefined };
}

function cellPasses(c: Omit<Cell, 'pass'>): boolean {
  const x = c.expected;
  return (
    c.outcome === x.outcome &&
    c.calls >= x.calls[0] &&
    c.calls <= x.calls[1] &&
    c.ms <= x.maxMs &&
    c.ms >= (x.minMs ?? 0) &&
    (x.retryAfterSeconds === undefined || c.retryAfterSeconds === x.retryAfterSeconds)
  );
}

function printTable(cells: Cell[]): string {
  const header = ['fault', 'provider', 'expected', 'calls', 'bound ms', 'got', 'calls', 'ms', ''];
  const rows = cells.map((c) => [
    c.fault,
    c.provider,
    c.expected.outcome + (c.expected.retryAfterSeconds !== undefined ? ` (${c.expected.retryAfterSeconds} s)` : ''),
    c.expected.calls[0] === c.expected.calls[1] ? String(c.expected.calls[0]) : `${c.expected.calls[0]}–${c.expected.calls[1]}`,
    c.expected.minMs !== undefined ? `${c.expected.minMs}–${c.expected.maxMs}` : `≤ ${c.expected.maxMs}`,
    c.outcome + (c.retryAfterSeconds !== undefined ? ` (${c.retryAfterSeconds} s)` : ''),
    String(c.calls),
    c.ms.toFixed(0),
    c.pass ? 'ok' : 'MISMATCH',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => v.padEnd(widths[i]!)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

describe('T5: fault matrix (15 faults × 4 providers)', () => {
  let stack: Stack;
  let tripwire: Awaited<ReturnType<typeof startRawServer>>;
  const cells: Cell[] = [];
  let startedAt = 0;

  beforeAll(async () => {
    startedAt = performance.now();
    tripwire = await startRawServer((_req, res) => res.end('tripwire'));
    stack = await startStack({
      env: {
        UPSTREAM_TIMEOUT_MS: String(ATTEMPT_MS),
        REQUEST_DEADLINE_MS: String(DEADLINE_MS),
        UPSTREAM_BACKOFF_BASE_MS: '5',
        UPSTREAM_BACKOFF_MAX_MS: '20',
        UPSTREAM_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
        // Every cell starts from a closed breaker and a full retry budget.
        BREAKER_CONSECUTIVE_FAILURES: '100000',
        BREAKER_MINIMUM_CALLS: '100000',
        UPSTREAM_RETRY_BUDGET_MIN_PER_SECOND: '1000',
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await tripwire?.close();
  });

  it.each(ROWS)('$fault: every provider as expected', async (row) => {
    await resetSims(stack);
    for (const f of FIXTURES) simOf(stack, f).injectFaults(row.rules(tripwire.url));
    // The four providers run side by side: each cell has its own simulator.
    const measured = await Promise.all(
      FIXTURES.map(async (f): Promise<Cell> => {
        const { result, ms } = await timed(() => stack.gql(userQuery(f.provider), { id: f.id }, f.headers));
        const cell = { fault: row.fault, provider: f.provider, expected: row.expect(f), ...describeOutcome(result, f), calls: simOf(stack, f).requests().length, ms };
        return { ...cell, pass: cellPasses(cell) };
      }),
    );
    cells.push(...measured);
    for (const c of measured) {
      expect({ provider: c.provider, outcome: c.outcome }).toEqual({ provider: c.provider, outcome: c.expected.outcome });
      expect(c.calls, `${c.provider} upstream calls`).toBeGreaterThanOrEqual(c.expected.calls[0]);
      expect(c.calls, `${c.provider} upstream calls`).toBeLessThanOrEqual(c.expected.calls[1]);
      expect(c.ms, `${c.provider} latency`).toBeLessThanOrEqual(c.expected.maxMs);
      expect(c.ms, `${c.provider} latency`).toBeGreaterThanOrEqual(c.expected.minMs ?? 0);
      if (c.expected.retryAfterSeconds !== undefined) expect(c.retryAfterSeconds).toBe(c.expected.retryAfterSeconds);
      expect(c.pass).toBe(true);
    }
    if (row.fault.startsWith('302')) expect(tripwire.hits()).toBe(0);
  });

  it('covers every cell, prints the table, and the whole matrix ran in under 60 s', () => {
    const elapsed = performance.now() - startedAt;
    console.log(`\n${printTable(cells)}\n\n${cells.filter((c) => c.pass).length}/${cells.length} cells as expected; matrix ran in ${(elapsed / 1000).toFixed(1)} s`);
    expect(cells).toHaveLength(ROWS.length * FIXTURES.length);
    expect(cells.filter((c) => !c.pass)).toEqual([]);
    expect(tripwire.hits()).toBe(0);
    expect(elapsed).toBeLessThan(60_000);
  });
});
