/**
 * The lint rule that keeps type-only import cycles out (scripts/lint/no-type-import-cycle.js), on a
 * throwaway set of modules: it reports a cycle through an `import type` or `export type … from`, with
 * its route, and leaves value-only cycles (import-x/no-cycle's) and acyclic imports alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../scripts/lint/no-type-import-cycle.js';

const MODULES: Record<string, string> = {
  // a <-> b: type-only both ways.
  'a.ts': "import type { B } from './b.js';\nexport interface A { b?: B }\n",
  'b.ts': "import type { A } from './a.js';\nexport interface B { a?: A }\n",
  // c <-> d: values only, left to import-x/no-cycle.
  'c.ts': "import { d } from './d.js';\nexport const c = () => d;\n",
  'd.ts': "import { c } from './c.js';\nexport const d = () => c;\n",
  // e -> f (value) -> g -> e (re-exported type): one type step is enough.
  'e.ts': "import { f } from './f.js';\nexport type E = string;\nexport const e = f;\n",
  'f.ts': "import type { G } from './g.js';\nexport const f = (g: G) => g;\n",
  'g.ts': "export type { E as G } from './e.js';\n",
  // h -> a: imports into a cycle without being part of one.
  'h.ts': "import type { A } from './a.js';\nexport type H = A;\n",
};

describe('no-type-import-cycle', () => {
  let dir: string;
  let messages: Map<string, string[]>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'type-cycle-'));
    for (const [name, source] of Object.entries(MODULES)) writeFileSync(join(dir, name), source);
    const eslint = new ESLint({
      cwd: dir,
      overrideConfigFile: true,
      overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { local: { rules: { 'no-type-import-cycle': rule } } }, rules: { 'local/no-type-import-cycle': 'error' } }],
    });
    const results = await eslint.lintFiles(['*.ts']);
    messages = new Map(results.map((r) => [r.filePath.slice(dir.length + 1), r.messages.map((m) => m.message)]));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a cycle of type-only imports from both ends, with the route', () => {
    expect(messages.get('a.ts')).toEqual(['Import cycle through a type-only import: a.ts -> b.ts -> a.ts.']);
    expect(messages.get('b.ts')).toEqual(['Import cycle through a type-only import: b.ts -> a.ts -> b.ts.']);
  });

  it('reports a cycle of value imports with one type-only step, from every module on it', () => {
    expect(messages.get('e.ts')).toEqual(['Import cycle through a type-only import: e.ts -> f.ts -> g.ts -> e.ts.']);
    expect(messages.get('f.ts')).toHaveLength(1);
    expect(messages.get('g.ts')).toHaveLength(1);
  });

  it('leaves value-only cycles and modules outside any cycle alone', () => {
    expect(messages.get('c.ts')).toEqual([]);
    expect(messages.get('d.ts')).toEqual([]);
    expect(messages.get('h.ts')).toEqual([]);
  });
});
