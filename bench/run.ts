/**
 * `npm run bench` (`-- --quick` for a smoke run): the gateway side by side with the practical limit.
 *
 * Processes: the simulators and this load generator share core 0; the target under test (the
 * baseline `node:http` server, or the gateway) runs on core 1, one at a time, interleaved, medians of
 * the repetitions. Per scenario and target: requests/s (closed loop, 32
 * connections), CPU time per request of the target process, p50/p99 from a sequential microsecond
 * probe and from a fixed-rate run at 50 % of the baseline's capacity, upstream calls per query (must
 * equal the distinct (provider, id) count exactly), RSS and peak RSS. Prints one table, then JSON lines,
 * then the README's targets, each `met` or `MISS` with its value from this run's medians.
 *
 * The gateway runs operations with graphql-jit (the default, `EXECUTOR=graphql-jit`). For S1–S4 a
 * second gateway, `gateway (graphql-js)`, is started exactly like it but with `EXECUTOR=graphql-js`
 * (graphql-js's interpreter), on core 1, measured the same way and interleaved with the other
 * targets, its bodies verified equal to the gateway's; the ratio table's `gateway/graphql-js gateway`
 * column is what compiled execution buys.
 *
 * The peers (S1–S4): what a team would build without the gateway, Apollo Server 5 with one
 * RESTDataSource per provider (bench/peer/), as Apollo documents it (`peer`) and tuned (`tuned peer`:
 * the cache-control plugin off, deduplicated GET bodies shared rather than deep-copied per caller).
 * Each runs in its own process on core 1 like the gateway, measured the same way, interleaved with
 * the baseline and the gateway, and answers the same bytes; the table adds gateway/peer and
 * gateway/tuned peer beside gateway/baseline, all from the same run.
 *
 * S6 (`--only cached`): the cache of provider user records. S1's and S2's bodies against three
 * gateways on core 1, one at a time, interleaved: the cache off (`CACHE_TTL_S=0`, the gateway above),
 * a warm in-process cache, and a warm cache in Redis (a scratch `redis-server` on core 0, beside the
 * simulators, when the binary is there). Per target: requests/s, CPU per request (gateway, simulators,
 * Redis), p50/p99 and upstream calls per request from the sequential probe (the simulators' stats;
 * the JSON line also has every upstream call during the closed loop, 0 when all reads hit), and the
 * cache hit ratio over the closed loop from the gateway's own `usergraph_cache_reads_total`.
 *
 * S7 (`--only tracing`): the cost of OpenTelemetry traces. S1's body against gateways on core 1, one
 * at a time, interleaved: tracing off (the gateway above), on with every trace kept
 * (`OTEL_TRACES_SAMPLER=always_on`) and on keeping 10 % (`parentbased_traceidratio`), both exporting
 * with the SDK's defaults to an OTLP/HTTP sink on core 0 (bench/otlp-sink.ts) that answers 200 and
 * counts spans. Per target: requests/s, CPU per request (gateway, sink), p50/p99 from the probe, and
 * spans exported per request over the closed loop (3 when every trace is kept and none is dropped).
 *
 * Soak: the gateway under the chosen S1–S5 bodies mixed, at half its capacity for them. The heap it uses after a
 * full collection, at the end of the first tenth and at the end (target: growth ≤ 5 %), with RSS
 * beside it as information. Every gateway runs under `node --expose-gc --import
 * dist-bench/bench/heap-probe.js` with an IPC channel: that bench-only preload answers
 * `{ type: 'heap' }` with `process.memoryUsage()` after `global.gc()`, so the gateway's own code is
 * unchanged; no answer within 5 s is reported as NaN.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { compile, cpuTicks, CLK_TCK, freePort, targetEnv } from './harness.js';
import { ALL_HEADERS, CACHE_SCENARIO, cacheCases, isolationBodies, scenarios, tracingCase, TRACING_SCENARIO } from './scenarios.js';

const QUICK = process.argv.includes('--quick');
/** `--only single,error`: just those scenarios (names as in scenarios.ts; `cached` is S6, `tracing` S7). */
const ONLY = (() => {
  const i = process.argv.indexOf('--only');
  return i === -1 ? undefined : new Set(process.argv[i + 1]!.split(','));
})();
const REPS = QUICK ? 1 : 3;
const WARMUP_S = QUICK ? 2 : 3;
const MEASURE_S = QUICK ? 3 : 8;
const PROBE_N = QUICK ? 300 : 3000;
const SOAK_S = QUICK ? 10 : 60;
const CONNECTIONS = 32;

/**
 * The targets of S1–S5 (the graphql-js gateway and the peers only where a scenario says `peer`), in
 * the order they are measured.
 */
const TARGET_NAMES = ['baseline', 'gateway', 'gatewayJs', 'peer', 'tunedPeer'] as const;
type TargetName = (typeof TARGET_NAMES)[number];
const LABELS: Record<TargetName, string> = { baseline: 'baseline', gateway: 'gateway', gatewayJs: 'gateway (graphql-js)', peer: 'peer', tunedPeer: 'tuned peer' };
type OtherName = Exclude<TargetName, 'gateway'>;
/** The gateway over each other target, in the ratio rows and columns: the new graphql-js column last. */
const RATIO_ORDER: readonly OtherName[] = ['baseline', 'peer', 'tunedPeer', 'gatewayJs'];
const RATIO_LABELS: Record<OtherName, string> = {
  baseline: 'gateway/baseline',
  peer: 'gateway/peer',
  tunedPeer: 'gateway/tuned peer',
  gatewayJs: 'gateway/graphql-js gateway',
};

