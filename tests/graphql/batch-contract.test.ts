/**
 * One batch contract for every provider (loaders.ts, providers/batch.ts): `fetchUsers` always
 * resolves one slot per id and a failure shared by the whole batch lands in every slot. So, over real
 * HTTP, each field of a failed batch gets its own error with the right code and provider, whatever
 * the provider; and within one request an id is asked upstream at most once, failed or not, because
 * DataLoader caches a failed slot like a found one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLoaders } from '../../src/loaders.js';
import { GatewayError } from '../../src/errors.js';
import type { ProviderName } from '../../src/model.js';
import { toRequestHeaders } from '../../src/providers/request-headers.js';
import type { FaultRule } from '../../src/simulators/faults.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { FAST_ENV, FIXTURES, resetSims, simOf, type ProviderFixture } from '../resilience/fixtures.js';

/** Per provider: a second readable user, an id that does not exist (and what the provider answers), an id it could never accept. */
const MORE: Record<ProviderName, { other: string; missing: string; missingCode: string; invalid: string }> = {
  SYNCANO: { other: '2', missing: '999', missingCode: 'NOT_FOUND', invalid: 'abc' },
  DROPLIT: { other: 'C573b86eeee43dd7ba0244f8a;testUser', missing: 'C573b86eeee43dd7ba0244f8a;ghost', missingCode: 'NOT_FOUND', invalid: 'no-separator' },
  PASSBOLT: { other: 'd1db2a3e-1676-4440-bc34-1aacc89fa90f', missing: '0f0f0f0f-0000-4000-8000-000000000000', missingCode: 'NOT_FOUND', invalid: '42' },
  BELLADATI: { other: '124', missing: '999', missingCode: 'NOT_FOUND', invalid: 'abc' },
  SCIM: { other: '26118915-6090-4610-87e4-49d8ca9f808d', missing: 'no-such-user', missingCode: 'NOT_FOUND', invalid: '..' },
};

/** Upstream calls for `n` distinct valid ids in one batch: the adapter's `idsPerCall` (Syncano's batch endpoint, SCIM's id filter), else one each. */
const callsFor = (f: ProviderFixture, n: number) => Math.ceil(n / (stack.gateway.registry.get(f.provider)?.idsPerCall ?? 1));

const TWO = (p: ProviderName) => `query($a: ID!, $b: ID!) { a: user(provider: ${p}, id: $a) { id } b: user(provider: ${p}, id: $b) { id } }`;
const SAME_TWICE = (p: ProviderName) => `query($a: ID!) { a: user(provider: ${p}, id: $a) { id } b: user(provider: ${p}, id: $a) { username } }`;

/** Shared failures: a refused credential, an outage (5xx), a hung upstream. */
const SHARED_FAILURES: Array<{ name: string; code: string; headers: (f: ProviderFixture) => Record<string, string>; faults: (f: ProviderFixture) => FaultRule[] }> = [
  { name: 'the credential is refused', code: 'UNAUTHENTICATED', headers: (f) => f.refusedHeaders, faults: () => [] },
  { name: 'the provider answers 5xx', code: 'PROVIDER_UNAVAILABLE', headers: (f) => f.headers, faults: (f) => [{ fault: { kind: 'status', status: f.outageStatus }, times: -1 }] },
  { name: 'the provider hangs', code: 'PROVIDER_TIMEOUT', headers: (f) => f.headers, faults: () => [{ fault: { kind: 'hang' }, times: -1 }] },
];

let stack: Stack;
beforeAll(async () => {
  // One attempt per call, so simulator request counts are exact; the breaker stays out of the way.
  stack = await startStack({ env: { ...FAST_ENV, UPSTREAM_RETRIES: '0' } });
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(async () => {
  await resetSims(stack);
});

describe.each(FIXTURES.map((f) => [f.provider, f] as const))('%s: one batch contract', (_provider, f) => {
  const more = MORE[f.provider];
  const sim = () => simOf(stack, f);

  describe.each(SHARED_FAILURES.map((c) => [c.name, c] as const))('when %s for every id of the batch', (_name, failure) => {
    beforeEach(() => sim().injectFaults(failure.faults(f)));

    it(`gives each field its own ${failure.code} error, at ${f.provider} only`, async () => {
      const res = await stack.gql(TWO(f.provider), { a: f.id, b: more.other }, failure.headers(f));
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ a: null, b: null });
      const errors = [...res.body.errors].sort((x: { path: string[] }, y: { path: string[] }) => x.path[0]!.localeCompare(y.path[0]!));
      expect(errors.map((e: { path: string[] }) => e.path)).toEqual([['a'], ['b']]);
      for (const error of errors) expect(error.extensions).toMatchObject({ code: failure.code, provider: f.provider });
      expect(sim().requests()).toHaveLength(callsFor(f, 2));
      for (const other of FIXTURES) if (other !== f) expect(simOf(stack, other).requests()).toHaveLength(0);
    });

    it('asks upstream once for an id named twice in one request', async () => {
      const res = await stack.gql(SAME_TWICE(f.provider), { a: f.id }, failure.headers(f));
      expect(res.body.data).toEqual({ a: null, b: null });
      expect(res.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual([failure.code, failure.code]);
      expect(sim().requests()).toHaveLength(1);
    });

    it('caches the failure for the rest of the request: loading the id again in a later batch makes no call', async () => {
      const loaders = createLoaders(stack.gateway.registry, toRequestHeaders(failure.headers(f)), { deadlineMs: 2_000 });
      try {
        const forProvider = loaders.forProvider(f.provider);
        const first = await forProvider.loadUser(f.id).catch((e: unknown) => e);
        expect(first).toBeInstanceOf(GatewayError);
        expect(first).toMatchObject({ code: failure.code, provider: f.provider });
        const again = await forProvider.loadUser(f.id).catch((e: unknown) => e);
        expect(again).toBe(first);
        expect(sim().requests()).toHaveLength(1);
      } finally {
        loaders.dispose();
      }
    });
  });

  it('caches a missing user for the rest of the request like a found one', async () => {
    const loaders = createLoaders(stack.gateway.registry, toRequestHeaders(f.headers), { deadlineMs: 2_000 });
    try {
      const forProvider = loaders.forProvider(f.provider);
      const [found, missing] = await Promise.allSettled([forProvider.loadUser(f.id), forProvider.loadUser(more.missing)]);
      expect(found).toMatchObject({ status: 'fulfilled', value: { id: f.id } });
      expect(missing).toMatchObject({ status: 'rejected', reason: { code: more.missingCode, provider: f.provider } });
      const calls = sim().requests().length;
      expect(calls).toBe(callsFor(f, 2));
      await expect(forProvider.loadUser(more.missing)).rejects.toBe((missing as PromiseRejectedResult).reason);
      await expect(forProvider.loadUser(f.id)).resolves.toMatchObject({ id: f.id });
      expect(sim().requests()).toHaveLength(calls);
    } finally {
      loaders.dispose();
    }
  });
});
