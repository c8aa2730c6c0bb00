/**
 * `npm run bench:profile -- <scenario> [seconds] [--baseline] [--no-build]`: a V8 CPU profile of the gateway under one
 * scenario's closed loop (the bodies and settings of `npm run bench`), for finding per-request work.
 *
 * The gateway runs as `npm start` runs it (built JavaScript, production mode) with `--cpu-prof`; the
 * profile is written to `bench-profiles/<scenario>-<executor>.cpuprofile` (open it in Chrome DevTools'
 * Performance panel or speedscope) and the functions with the most self time are printed, by
 * function and by file, as shares of the profiled time. `EXECUTOR=graphql-js` profiles the interpreter.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { compile, cpuTicks, CLK_TCK, freePort, targetEnv } from './harness.js';
import { ALL_HEADERS, scenarios } from './scenarios.js';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const name = positional[0] ?? 'single';
const seconds = Number(positional[1] ?? 10);
const executor = process.env.EXECUTOR ?? 'graphql-jit';
/** `--baseline`: profile the plain node:http baseline (bench/baseline.ts) instead, for comparison. */
const baseline = process.argv.includes('--baseline');
const targetName = baseline ? 'baseline' : executor;

// `--no-build`: profile what dist-bench/ holds already.
if (!process.argv.includes('--no-build')) compile();

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

const sims = spawn(process.execPath, ['dist-bench/bench/simulators-process.js'], { stdio: ['ignore', 'pipe', 'inherit'] });
children.push(sims);
const simUrls = await new Promise<Record<string, unknown>>((resolve) => {
  createInterface({ input: sims.stdout! }).once('line', (line) => resolve(JSON.parse(line) as Record<string, unknown>));
});
const scenario = scenarios(simUrls.passboltIds as string[]).find((s) => s.name === name);
if (!scenario) throw new Error(`unknown scenario ${name}: one of ${scenarios([]).map((s) => s.name).join(', ')}`);

const dir = 'bench-profiles';
const scratch = `${dir}/.running`;
rmSync(scratch, { recursive: true, force: true });
mkdirSync(scratch, { recursive: true });
const port = await freePort();
const gateway = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${scratch}`, ...(baseline ? ['dist-bench/bench/baseline.js'] : ['dist-bench/src/cli.js', 'start'])], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...process.env,
    ...targetEnv(simUrls),
    PORT: String(port),
    EXECUTOR: executor,
  },
});
children.push(gateway);
const gatewayStarted = performance.now();
const url = `http://127.0.0.1:${port}/graphql`;
// Ready when the scenario's request is answered (the baseline serves nothing else).
const send = () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...ALL_HEADERS }, body: scenario.body });
for (;;) {
  const ok = await send().then(
    (r) => r.ok,
    () => false,
  );
  if (ok) break;
  await new Promise((r) => setTimeout(r, 100));
}
// Warm-up first (compiles, caches, JIT); only the samples after it are counted below.
const warmupS = 2;
await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json', ...ALL_HEADERS }, body: scenario.body, duration: warmupS, connections: 32 });
const measuredFrom = performance.now() - gatewayStarted;
const ticksBefore = cpuTicks(gateway.pid!);
const result = await autocannon({
  url,
  method: 'POST',
  headers: { 'content-type': 'application/json', ...ALL_HEADERS },
  body: scenario.body,
  duration: seconds,
  connections: 32,
});
const cpuUsPerRequest = (((cpuTicks(gateway.pid!) - ticksBefore) * 1_000_000) / CLK_TCK) / Math.max(1, result.requests.total);
const exited = new Promise((resolve) => gateway.once('exit', resolve));
gateway.kill('SIGTERM');
await exited;
sims.kill('SIGTERM');

const file = readdirSync(scratch).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error('the gateway wrote no profile');
const out = `${dir}/${name}-${targetName}.cpuprofile`;
renameSync(`${scratch}/${file}`, out);
rmSync(scratch, { recursive: true, force: true });

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const profile = JSON.parse(readFileSync(out, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const hits = new Map<number, number>();
// Samples from process start (module loading, first compiles) to the end of the warm-up are left out.
let elapsedUs = 0;
let total = 0;
// Each sample stands for the time since the one before it (µs).
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  elapsedUs += delta;
  if (elapsedUs < measuredFrom * 1000) return;
  hits.set(id, (hits.get(id) ?? 0) + delta);
  total += delta;
});
const requests = Math.max(1, result.requests.total);
const idle = new Set(['(idle)', '(program)', '(garbage collector)']);
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const node of profile.nodes) {
  const n = hits.get(node.id) ?? 0;
  if (n === 0) continue;
  const { functionName, url: file, lineNumber } = node.callFrame;
  const where = file.replace(/^file:\/\//, '').replace(process.cwd() + '/', '');
  const fn = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  byFunction.set(idle.has(functionName) ? functionName : fn, (byFunction.get(fn) ?? 0) + n);
  const pkg = idle.has(functionName) ? functionName : /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1] ?? (where.startsWith('node:') ? 'node:*' : where || '(native)');
  byFile.set(pkg, (byFile.get(pkg) ?? 0) + n);
}
// Inclusive time: each sample counts once for every function on its (synchronous) stack.
const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const inclusive = new Map<string, number>();
for (const [id, n] of hits) {
  if (byNode.get(id)!.callFrame.functionName === '(idle)') continue;
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
    const { functionName, url: file, lineNumber } = byNode.get(cur)!.callFrame;
    if (!functionName || functionName === '(root)') continue;
    const key = `${functionName} ${file.replace(/^file:\/\//, '').replace(process.cwd() + '/', '').replace(/^.*node_modules\//, '')}:${lineNumber + 1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + n);
  }
}
const top = (m: Map<string, number>, k: number) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([what, n]) => `  ${((n / total) * 100).toFixed(1).padStart(5)} %  ${(n / requests).toFixed(1).padStart(6)} µs/req  ${what}`)
    .join('\n');
console.log(`\n${scenario.title}, ${targetName}: ${result.requests.total} requests in ${seconds} s after ${warmupS} s warm-up (${result.non2xx} non-2xx); ${(total / 1000).toFixed(0)} ms profiled after the warm-up, ${(total / requests).toFixed(0)} µs per request (idle included); CPU time ${cpuUsPerRequest.toFixed(0)} µs per request (profiler included) → ${out}`);
console.log(`\nself time by package or file:\n${top(byFile, 25)}`);
console.log(`\nself time by function:\n${top(byFunction, 40)}`);
console.log(`\ninclusive time by function (synchronous stacks only: an await starts a new stack):\n${top(inclusive, 60)}`);
process.exit(0);