const canPin = (() => {
  try {
    execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

interface StartOptions {
  /** Polled until it answers 2xx, for a process that prints no JSON line (the gateway at warn). */
  healthUrl?: string;
  /** Node's own flags, before the script (`--expose-gc`, `--import …`). */
  nodeArgs?: string[];
  /** An IPC channel to the child (`child.send`, `process.send` there). */
  ipc?: boolean;
}

/**
 * Starts `node [nodeArgs] dist-bench/<script>.js [args]` pinned to `core`; resolves with its first
 * stdout JSON line (or `{}` once `healthUrl` answers). taskset execs node in place: the pid is node's,
 * and the IPC descriptor and `NODE_CHANNEL_FD` pass through to it.
 */
async function startProcess(script: string, args: string[], env: Record<string, string>, core: number, opts: StartOptions = {}): Promise<{ child: ChildProcess; info: Record<string, unknown> }> {
  const { healthUrl, nodeArgs = [], ipc = false } = opts;
  const node = [process.execPath, ...nodeArgs, `dist-bench/${script.replace(/\.ts$/, '.js')}`, ...args];
  const [cmd, ...rest] = canPin ? ['taskset', '-c', String(core), ...node] : node;
  const child = spawn(cmd!, rest, { env: { ...process.env, ...env }, stdio: ipc ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
    if (healthUrl) {
      const poll = () =>
        fetch(healthUrl).then(
          (res) => (res.ok ? resolve({}) : setTimeout(poll, 100)),
          () => setTimeout(poll, 100),
        );
      poll();
    }
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        // The simulators print their URLs; the baseline and the gateway print `url` when listening.
        if ('url' in parsed || 'syncano' in parsed) resolve(parsed);
      } catch {
        /* not a JSON line: keep waiting */
      }
    });
  });
  child.stdout!.resume();
  return { child, info };
}

/**
 * Every gateway runs with these node flags and an IPC channel: bench/heap-probe.ts (compiled beside
 * it) answers `{ type: 'heap' }` with the heap used after a full collection, which `--expose-gc`
 * makes possible. Neither changes the gateway's code or its work until asked.
 */
const GATEWAY_NODE_ARGS = ['--expose-gc', '--import', pathToFileURL(resolvePath('dist-bench/bench/heap-probe.js')).href];

/** Starts `usergraph start` (dist-bench/src/cli.js) on core 1 with `env`, on a free port; ready once /healthz answers. */
async function startGateway(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; port: number }> {
  // The gateway logs at warn here (its per-operation info line is not what is measured), so it is
  // given a free port and polled on /healthz.
  const port = await freePort();
  const { child } = await startProcess('src/cli.ts', ['start'], { ...env, PORT: String(port) }, 1, {
    healthUrl: `http://127.0.0.1:${port}/healthz`,
    nodeArgs: GATEWAY_NODE_ARGS,
    ipc: true,
  });
  return { child, url: `http://127.0.0.1:${port}/graphql`, port };
}

/**
 * The heap used (MB) after a full collection in a gateway started by startGateway, and its RSS, from
 * bench/heap-probe.ts over the IPC channel; NaN for both when no answer comes within `timeoutMs`.
 */
function heapAfterGc(child: ChildProcess, timeoutMs = 5000): Promise<{ heapUsedMb: number; rssMb: number }> {
  const none = { heapUsedMb: NaN, rssMb: NaN };
  if (!child.send || !child.connected) return Promise.resolve(none);
  return new Promise((resolve) => {
    const done = (value: { heapUsedMb: number; rssMb: number }) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(value);
    };
    const onMessage = (message: unknown) => {
      const m = message as { type?: unknown; heapUsed?: unknown; rss?: unknown } | null;
      if (m?.type !== 'heap') return;
      const mb = (n: unknown) => (typeof n === 'number' ? n / 2 ** 20 : NaN);
      done({ heapUsedMb: mb(m.heapUsed), rssMb: mb(m.rss) });
    };
    const timer = setTimeout(() => done(none), timeoutMs);
    child.on('message', onMessage);
    child.send({ type: 'heap' }, (error) => {
      if (error) done(none);
    });
  });
}

function memory(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function cannon(url: string, body: string, opts: { duration: number; connections: number; overallRate?: number }): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...ALL_HEADERS },
    body,
    duration: opts.duration,
    connections: opts.connections,
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
  });
}

interface Upstream {
  urls: string[];
  total(): Promise<number>;
  reset(): Promise<void>;
}

/** Sequential requests over one connection, timed in microseconds; checks every body and counts upstream calls. */
async function probe(url: string, scenario: { body: string }, expected: string, upstream: Upstream) {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: 1 });
  const send = async () => {
    const res = await pool.request({ method: 'POST', path: target.pathname, headers: { 'content-type': 'application/json', ...ALL_HEADERS }, body: scenario.body });
    return res.body.text();
  };
  for (let i = 0; i < Math.min(200, PROBE_N); i++) await send();
  await upstream.reset();
  const times: number[] = [];
  let mismatches = 0;
  for (let i = 0; i < PROBE_N; i++) {
    const t0 = process.hrtime.bigint();
    const text = await send();
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
    if (text !== expected) mismatches++;
  }
  const calls = (await upstream.total()) / PROBE_N;
  await pool.close();
  times.sort((a, b) => a - b);
  return { p50us: times[Math.floor(times.length * 0.5)]!, p99us: times[Math.floor(times.length * 0.99)]!, callsPerQuery: calls, mismatches };
}

/** `n` sequential requests with `body` over one connection; p50 and p99 in microseconds. */
async function latencies(url: string, body: string, n: number): Promise<{ p50us: number; p99us: number }> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: 1 });
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const res = await pool.request({ method: 'POST', path: target.pathname, headers: { 'content-type': 'application/json', ...ALL_HEADERS }, body });
    await res.body.text();
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  await pool.close();
  times.sort((a, b) => a - b);
  return { p50us: times[Math.floor(n * 0.5)]!, p99us: times[Math.floor(n * 0.99)]! };
}

/** The gateway's cache reads by result (`usergraph_cache_reads_total`) and failed store calls, summed over providers. */
async function cacheCounters(graphqlUrl: string): Promise<{ hit: number; miss: number; storeErrors: number }> {
  const text = await (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();
  const sum = (re: RegExp) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  return {
    hit: sum(/^usergraph_cache_reads_total\{[^}]*result="hit"[^}]*\} (\S+)$/gm),
    miss: sum(/^usergraph_cache_reads_total\{[^}]*result="miss"[^}]*\} (\S+)$/gm),
    storeErrors: sum(/^usergraph_cache_store_errors_total\{[^}]*\} (\S+)$/gm),
  };
}

