/**
 * Ids the gateway must refuse or contain: each provider's invalid ids are refused before any upstream
 * call, and a shared list of hostile ids either is refused the same way or reaches exactly one
 * request, on the provider's own user path, with the id as one encoded segment.
 */
import { expect } from 'vitest';
import { allSims, clearRequests, onlyError, sim, userQuery, type CheckContext } from '../context.js';
import type { ContractFixture } from '../fixture.js';
import type { Checks } from './check.js';

/** Path traversal, encodings, header injection, query and fragment markers, NUL, size, Unicode. */
export const HOSTILE_IDS: readonly string[] = [
  '..',
  '.',
  '../',
  '../admin',
  '%2e%2e',
  '%2E%2E/%2e%2e',
  '..%2f..',
  '//evil.example',
  'http://evil.example/',
  'a/b',
  '?x=1',
  'a?x=1',
  '#',
  'a#b',
  'a\\b',
  'a\r\nX-Injected: 1',
  'a\u0000b',
  '%00',
  '',
  ' ',
  'x'.repeat(10_000),
  'ü𝒳😀',
  '%',
];

const STACK_TRACE = /stacktrace|\n\s+at |\.ts:\d+|\.js:\d+|node_modules/i;

const label = (id: string) => JSON.stringify(id.length > 30 ? `${id.slice(0, 12)}…(${id.length})` : id);

/** Refused without a call, or one call on the provider's own path; other simulators see nothing. */
async function checkHostile({ stack }: CheckContext, f: ContractFixture, id: string): Promise<void> {
  clearRequests(stack);
  const res = await stack.gql(userQuery(f), { id }, f.headers);
  expect(res.status).toBe(200);
  expect(res.text).not.toMatch(STACK_TRACE);
  for (const [key, other] of allSims(stack)) if (key !== f.sim) expect(other.requests(), `${key} saw a request`).toHaveLength(0);
  const seen = sim(stack, f).requests();
  if (seen.length === 0) {
    expect(onlyError(res).extensions).toEqual({ code: 'BAD_USER_INPUT', provider: f.provider });
    return;
  }
  expect(seen).toHaveLength(1);
  const [pathname] = seen[0]!.path.split('?', 1) as [string];
  const match = f.userPath.exec(pathname);
  expect(match, `path ${pathname.slice(0, 80)}`).not.toBeNull();
  const segment = match![1]!;
  expect(['.', '..']).not.toContain(decodeURIComponent(segment));
  // eslint-disable-next-line no-control-regex
  expect(segment).not.toMatch(/[\u0000-\u0020\u007f/\\?#]/);
}

export const inputChecks: Checks = (f) => [
  ...f.invalidIds.map((id) => ({
    name: `refuses the invalid id ${label(id)} with BAD_USER_INPUT and no upstream call`,
    async run({ stack }: CheckContext) {
      const error = onlyError(await stack.gql(userQuery(f), { id }, f.headers));
      expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', provider: f.provider });
      for (const [, s] of allSims(stack)) expect(s.requests()).toHaveLength(0);
    },
  })),
  {
    name: `hostile ids (${HOSTILE_IDS.length}): refused without a call, or one call on the own user path with the id as one encoded segment`,
    async run(ctx) {
      for (const id of HOSTILE_IDS) await checkHostile(ctx, f, id);
    },
  },
  {
    name: "'.' and '..', also percent-encoded, are always refused without a call",
    async run({ stack }) {
      for (const id of ['.', '..', '%2e', '%2e%2e', '%2E.']) {
        clearRequests(stack);
        expect(onlyError(await stack.gql(userQuery(f), { id }, f.headers)).extensions.code).toBe('BAD_USER_INPUT');
        expect(sim(stack, f).requests()).toHaveLength(0);
      }
    },
  },
];
