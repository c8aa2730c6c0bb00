/**
 * Builds `dist/` once before the tests: the operations tests run the compiled `usergraph` command the
 * way a container does (`node dist/cli.js start`), so they must never run a stale build.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export default async function buildDist(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  let output = '';
  const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  // tsc still emits on type errors; `npm run typecheck` is what fails on those.
  if (code !== 0) process.stderr.write(`tsc -p tsconfig.build.json reported errors:\n${output}\n`);
  if (!existsSync(`${root}dist/cli.js`)) throw new Error(`the build did not produce dist/cli.js:\n${output}`);
}
