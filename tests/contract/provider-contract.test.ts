/**
 * The provider contract: one list of checks run against every registered provider, over real HTTP
 * (the simulators and the gateway on loopback). What the checks need to know of a provider comes
 * from its fixture, `fixtures/<provider in lower case>.ts`; a registered provider without one fails
 * here, so no provider can skip the contract. Per-provider test files keep only what is specific
 * to that provider.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../src/providers/registry.js';
import { startStack, type Stack, type StartStackOptions } from '../helpers/stack.js';
import { batchChecks } from './checks/batch.js';
import type { Checks } from './checks/check.js';
import { credentialChecks } from './checks/credentials.js';
import { errorTableChecks } from './checks/error-table.js';
import { inputChecks } from './checks/input.js';
import { readChecks } from './checks/reads.js';
import { tolerantChecks } from './checks/tolerant.js';
import { CONTRACT_ENV, allSims, type CheckContext } from './context.js';
import type { ContractFixture } from './fixture.js';

/** Every check, in the order they run. */
const CHECKS: readonly Checks[] = [readChecks, inputChecks, credentialChecks, batchChecks, errorTableChecks, tolerantChecks];

/** Each registered provider's fixture, or why it could not be loaded. */
async function loadFixture(provider: string): Promise<ContractFixture | Error> {
  try {
    const module = (await import(`./fixtures/${provider.toLowerCase()}.ts`)) as { default?: ContractFixture };
    if (module.default?.provider !== provider) return new Error(`fixtures/${provider.toLowerCase()}.ts has no default export for ${provider}`);
    return module.default;
  } catch (error) {
    return new Error(`no contract fixture for ${provider}: add tests/contract/fixtures/${provider.toLowerCase()}.ts (${(error as Error).message})`);
  }
}

const loaded = await Promise.all(PROVIDERS.map(async (provider) => [provider, await loadFixture(provider)] as const));
const fixtures = loaded.flatMap(([, f]) => (f instanceof Error ? [] : [f]));

describe('every registered provider has a contract fixture', () => {
  it.each(loaded.map(([provider, f]) => [provider, f] as const))('%s', (_provider, f) => {
    if (f instanceof Error) throw f;
    expect(f.sim).toMatch(/^[a-z0-9]+$/);
  });
});

let stack: Stack;
const extraStacks: Stack[] = [];
beforeAll(async () => {
  stack = await startStack({ env: { ...CONTRACT_ENV } });
});
afterAll(async () => {
  await stack?.close();
  await Promise.all(extraStacks.map((s) => s.close()));
});
beforeEach(() => {
  for (const [, s] of allSims(stack)) {
    s.clearFaults();
    s.clearRequests();
  }
});

describe.each(fixtures.map((f) => [f.provider, f] as const))('%s: the provider contract', (_provider, fixture) => {
  const ctx = (): CheckContext => ({
    fixture,
    all: fixtures,
    stack,
    startStack: async (options?: StartStackOptions) => startStack(options),
  });
  for (const checks of CHECKS) {
    for (const check of checks(fixture)) it(check.name, () => check.run(ctx()));
  }
});
