/**
 * ESLint rule: no import cycle that runs through an `import type` / `export type … from`.
 *
 * `import-x/no-cycle` follows value imports only (a type-only import is erased and cannot change
 * module evaluation order). Type-only cycles are still two modules that cannot be understood, moved or
 * tested apart, so this rule finds the ones it leaves out: from each relative import of the file being
 * linted, it walks every relative import (type-only included) and reports a route back to the file
 * when at least one step of it is type-only. Cycles made of value imports alone are left to
 * `import-x/no-cycle`, so no cycle is reported twice.
 *
 * Only relative specifiers are followed (`./x.js` is the `x.ts` next to the file, the NodeNext
 * convention); packages cannot import back into the project.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Per file: its mtime and its relative imports `{ path, typeOnly, line }`. */
const cache = new Map();

function resolveSpecifier(fromFile, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), base, `${base}.ts`, `${base}/index.ts`];
  for (const candidate of candidates) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

function isTypeOnly(node) {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (!clause) return false; // `import './x.js'` runs the module
    if (clause.isTypeOnly) return true;
    const named = clause.namedBindings;
    return !clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
  }
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const clause = node.exportClause;
    return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
  }
  return false;
}

function importsOf(file) {
  let mtime;
  try {
    mtime = statSync(file).mtimeMs;
  } catch {
    return [];
  }
  const hit = cache.get(file);
  if (hit && hit.mtime === mtime) return hit.imports;
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const imports = [];
  for (const node of source.statements) {
    if (!(ts.isImportDeclaration(node) || ts.isExportDeclaration(node))) continue;
    const spec = node.moduleSpecifier;
    if (!spec || !ts.isStringLiteral(spec)) continue;
    const path = resolveSpecifier(file, spec.text);
    if (path) imports.push({ path, typeOnly: isTypeOnly(node) });
  }
  cache.set(file, { mtime, imports });
  return imports;
}

/**
 * A shortest route from `start` back to `target` whose steps (with the first, `firstTypeOnly`)
 * include a type-only import; undefined if none. Breadth-first over (file, seen a type step).
 */
function typeCycle(start, firstTypeOnly, target) {
  const seen = new Set([`${start}|${firstTypeOnly}`]);
  let frontier = [{ file: start, typed: firstTypeOnly, route: [start] }];
  while (frontier.length > 0) {
    const next = [];
    for (const { file, typed, route } of frontier) {
      for (const edge of importsOf(file)) {
        const t = typed || edge.typeOnly;
        if (edge.path === target) {
          if (t) return route;
          continue;
        }
        const key = `${edge.path}|${t}`;
        if (seen.has(key)) continue;
        seen.add(key);
        next.push({ file: edge.path, typed: t, route: [...route, edge.path] });
      }
    }
    frontier = next;
  }
  return undefined;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Disallow import cycles that pass through type-only imports.' },
    schema: [],
    messages: { cycle: 'Import cycle through a type-only import: {{route}}.' },
  },
  create(context) {
    const filename = context.physicalFilename;
    if (!filename || filename === '<text>') return {};
    const cwd = context.cwd;
    const check = (node) => {
      const spec = node.source;
      if (!spec || typeof spec.value !== 'string') return;
      const target = resolveSpecifier(filename, spec.value);
      if (!target || target === filename) return;
      const typeOnly = node.importKind === 'type' || node.exportKind === 'type' || (node.specifiers?.length > 0 && node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type'));
      const route = typeCycle(target, typeOnly, filename);
      if (route) {
        context.report({ node, messageId: 'cycle', data: { route: [filename, ...route, filename].map((f) => relative(cwd, f)).join(' -> ') } });
      }
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check };
  },
};
