/**
 * The provider's error table over real HTTP: the simulator answers with each documented status (and
 * body, as the provider words it), and the field carries the code, reason and Retry-After the table
 * promises, at that provider only, after exactly one upstream call, with nothing of the body.
 */
import { expect } from 'vitest';
import { allSims, onlyError, sim, userQuery } from '../context.js';
import type { ErrorRow } from '../fixture.js';
import type { Checks } from './check.js';

/** Statuses every provider's table must answer for. */
export const REQUIRED_STATUSES = [401, 403, 404, 429, 500, 503] as const;

const describeRow = (row: ErrorRow) =>
  `upstream ${row.status}${row.note ? ` (${row.note})` : ''} → ${row.code}${row.reason ? ` ${row.reason}` : ''}${row.retryAfterSeconds !== undefined ? `, retry after ${row.retryAfterSeconds} s` : ''}`;

export const errorTableChecks: Checks = (f) => [
  {
    name: `the error table covers ${REQUIRED_STATUSES.join(', ')}`,
    async run() {
      const statuses = new Set(f.errors.map((row) => row.status));
      expect(REQUIRED_STATUSES.filter((s) => !statuses.has(s))).toEqual([]);
    },
  },
  ...f.errors.map((row) => ({
    name: describeRow(row),
    async run({ stack }: Parameters<ReturnType<Checks>[number]['run']>[0]) {
      sim(stack, f).injectFaults([{ fault: { kind: 'status', status: row.status, headers: row.headers, body: row.body }, times: -1 }]);
      const res = await stack.gql(userQuery(f), { id: f.known.id }, f.headers);
      const error = onlyError(res);
      const expected: Record<string, unknown> = { code: row.code, provider: f.provider };
      if (row.reason) expected.reason = row.reason;
      if (row.retryAfterSeconds !== undefined) expected.retryAfterSeconds = row.retryAfterSeconds;
      expect(error.extensions).toEqual(expected);
      expect(sim(stack, f).requests()).toHaveLength(1);
      for (const [key, other] of allSims(stack)) if (key !== f.sim) expect(other.requests()).toHaveLength(0);
      const body = typeof row.body === 'string' ? row.body : JSON.stringify(row.body ?? '');
      if (body.length > 2) expect(res.text).not.toContain(body);
    },
  })),
];