/** A scratch `redis-server` without persistence, pinned to `core`; undefined when there is no binary. */
async function startRedisServer(core: number): Promise<{ child: ChildProcess; url: string } | undefined> {
  const binary = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
  if (!binary) return undefined;
  const port = await freePort();
  const command = [binary, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'];
  const [cmd, ...rest] = canPin ? ['taskset', '-c', String(core), ...command] : command;
  const child = spawn(cmd!, rest, { cwd: tmpdir(), stdio: ['ignore', 'ignore', 'inherit'] });
  return { child, url: `redis://127.0.0.1:${port}` };
}

/** Polls the gateway's `/readyz` until its cache store answers (Redis connects in the background). */
async function untilCacheReady(graphqlUrl: string): Promise<void> {
  for (;;) {
    const body = (await (await fetch(graphqlUrl.replace(/\/graphql$/, '/readyz'))).json()) as { cache?: { state?: string } };
    if (body.cache?.state === 'ok') return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface CacheTarget {
  name: string;
  url: string;
  pid: number;
}

/**
 * S6: each case against each target, interleaved (the order turns each repetition), medians. The
 * warm-up fills the cache; the closed loop gives throughput, CPU, upstream calls and the hit ratio;
 * the probe after it, latencies and the exact upstream calls per request.
 */
async function measureCache(cases: ReturnType<typeof cacheCases>, targets: CacheTarget[], upstream: Upstream, simsPid: number, redisPid: number | undefined) {
  const out: Array<{ title: string; uncachedCalls: number; byTarget: Record<string, Record<string, number>> }> = [];
  for (const c of cases) {
    const send = async (url: string) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...ALL_HEADERS }, body: c.body })).text();
    const expected = await send(targets[0]!.url);
    if ((JSON.parse(expected) as { errors?: unknown }).errors) throw new Error(`${c.title}: unexpected answer ${expected.slice(0, 300)}`);
    for (const t of targets) {
      // Twice: the first may fill the cache, the second may come from it; both must be the same bytes.
      for (let i = 0; i < 2; i++) {
        const text = await send(t.url);
        if (text !== expected) throw new Error(`${c.title}: ${t.name} answers differently\n${text.slice(0, 300)}\n${expected.slice(0, 300)}`);
      }
    }
    const rows: Record<string, Array<Record<string, number>>> = Object.fromEntries(targets.map((t) => [t.name, []]));
    for (let rep = 0; rep < REPS; rep++) {
      const order = rep % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) {
        await cannon(t.url, c.body, { duration: WARMUP_S, connections: CONNECTIONS });
        const counters = await cacheCounters(t.url);
        await upstream.reset();
        const before = cpuTicks(t.pid);
        const simBefore = cpuTicks(simsPid);
        const redisBefore = redisPid === undefined ? 0 : cpuTicks(redisPid);
        const closed = await cannon(t.url, c.body, { duration: MEASURE_S, connections: CONNECTIONS });
        const cpuMs = ((cpuTicks(t.pid) - before) * 1000) / CLK_TCK;
        const simCpuMs = ((cpuTicks(simsPid) - simBefore) * 1000) / CLK_TCK;
        const redisCpuMs = redisPid === undefined ? 0 : ((cpuTicks(redisPid) - redisBefore) * 1000) / CLK_TCK;
        const calls = await upstream.total();
        const after = await cacheCounters(t.url);
        const requests = Math.max(1, closed.requests.total);
        const reads = after.hit - counters.hit + (after.miss - counters.miss);
        const p = await probe(t.url, c, expected, upstream);
        rows[t.name]!.push({
          rps: closed.requests.average,
          cpuUsPerReq: (cpuMs * 1000) / requests,
          simCpuUsPerReq: (simCpuMs * 1000) / requests,
          // Redis serves only the Redis-backed gateway; its CPU is charged to that target alone.
          redisCpuUsPerReq: t.name === 'Redis cache' ? (redisCpuMs * 1000) / requests : NaN,
          // Every upstream request during the closed loop (0 when every read is a hit); per request, the probe's exact count.
          loopUpstreamCalls: calls,
          hitRatio: reads > 0 ? (after.hit - counters.hit) / reads : NaN,
          storeErrors: after.storeErrors - counters.storeErrors,
          non2xx: closed.non2xx + closed.errors,
          probeP50us: p.p50us,
          probeP99us: p.p99us,
          probeCallsPerQuery: p.callsPerQuery,
          mismatches: p.mismatches,
        });
      }
    }
    const byTarget = Object.fromEntries(
      targets.map((t) => [t.name, Object.fromEntries(Object.keys(rows[t.name]![0]!).map((k) => [k, median(rows[t.name]!.map((r) => r[k]!))]))]),
    );
    out.push({ title: c.title, uncachedCalls: c.uncachedCalls, byTarget });
  }
  return out;
}

interface TracingTarget {
  name: string;
  url: string;
  pid: number;
  /** The `OTEL_SERVICE_NAME` its spans arrive under at the sink; absent: tracing off. */
  service?: string;
}

/** The sink's counts (bench/otlp-sink.ts). */
async function sinkStats(sinkUrl: string): Promise<{ exports: number; bytes: number; spans: Record<string, number> }> {
  return (await fetch(`${sinkUrl}/stats`)).json() as Promise<{ exports: number; bytes: number; spans: Record<string, number> }>;
}

/**
 * S7: S1's body against each target, interleaved (the order turns each repetition), medians. The
 * closed loop gives throughput, CPU (the gateway's, which includes exporting, and the sink's) and
 * the spans that reached the sink per request; the probe after it, latencies.
 */
