// @ts-check
/**
 * ESLint (flat config): typescript-eslint's recommended rules, no import cycles, and shipped code
 * (src/) never importing test code or a devDependency. `npm run lint`; CI runs it after the typecheck.
 *
 * Cycles: `import-x/no-cycle` (any depth) catches cycles of value imports, which change module
 * evaluation order; `usergraph/no-type-import-cycle` (scripts/lint/) catches the ones that pass
 * through an `import type`, which import-x skips by design but which tie modules together just as
 * much.
 */
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import noTypeImportCycle from './scripts/lint/no-type-import-cycle.js';

export default defineConfig(
  { ignores: ['dist/', 'dist-bench/', 'coverage/', 'node_modules/', '**/__generated__/**'] },
  {
    files: ['**/*.{ts,js}'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    plugins: {
      'import-x': importX,
      usergraph: { rules: { 'no-type-import-cycle': noTypeImportCycle } },
    },
    settings: {
      // import-x reads (and so follows imports through) only the files these cover: without them it
      // sees no import in a .ts file and finds no cycle at all.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // NodeNext: `./x.js` in a specifier is the `x.ts` beside it.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'import-x/no-cycle': ['error', { maxDepth: Infinity }],
      'import-x/no-self-import': 'error',
      'usergraph/no-type-import-cycle': 'error',
      // `_`-prefixed names are deliberately unused (destructuring a field away, a required parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Shipped code: never a test helper (graphql-js's rule), never a devDependency (absent in production
    // installs), and never a promise left unhandled (an unhandled rejection ends the process). The two
    // promise rules need type information, which costs a TypeScript program: src/ only.
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/tests/**', '**/tests'], message: 'Shipped code (src/) must not import test code.' }] }],
      'import-x/no-extraneous-dependencies': ['error', { devDependencies: false, optionalDependencies: false, peerDependencies: false }],
    },
  },
  {
    // Tests read untyped JSON off the wire and poke at it; an `any` there is what the assertion checks.
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
