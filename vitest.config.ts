import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Builds dist/ once: some tests run the compiled command as users do.
    globalSetup: ['tests/global-setup.ts'],
    // Generous: a test waits for conditions, never on the clock, and the CI machine is shared and at
    // times much slower; the limit only ends a test that would otherwise hang.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