async function measureTracing(c: ReturnType<typeof tracingCase>, targets: TracingTarget[], upstream: Upstream, sink: { url: string; pid: number }) {
  const send = async (url: string) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...ALL_HEADERS }, body: c.body })).text();
  const expected = await send(targets[0]!.url);
  if ((JSON.parse(expected) as { errors?: unknown }).errors) throw new Error(`${c.title}: unexpected answer ${expected.slice(0, 300)}`);
  for (const t of targets) {
    const text = await send(t.url);
    if (text !== expected) throw new Error(`${c.title}: ${t.name} answers differently\n${text.slice(0, 300)}\n${expected.slice(0, 300)}`);
  }
  const rows: Record<string, Array<Record<string, number>>> = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      await cannon(t.url, c.body, { duration: WARMUP_S, connections: CONNECTIONS });
      const sinkBefore = await sinkStats(sink.url);
      const before = cpuTicks(t.pid);
      const sinkCpuBefore = cpuTicks(sink.pid);
      const closed = await cannon(t.url, c.body, { duration: MEASURE_S, connections: CONNECTIONS });
      const cpuMs = ((cpuTicks(t.pid) - before) * 1000) / CLK_TCK;
      const sinkCpuMs = ((cpuTicks(sink.pid) - sinkCpuBefore) * 1000) / CLK_TCK;
      const sinkAfter = await sinkStats(sink.url);
      const requests = Math.max(1, closed.requests.total);
      const p = await probe(t.url, c, expected, upstream);
      const spans = t.service ? (sinkAfter.spans[t.service] ?? 0) - (sinkBefore.spans[t.service] ?? 0) : NaN;
      rows[t.name]!.push({
        rps: closed.requests.average,
        cpuUsPerReq: (cpuMs * 1000) / requests,
        // The sink serves the traced gateways alone; charged to them only.
        sinkCpuUsPerReq: t.service ? (sinkCpuMs * 1000) / requests : NaN,
        // Spans that reached the sink per request (up to one batch may still be queued at either end of the loop).
        spansPerReq: spans / requests,
        exportBytesPerReq: t.service ? (sinkAfter.bytes - sinkBefore.bytes) / requests : NaN,
        non2xx: closed.non2xx + closed.errors,
        probeP50us: p.p50us,
        probeP99us: p.p99us,
        callsPerQuery: p.callsPerQuery,
        mismatches: p.mismatches,
        ...memory(t.pid),
      });
    }
  }
  const byTarget = Object.fromEntries(
    targets.map((t) => [t.name, Object.fromEntries(Object.keys(rows[t.name]![0]!).map((k) => [k, median(rows[t.name]!.map((r) => r[k]!))]))]),
  );
  return { title: c.title, expectedCalls: c.expectedCalls, byTarget };
}

