/**
 * The fault matrix: every fault the simulators can inject × the four providers, each cell with its
 * expected outcome (a code or success) and its upstream call count, all in one table. Toxiproxy's
 * toxics map onto the simulators' faults: latency → latency, timeout (black hole) → hang,
 * reset_peer → reset, limit_data → truncate, slicer/bandwidth → trickle.
 *
 * Nothing here asserts a duration: how long a cell took is printed in the table, not checked. The
 * timeouts are set so that a healthy or slow-but-in-time answer has ample room on a busy machine,
 * and a fault that never ends would never answer, so a cell that comes back with PROVIDER_TIMEOUT
 * and 2–3 calls was cut by the attempt timeout and the deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderName } from '../../src/model.js';
import type { FaultRule } from '../../src/simulators/faults.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { FIXTURES, resetSims, simOf, startRawServer, timed, userQuery, type ProviderFixture } from './fixtures.js';

const ATTEMPT_MS = 1_000;
const DEADLINE_MS = 2_500;
const MAX_BODY_BYTES = 65_536;

interface Expected {
  /** 'ok', or the error code (and reason) the field must carry. */
  outcome: string;
  /** Inclusive range of upstream calls. */
  calls: [number, number];
  retryAfterSeconds?: number;
}

interface Row {
  fault: string;
  rules: (tripwire: string) => FaultRule[];
  expect: (f: ProviderFixture) => Expected;
}

const fast = (outcome: string, calls: number): Expected => ({ outcome, calls: [calls, calls] });
/** Two attempts cut at the attempt timeout, and a third cut by the deadline if it started. */
const timeout: Expected = { outcome: 'PROVIDER_TIMEOUT', calls: [2, 3] };

const ROWS: Row[] = [
  { fault: 'latency 0 ms', rules: () => [{ fault: { kind: 'latency', ms: 0 }, times: -1 }], expect: () => fast('ok', 1) },
  // Inside the attempt timeout: waited for, one call.
  { fault: 'latency 150 ms', rules: () => [{ fault: { kind: 'latency', ms: 150 }, times: -1 }], expect: () => fast('ok', 1) },
  { fault: 'latency 10 s', rules: () => [{ fault: { kind: 'latency', ms: 10_000 }, times: -1 }], expect: () => timeout },
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
    (x.retryAfterSeconds === undefined || c.retryAfterSeconds === x.retryAfterSeconds)
  );
}

function printTable(cells: Cell[]): string {
  const header = ['fault', 'provider', 'expected', 'calls', 'got', 'calls', 'ms', ''];
  const rows = cells.map((c) => [
    c.fault,
    c.provider,
    c.expected.outcome + (c.expected.retryAfterSeconds !== undefined ? ` (${c.expected.retryAfterSeconds} s)` : ''),
    c.expected.calls[0] === c.expected.calls[1] ? String(c.expected.calls[0]) : `${c.expected.calls[0]}–${c.expected.calls[1]}`,
    c.outcome + (c.retryAfterSeconds !== undefined ? ` (${c.retryAfterSeconds} s)` : ''),
    String(c.calls),
    c.ms.toFixed(0),
    c.pass ? 'ok' : 'MISMATCH',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => v.padEnd(widths[i]!)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

describe('fault matrix (15 faults × 4 providers)', () => {
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
      if (c.expected.retryAfterSeconds !== undefined) expect(c.retryAfterSeconds).toBe(c.expected.retryAfterSeconds);
      expect(c.pass).toBe(true);
    }
    if (row.fault.startsWith('302')) expect(tripwire.hits()).toBe(0);
  });

  it('covers every cell and prints the table', () => {
    const elapsed = performance.now() - startedAt;
    console.log(`\n${printTable(cells)}\n\n${cells.filter((c) => c.pass).length}/${cells.length} cells as expected; matrix ran in ${(elapsed / 1000).toFixed(1)} s`);
    expect(cells).toHaveLength(ROWS.length * FIXTURES.length);
    expect(cells.filter((c) => !c.pass)).toEqual([]);
    expect(tripwire.hits()).toBe(0);
  });
});