async function main() {
  compile();
  const children: ChildProcess[] = [];
  // Every child goes when this process does, whatever the reason.
  process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  const sims = await startProcess('bench/simulators-process.ts', [], {}, 0);
  children.push(sims.child);
  const simUrls = sims.info as Record<string, string>;
  const passboltIds = sims.info.passboltIds as string[];
  const upstream: Upstream = {
    urls: [simUrls.syncano!, simUrls.droplit!, simUrls.passbolt!, simUrls.belladati!],
    async total() {
      let sum = 0;
      for (const u of this.urls) sum += ((await (await fetch(`${u}/__simulator/stats`)).json()) as { total: number }).total;
      return sum;
    },
    async reset() {
      for (const u of this.urls) await fetch(`${u}/__simulator/stats`, { method: 'DELETE' });
    },
  };
  const env = targetEnv(simUrls);
  const baseline = await startProcess('bench/baseline.ts', [], env, 1);
  children.push(baseline.child);
  // The gateway as it runs by default (EXECUTOR=graphql-jit: operations compiled once per document),
  // and the same gateway with graphql-js's interpreter, for S1–S4: what compiled execution buys.
  const gateway = await startGateway(env);
  children.push(gateway.child);
  const gatewayUrl = gateway.url;
  const gatewayJs = await startGateway({ ...env, EXECUTOR: 'graphql-js' });
  children.push(gatewayJs.child);
  // The peers (bench/peer/), each in its own process on the gateway's core, with the gateway's provider variables.
  const peer = await startProcess('bench/peer/server.ts', [], env, 1);
  children.push(peer.child);
  const tunedPeer = await startProcess('bench/peer/server.ts', ['--tuned'], env, 1);
  children.push(tunedPeer.child);
  // With taskset in front, the pid to read /proc from is taskset's own (it execs node in place).
  const targets: Record<TargetName, { url: string; pid: number }> = {
    baseline: { url: baseline.info.url as string, pid: baseline.child.pid! },
    gateway: { url: gatewayUrl, pid: gateway.child.pid! },
    gatewayJs: { url: gatewayJs.url, pid: gatewayJs.child.pid! },
    peer: { url: peer.info.url as string, pid: peer.child.pid! },
    tunedPeer: { url: tunedPeer.info.url as string, pid: tunedPeer.child.pid! },
  };

  const list = scenarios(passboltIds).filter((s) => !ONLY || ONLY.has(s.name));
  type Row = Record<string, number>;
  const rows: Record<string, Partial<Record<TargetName, Row[]>>> = {};
  const startMem = Object.fromEntries(TARGET_NAMES.map((name) => [name, memory(targets[name].pid)])) as Record<TargetName, ReturnType<typeof memory>>;

  for (const scenario of list) {
    const names = scenario.peer ? TARGET_NAMES : (['baseline', 'gateway'] as const);
    // Same answer from all: the gateway's first response is the expected body.
    const ask = async (name: TargetName) => (await fetch(targets[name].url, { method: 'POST', headers: { 'content-type': 'application/json', ...ALL_HEADERS }, body: scenario.body })).text();
    const expected = await ask('gateway');
    const parsed = JSON.parse(expected) as { errors?: unknown[] };
    if (Boolean(parsed.errors) !== scenario.expectsError) throw new Error(`${scenario.name}: unexpected gateway answer ${expected.slice(0, 300)}`);
    for (const name of names) {
      const answer = await ask(name);
      if (answer !== expected) throw new Error(`${scenario.name}: ${LABELS[name]} and gateway differ\n${answer.slice(0, 300)}\n${expected.slice(0, 300)}`);
    }

    rows[scenario.name] = Object.fromEntries(names.map((name) => [name, []]));
    for (let rep = 0; rep < REPS; rep++) {
      // A B C D, D C B A, A B C D: each target measured early and late alike.
      const order = rep % 2 === 0 ? names : [...names].reverse();
      for (const name of order) {
        const t = targets[name];
        await cannon(t.url, scenario.body, { duration: WARMUP_S, connections: CONNECTIONS });
        const before = cpuTicks(t.pid);
        const simBefore = cpuTicks(sims.child.pid!);
        const closed = await cannon(t.url, scenario.body, { duration: MEASURE_S, connections: CONNECTIONS });
        const cpuMs = ((cpuTicks(t.pid) - before) * 1000) / CLK_TCK;
        const simCpuMs = ((cpuTicks(sims.child.pid!) - simBefore) * 1000) / CLK_TCK;
        const requests = closed.requests.total;
        const p = await probe(t.url, scenario, expected, upstream);
        rows[scenario.name]![name]!.push({
          rps: closed.requests.average,
          cpuUsPerReq: (cpuMs * 1000) / Math.max(1, requests),
          simCpuUsPerReq: (simCpuMs * 1000) / Math.max(1, requests),
          non2xx: closed.non2xx + closed.errors,
          probeP50us: p.p50us,
          probeP99us: p.p99us,
          callsPerQuery: p.callsPerQuery,
          mismatches: p.mismatches,
          ...memory(t.pid),
        });
      }
    }
    // Fixed rate at 50 % of the baseline's median capacity, once per target.
    const rate = Math.max(1, Math.floor(median(rows[scenario.name]!.baseline!.map((r) => r.rps!)) * 0.5));
    for (const name of names) {
      const fixed = await cannon(targets[name].url, scenario.body, { duration: MEASURE_S, connections: CONNECTIONS, overallRate: rate });
      for (const r of rows[scenario.name]![name]!) Object.assign(r, { fixedRate: rate, fixedP50ms: fixed.latency.p50, fixedP99ms: fixed.latency.p99 });
    }
  }

  // S6: the same bodies with the cache warm, beside the gateway with the cache off (`targets.gateway`).
  let cache: Awaited<ReturnType<typeof measureCache>> = [];
  let cacheNote = '';
  if (!ONLY || ONLY.has(CACHE_SCENARIO)) {
    // Long enough that nothing expires during the run: every request after the warm-up is a hit.
    const cachedEnv = { ...env, CACHE_TTL_S: '3600' };
    const inProcess = await startGateway(cachedEnv);
    children.push(inProcess.child);
    const cacheTargets: CacheTarget[] = [
      { name: 'cache off', ...targets.gateway },
      { name: 'memory cache', url: inProcess.url, pid: inProcess.child.pid! },
    ];
    const redis = await startRedisServer(0);
    if (redis) {
      children.push(redis.child);
      const redisEnv = { ...cachedEnv, REDIS_URL: redis.url, CACHE_KEY_SECRET: 'usergraph-bench-secret-0123456789abcdef' };
      const viaRedis = await startGateway(redisEnv);
      children.push(viaRedis.child);
      cacheTargets.push({ name: 'Redis cache', url: viaRedis.url, pid: viaRedis.child.pid! });
    } else {
      cacheNote = ' (no redis-server binary: the Redis target is left out)';
    }
    for (const t of cacheTargets.slice(1)) await untilCacheReady(t.url);
    cache = await measureCache(cacheCases(passboltIds), cacheTargets, upstream, sims.child.pid!, redis?.child.pid);
  }

  // S7: S1's body with traces exported (every trace, and 10 %), beside the gateway with tracing off (`targets.gateway`).
  let tracingResult: Awaited<ReturnType<typeof measureTracing>> | undefined;
  if (!ONLY || ONLY.has(TRACING_SCENARIO)) {
    const sink = await startProcess('bench/otlp-sink.ts', [], {}, 0);
    children.push(sink.child);
    const sinkUrl = sink.info.url as string;
    const tracingTargets: TracingTarget[] = [{ name: 'tracing off', ...targets.gateway }];
    for (const [name, service, sampler] of [
      ['traced 100 %', 'usergraph-bench-all', { OTEL_TRACES_SAMPLER: 'always_on' }],
      ['traced 10 %', 'usergraph-bench-tenth', { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }],
    ] as const) {
      // Otherwise the SDK's defaults (batch of 512, every 5 s, queue of 2048), as an operator runs it.
      const tracedEnv = { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, OTEL_SERVICE_NAME: service, ...sampler };
      const traced = await startGateway(tracedEnv);
      children.push(traced.child);
      tracingTargets.push({ name, url: traced.url, pid: traced.child.pid!, service });
    }
    tracingResult = await measureTracing(tracingCase(passboltIds), tracingTargets, upstream, { url: sinkUrl, pid: sink.child.pid! });
  }

  // Soak: the gateway under a mix of the scenarios at 50 % of its capacity for them, for SOAK_S seconds;
  // the heap used after a full collection at the end of the first tenth (warm) against the end
  // (target: growth ≤ 5 %), RSS likewise (information: the allocator keeps pages it may reuse).
  const soakBodies = list.map((s) => s.body);
  const soakSeconds = list.length > 0 ? SOAK_S : 0;
  // Half the gateway's capacity for the mix (the harmonic mean of its closed-loop rates): a soak
  // measures memory at a sustainable load, not a queue growing without bound.
  const mixCapacity = list.length / list.reduce((sum, s) => sum + 1 / median(rows[s.name]!.gateway!.map((r) => r.rps!)), 0);
  const soakRate = Math.max(20, Math.floor(mixCapacity * 0.5));
  const soakStart = Date.now();
  let soakRssWarm = 0;
  let soakHeapWarm: Promise<{ heapUsedMb: number; rssMb: number }> | undefined;
  const soakTimer = setTimeout(() => {
    soakRssWarm = memory(targets.gateway.pid).rssMb;
    soakHeapWarm = heapAfterGc(gateway.child);
  }, (soakSeconds * 1000) / 10);
  // Without any of S1–S5 (e.g. `--only cached`) there is no mix to soak with.
  const soakResult =
    soakSeconds > 0
      ? await autocannon({
          url: targets.gateway.url,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...ALL_HEADERS },
          requests: soakBodies.map((body) => ({ body })),
          duration: soakSeconds,
          connections: CONNECTIONS,
          overallRate: soakRate,
        })
      : { requests: { total: 0 }, non2xx: 0, errors: 0 };
  clearTimeout(soakTimer);
  // RSS first, as at the tenth: the collection the heap figure asks for may return pages.
  const soakEnd = memory(targets.gateway.pid);
  const heapWarmMb = soakHeapWarm ? (await soakHeapWarm).heapUsedMb : NaN;
  const heapEndMb = soakSeconds > 0 ? (await heapAfterGc(gateway.child)).heapUsedMb : NaN;
  const soak = {
    seconds: Math.round((Date.now() - soakStart) / 1000),
    rate: soakRate,
    requests: soakResult.requests.total,
    non2xx: soakResult.non2xx + soakResult.errors,
    rssWarmMb: soakRssWarm,
    rssEndMb: soakEnd.rssMb,
    peakRssMb: soakEnd.peakRssMb,
    growthPercent: soakRssWarm ? ((soakEnd.rssMb - soakRssWarm) / soakRssWarm) * 100 : NaN,
    heapAfterGcWarmMb: heapWarmMb,
    heapAfterGcEndMb: heapEndMb,
    heapGrowthPercent: ((heapEndMb - heapWarmMb) / heapWarmMb) * 100,
  };

  // Direct upstream ceiling: the load generator straight at the Passbolt simulator (S1's upstream request).
  const directUrl = `${simUrls.passbolt}/users/f848277c-5398-58f8-a82a-72397af2d450.json`;
  const direct = await autocannon({ url: directUrl, headers: { authorization: `Bearer ${ALL_HEADERS['X-Passbolt-Token']}`, accept: 'application/json' }, duration: MEASURE_S, connections: CONNECTIONS });

  // Isolation under failure: the healthy provider's latency alone, then while 20 clients keep asking
  // for a provider whose calls hang (each held until the gateway's deadline) alongside it.
  const iso = isolationBodies();
  const isoAlone = await latencies(gatewayUrl, iso.healthy, PROBE_N);
  await fetch(`${simUrls.passbolt}/__simulator/faults`, { method: 'POST', body: JSON.stringify([{ fault: { kind: 'hang' }, times: -1 }]) });
  let stopFailing = false;
  let failingOps = 0;
  const failingLoad = Array.from({ length: 20 }, async () => {
    while (!stopFailing) {
      await (await fetch(gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...ALL_HEADERS }, body: iso.withFailing })).text();
      failingOps++;
    }
  });
  const isoFailing = await latencies(gatewayUrl, iso.healthy, PROBE_N);
  stopFailing = true;
  await Promise.all(failingLoad);
  await fetch(`${simUrls.passbolt}/__simulator/faults`, { method: 'DELETE' });
  const isolation = { alone: isoAlone, whileOtherHangs: isoFailing, failingOps };

  const summary = list.map((s) => {
    const byName = rows[s.name]!;
    const medians = (name: TargetName) => {
      const reps = byName[name];
      return reps ? Object.fromEntries(Object.keys(reps[0]!).map((k) => [k, median(reps.map((r) => r[k]!))])) : undefined;
    };
    return {
      scenario: s.name,
      title: s.title,
      expectedCalls: s.expectedCalls,
      baseline: medians('baseline')!,
      gateway: medians('gateway')!,
      // Absent where the scenario has no peer (S5).
      gatewayJs: medians('gatewayJs'),
      peer: medians('peer'),
      tunedPeer: medians('tunedPeer'),
    };
  });

  const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const signed = (n: number) => `${n >= 0 ? '+' : ''}${fmt(n)}`;
  const signedPct = (n: number) => `${n >= 0 ? '+' : ''}${fmt(n, 1)}`;
  const header = ['scenario', 'target', 'req/s', 'CPU µs/req', 'sims CPU µs/req', 'p50 µs', 'p99 µs', 'fixed p50/p99 ms', 'calls/query', 'RSS MB', 'peak MB', 'non-2xx', 'bad bodies'];
  const table: string[][] = [];
  /** Per scenario, the gateway against each other target it was measured beside: req/s and CPU per request, gateway over the other. */
  const ratioTable: string[][] = [];
  let failed = false;
  for (const s of summary) {
    const present = TARGET_NAMES.filter((name) => s[name] !== undefined);
    for (const name of present) {
      const r = s[name] as Record<string, number>;
      if (r.callsPerQuery !== s.expectedCalls || r.mismatches! > 0 || r.non2xx! > 0) failed = true;
      table.push([s.title, LABELS[name], fmt(r.rps!), fmt(r.cpuUsPerReq!), fmt(r.simCpuUsPerReq!), fmt(r.probeP50us!), fmt(r.probeP99us!), `${fmt(r.fixedP50ms!, 2)}/${fmt(r.fixedP99ms!, 2)}`, `${fmt(r.callsPerQuery!, 2)} (exp ${s.expectedCalls})`, fmt(r.rssMb!, 1), fmt(r.peakRssMb!, 1), fmt(r.non2xx!), fmt(r.mismatches!)]);
    }
    const g = s.gateway as Record<string, number>;
    const ratios = [s.title];
    for (const name of RATIO_ORDER) {
      const o = s[name] as Record<string, number> | undefined;
      if (!o) {
        ratios.push('-');
        continue;
      }
      table.push([s.title, RATIO_LABELS[name], `${fmt(g.rps! / o.rps!, 2)}x`, `${fmt(g.cpuUsPerReq! / o.cpuUsPerReq!, 2)}x`, '', signed(g.probeP50us! - o.probeP50us!), '', `${fmt(g.fixedP99ms! / o.fixedP99ms!, 2)}x p99`, '', '', `${fmt(g.peakRssMb! / o.peakRssMb!, 2)}x`, '', '']);
      ratios.push(`${fmt(g.rps! / o.rps!, 2)}x / ${fmt(g.cpuUsPerReq! / o.cpuUsPerReq!, 2)}x`);
    }
    ratioTable.push(ratios);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  const cpus = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.+)/)?.[1] ?? 'unknown CPU';
  console.log(`\nusergraph benchmark${QUICK ? ' (--quick)' : ''}: ${REPS} rep(s), ${MEASURE_S}s measured after ${WARMUP_S}s warm-up, ${CONNECTIONS} connections; node ${process.version}; ${cpus}; pinned: ${canPin ? 'target on core 1, load + simulators on core 0' : 'no (taskset unavailable)'}`);
  console.log(`direct upstream (load → Passbolt simulator, S1's request): ${fmt(direct.requests.average)} req/s, p50 ${direct.latency.p50} ms, non-2xx ${direct.non2xx}`);
  console.log(`idle RSS after start: ${TARGET_NAMES.map((name) => `${LABELS[name]} ${fmt(startMem[name].rssMb, 1)} MB`).join(', ')}\n`);
  if (table.length > 0) {
    console.log(line(header));
    for (const row of table) console.log(line(row));
    const ratioHeader = ['scenario', ...RATIO_ORDER.map((name) => RATIO_LABELS[name])];
    const ratioWidths = ratioHeader.map((h, i) => Math.max(h.length, ...ratioTable.map((row) => row[i]!.length)));
    console.log('\nthe gateway against each target, this run (req/s ratio / CPU µs per request ratio; above 1 / below 1: the gateway serves more / spends less):');
    console.log(ratioHeader.map((h, i) => h.padEnd(ratioWidths[i]!)).join('  '));
    for (const row of ratioTable) console.log(row.map((c, i) => c.padEnd(ratioWidths[i]!)).join('  '));
    console.log('');
  }
  console.log(
    `isolation under failure (Droplit alone, sequential): p50/p99 ${fmt(isolation.alone.p50us)}/${fmt(isolation.alone.p99us)} µs; ` +
      `while 20 clients ask for a hung Passbolt alongside it (${isolation.failingOps} such operations done): ${fmt(isolation.whileOtherHangs.p50us)}/${fmt(isolation.whileOtherHangs.p99us)} µs`,
  );
  if (cache.length > 0) {
    const cacheHeader = ['scenario', 'target', 'req/s', 'CPU µs/req', 'sims CPU µs/req', 'Redis CPU µs/req', 'p50 µs', 'p99 µs', 'upstream calls/req', 'hit ratio', 'store errors', 'non-2xx', 'bad bodies'];
    const cacheTable: string[][] = [];
    for (const c of cache) {
      const off = c.byTarget['cache off']!;
      for (const [name, r] of Object.entries(c.byTarget)) {
        if (r.non2xx! > 0 || r.mismatches! > 0) failed = true;
        if (name === 'cache off' && r.probeCallsPerQuery !== c.uncachedCalls) failed = true;
        cacheTable.push([c.title, name, fmt(r.rps!), fmt(r.cpuUsPerReq!), fmt(r.simCpuUsPerReq!), fmt(r.redisCpuUsPerReq!), fmt(r.probeP50us!), fmt(r.probeP99us!), fmt(r.probeCallsPerQuery!, 2), fmt(r.hitRatio!, 3), fmt(r.storeErrors!), fmt(r.non2xx!), fmt(r.mismatches!)]);
      }
      for (const [name, r] of Object.entries(c.byTarget)) {
        if (name === 'cache off') continue;
        cacheTable.push([c.title, `${name}/cache off`, `${fmt(r.rps! / off.rps!, 2)}x`, `${fmt(r.cpuUsPerReq! / off.cpuUsPerReq!, 2)}x`, '', '', `${fmt(r.probeP50us! - off.probeP50us!)}`, '', '', '', '', '', '']);
      }
    }
    const cacheWidths = cacheHeader.map((h, i) => Math.max(h.length, ...cacheTable.map((row) => row[i]!.length)));
    console.log(`\nS6 warm cache (CACHE_TTL_S=3600) against the cache off (CACHE_TTL_S=0), same simulators${cacheNote}:`);
    console.log(cacheHeader.map((h, i) => h.padEnd(cacheWidths[i]!)).join('  '));
    for (const row of cacheTable) console.log(row.map((c, i) => c.padEnd(cacheWidths[i]!)).join('  '));
  }
  if (tracingResult) {
    const t = tracingResult;
    const off = t.byTarget['tracing off']!;
    const tracingHeader = ['scenario', 'target', 'req/s', 'CPU µs/req', 'sink CPU µs/req', 'p50 µs', 'p99 µs', 'spans/req', 'export B/req', 'calls/query', 'RSS MB', 'non-2xx', 'bad bodies'];
    const tracingTable: string[][] = [];
    for (const [name, r] of Object.entries(t.byTarget)) {
      if (r.non2xx! > 0 || r.mismatches! > 0 || r.callsPerQuery !== t.expectedCalls) failed = true;
      tracingTable.push([t.title, name, fmt(r.rps!), fmt(r.cpuUsPerReq!), fmt(r.sinkCpuUsPerReq!), fmt(r.probeP50us!), fmt(r.probeP99us!), fmt(r.spansPerReq!, 2), fmt(r.exportBytesPerReq!), fmt(r.callsPerQuery!, 2), fmt(r.rssMb!, 1), fmt(r.non2xx!), fmt(r.mismatches!)]);
    }
    for (const [name, r] of Object.entries(t.byTarget)) {
      if (name === 'tracing off') continue;
      tracingTable.push([t.title, `${name}/off`, `${fmt(r.rps! / off.rps!, 2)}x`, `${fmt(r.cpuUsPerReq! / off.cpuUsPerReq!, 2)}x`, '', `+${fmt(r.probeP50us! - off.probeP50us!)}`, '', '', '', '', `${fmt(r.rssMb! / off.rssMb!, 2)}x`, '', '']);
    }
    const tracingWidths = tracingHeader.map((h, i) => Math.max(h.length, ...tracingTable.map((row) => row[i]!.length)));
    console.log('\nS7 OpenTelemetry traces, exported (OTLP/HTTP protobuf, the default; SDK batch defaults) to a sink that answers 200, against tracing off:');
    console.log(tracingHeader.map((h, i) => h.padEnd(tracingWidths[i]!)).join('  '));
    for (const row of tracingTable) console.log(row.map((c, i) => c.padEnd(tracingWidths[i]!)).join('  '));
  }
  if (soakSeconds > 0) console.log(
    `\nsoak: gateway, ${list.length} scenario(s) mixed at ${soak.rate} req/s for ${soak.seconds} s (${soak.requests} requests, ${soak.non2xx} non-2xx): ` +
      `heap after GC ${fmt(soak.heapAfterGcWarmMb, 1)} MB → ${fmt(soak.heapAfterGcEndMb, 1)} MB (${signedPct(soak.heapGrowthPercent)} %); ` +
      `RSS ${fmt(soak.rssWarmMb, 1)} MB after the first tenth → ${fmt(soak.rssEndMb, 1)} MB at the end (${fmt(soak.growthPercent, 1)} %), peak ${fmt(soak.peakRssMb, 1)} MB`,
  );

  // The performance targets of the README (reported, not enforced: a shared machine is noisy), from
  // this run's medians.
  const by = Object.fromEntries(summary.map((s) => [s.scenario, s as unknown as Partial<Record<TargetName, Record<string, number>>>]));
  /** The gateway's req/s over `other`'s in a scenario; NaN where either was not measured. */
  const ratio = (name: string, other: OtherName = 'baseline') => {
    const g = by[name]?.gateway;
    const o = by[name]?.[other];
    return g && o ? g.rps! / o.rps! : NaN;
  };
  const overhead = (name: string) => (by[name] ? by[name].gateway!.probeP50us! - by[name].baseline!.probeP50us! : NaN);
  const gatewayCpu = (name: string) => by[name]?.gateway?.cpuUsPerReq ?? NaN;
  const peak = Math.max(...summary.map((s) => (s.gateway as Record<string, number>).peakRssMb! / (s.baseline as Record<string, number>).peakRssMb!));
  const peerScenarios = [
    ['S1', 'single'],
    ['S2', 'aliases50'],
    ['S3', 'fourProviders'],
    ['S4', 'error'],
  ] as const;
  // [what, value, unit, met, detail printed after the value]
  const targetRows: Array<[string, number, string, boolean, string?]> = [
    ['S1 gateway/baseline req/s ≥ 0.75x', ratio('single'), 'x', ratio('single') >= 0.75],
    ['S2 gateway/baseline req/s ≥ 0.80x', ratio('aliases50'), 'x', ratio('aliases50') >= 0.8],
    ['S3 gateway/baseline req/s ≥ 0.90x', ratio('fourProviders'), 'x', ratio('fourProviders') >= 0.9],
    ['S4 gateway/baseline req/s ≥ 0.70x', ratio('error'), 'x', ratio('error') >= 0.7],
    ['S1 p50 overhead ≤ +120 µs', overhead('single'), ' µs', overhead('single') <= 120],
    ['S2 p50 overhead ≤ +300 µs', overhead('aliases50'), ' µs', overhead('aliases50') <= 300],
    ...peerScenarios.map(([id, name]): [string, number, string, boolean] => [`${id} gateway/peer req/s ≥ 1.5x`, ratio(name, 'peer'), 'x', ratio(name, 'peer') >= 1.5]),
    ...peerScenarios.map(([id, name]): [string, number, string, boolean] => [`${id} gateway/tuned peer req/s ≥ 1.25x`, ratio(name, 'tunedPeer'), 'x', ratio(name, 'tunedPeer') >= 1.25]),
    // The error path costs no more CPU than a success: S4's CPU per request over S1's, at most 1.
    [
      'error path: S4 CPU µs/req ≤ S1 CPU µs/req',
      gatewayCpu('error') / gatewayCpu('single'),
      'x',
      gatewayCpu('error') <= gatewayCpu('single'),
      `(S4 ${fmt(gatewayCpu('error'))} µs, S1 ${fmt(gatewayCpu('single'))} µs)`,
    ],
    ['peak RSS ≤ 1.5x baseline', peak, 'x', peak <= 1.5],
    ['soak heap after GC growth ≤ 5 %', soak.heapGrowthPercent, ' %', soak.heapGrowthPercent <= 5],
  ];
  const whatWidth = Math.max(...targetRows.map(([what]) => what.length));
  if (targetRows.some(([, value]) => Number.isFinite(value))) console.log('\ntargets (the gateway against the other targets, this run\'s medians):');
  for (const [what, value, unit, met, detail] of targetRows) {
    if (!Number.isFinite(value)) continue;
    console.log(`  ${met ? 'met ' : 'MISS'}  ${what.padEnd(whatWidth)} ${fmt(value, unit === 'x' ? 2 : 1)}${unit}${detail ? ` ${detail}` : ''}`);
  }
  if (soak.non2xx > 0) failed = true;

  for (const s of summary) console.log(JSON.stringify(s));
  console.log(JSON.stringify({ direct: { rps: direct.requests.average, p50ms: direct.latency.p50, non2xx: direct.non2xx } }));
  if (soakSeconds > 0) console.log(JSON.stringify({ soak }));
  for (const c of cache) console.log(JSON.stringify({ cache: c }));
  if (tracingResult) console.log(JSON.stringify({ tracing: tracingResult }));
  console.log(JSON.stringify({ isolation }));
  console.log(JSON.stringify({ targets: Object.fromEntries(targetRows.map(([what, value, , met]) => [what, { value, met }])) }));

  for (const p of [baseline.child, gateway.child, gatewayJs.child, peer.child, tunedPeer.child, sims.child]) p.kill('SIGTERM');
  if (failed) {
    console.error('\nFAIL: a response differed, a request failed, or calls/query did not equal the expected count.');
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
process.exit();
