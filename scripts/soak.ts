/**
 * Soak run (memory and collection checks): the gateway in this process, the four simulators in a child
 * process, mixed traffic at a fixed concurrency, and memory measured after forced garbage collections.
 *
 * The simulators run apart so that the heap measured is the gateway's (and the load client's): the
 * BellaDati simulator remembers every OAuth nonce for its 300 s timestamp window, as the real service
 * must, which in one process would read as gateway growth (about 250 bytes per BellaDati request).
 *
 *   node --expose-gc --import tsx scripts/soak.ts [--requests 100000] [--checkpoint 10000]
 *                                                 [--concurrency 50] [--quick] [--heap-snapshots DIR]
 *
 * --quick is --checkpoint 2000 --requests 20000 (CI). Traffic, spread evenly over SYNCANO, DROPLIT,
 * PASSBOLT and BELLADATI: 70 % reads of a real user, 10 % answered 500 upstream (→ PROVIDER_UNAVAILABLE
 * after the retries the budget allows), 10 % unknown users (→ NOT_FOUND), 10 % hung upstream
 * (→ PROVIDER_TIMEOUT at the request deadline). The breaker is kept out of the way so the mix stays
 * as described; retries, retry budget and bulkhead run with their defaults.
 *
 * Memory (printed as the first section): heapUsed and RSS after a forced GC at the checkpoint and at the end; PASS when
 *     heap(end) ≤ heap(checkpoint) × 1.10 + 5 MB. Also reported: RSS ≤ 1.25×; the slope of the heap,
 *     sampled after a forced GC every second, over the last 80 % of the run (≤ 0.5 MB/min); sockets
 *     back to the baseline ± 2 after the drain; no MaxListenersExceededWarning.
 * Collection (the second section): every request's context (and its DataLoader set) is registered with a FinalizationRegistry;
 *     PASS when ≥ 99 % are finalized after the drain and a forced GC.
 *
 * --heap-snapshots DIR writes a V8 heap snapshot at the checkpoint and at the end (after the forced
 * GC), to compare in Chrome DevTools when a figure fails.
 *
 * Exit code 0 when the heap check and the collection check pass, 1 otherwise, 2 on a usage error.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import type { ApolloServerPlugin } from '@apollo/server';
import { loadConfig, withSimulatorUrls, type RunningSimulatorsInfo } from '../src/config.js';
import type { GatewayContext } from '../src/context.js';
import { createSilentLogger } from '../src/logger.js';
import type { ProviderName } from '../src/model.js';
import { createGateway, type Gateway } from '../src/server.js';
import { DEMO_CREDENTIALS } from '../src/simulators/demo-credentials.js';
import type { FaultRule } from '../src/simulators/faults.js';
import { startSimulators } from '../src/simulators/index.js';
import { SIMULATOR_MODULES } from '../src/simulators/registry.js';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string' },
    checkpoint: { type: 'string' },
    concurrency: { type: 'string', default: '50' },
    quick: { type: 'boolean', default: false },
    'heap-snapshots': { type: 'string' },
    // Internal: this script started as the simulators' child process.
    'simulators-only': { type: 'boolean', default: false },
  },
});

if (args['simulators-only']) {
  // Start the simulators, tell the parent where they are, and live until the parent goes.
  const sims = await startSimulators({ record: false });
  // Every registered simulator's URL, and the data demo mode reads its settings from (instance, keys…).
  const info = {
    ...Object.fromEntries(SIMULATOR_MODULES.map((m) => [m.key, { url: sims[m.key].url }])),
    data: sims.data,
  } as RunningSimulatorsInfo;
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void sims.close().then(() => process.exit(0)));
  await new Promise(() => undefined);
}

const TOTAL = Number(args.requests ?? (args.quick ? 20_000 : 100_000));
const CHECKPOINT = Number(args.checkpoint ?? (args.quick ? 2_000 : 10_000));
const CONCURRENCY = Number(args.concurrency);
if (![TOTAL, CHECKPOINT, CONCURRENCY].every((n) => Number.isInteger(n) && n > 0) || CHECKPOINT >= TOTAL) {
  console.error('usage: node --expose-gc --import tsx scripts/soak.ts [--requests N] [--checkpoint M < N] [--concurrency C] [--quick]');
  process.exit(2);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with node --expose-gc --import tsx scripts/soak.ts (forced GC is needed for the memory figures)');
  process.exit(2);
}

const DEADLINE_MS = 500;
const MB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// The traffic: per provider, one real user, one unknown user, and two ids whose upstream paths the
// simulators are told to fail (500) or to black-hole. Paths are the providers' documented templates.

type Kind = 'ok' | '5xx' | '404' | 'timeout';
const KINDS: readonly Kind[] = ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', '5xx', '404', 'timeout'];
const EXPECTED: Record<Kind, string> = { ok: 'ok', '5xx': 'PROVIDER_UNAVAILABLE', '404': 'NOT_FOUND', timeout: 'PROVIDER_TIMEOUT' };

type SimName = 'syncano' | 'droplit' | 'passbolt' | 'belladati';

interface Target {
  provider: ProviderName;
  sim: SimName;
  ids: Record<Kind, string>;
  /** Upstream path of an id (the simulators match fault rules on it). */
  path(id: string): string;
}

const ECO = 'C573b86eeee43dd7ba0244f8a';
const TARGETS: readonly Target[] = [
  {
    provider: 'SYNCANO',
    sim: 'syncano',
    ids: { ok: '1', '404': '999999', '5xx': '7001', timeout: '7002' },
    path: (id) => `/v1.1/instances/rivia/users/${id}/`,
  },
  {
    provider: 'DROPLIT',
    sim: 'droplit',
    ids: { ok: `${ECO};test`, '404': `${ECO};ghost`, '5xx': `${ECO};soakfailing`, timeout: `${ECO};soakhung` },
    path: (id) => `/api/users/${id}`,
  },
  {
    provider: 'PASSBOLT',
    sim: 'passbolt',
    ids: {
      ok: 'f848277c-5398-58f8-a82a-72397af2d450',
      '404': '00000000-0000-4000-8000-000000000404',
      '5xx': '00000000-0000-4000-8000-000000000500',
      timeout: '00000000-0000-4000-8000-000000000504',
    },
    path: (id) => `/users/${id}.json`,
  },
  {
    provider: 'BELLADATI',
    sim: 'belladati',
    ids: { ok: '123', '404': '999', '5xx': '7001', timeout: '7002' },
    path: (id) => `/api/users/${id}`,
  },
];

const HEADERS = {
  'content-type': 'application/json',
  'x-syncano-api-key': DEMO_CREDENTIALS.SYNCANO['X-Syncano-Api-Key'],
  'x-droplit-token': DEMO_CREDENTIALS.DROPLIT['X-Droplit-Token'],
  'x-passbolt-token': DEMO_CREDENTIALS.PASSBOLT['X-Passbolt-Token'],
  'x-belladati-token': DEMO_CREDENTIALS.BELLADATI['X-BellaDati-Token'],
};

// ---------------------------------------------------------------------------------------------
// The stack: simulators (request recording off: a recorder would grow with the run) in a child
// process, the gateway here.

const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--simulators-only'], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const [firstLine] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
const sims = JSON.parse(firstLine) as RunningSimulatorsInfo;
const config = withSimulatorUrls(
  loadConfig({
    USERGRAPH_MODE: 'demo',
    // The mix measures upstream failures; the cache of user records would answer most of them.
    CACHE_TTL_S: '0',
    UPSTREAM_TIMEOUT_MS: '200',
    REQUEST_DEADLINE_MS: String(DEADLINE_MS),
    UPSTREAM_BACKOFF_BASE_MS: '5',
    UPSTREAM_BACKOFF_MAX_MS: '20',
    BREAKER_CONSECUTIVE_FAILURES: '1000000',
    BREAKER_MINIMUM_CALLS: '1000000',
  }),
  sims,
);
const gateway = await createGateway(config, { logger: createSilentLogger() });
const url = await gateway.listen(0, '127.0.0.1');
for (const t of TARGETS) {
  const rules: FaultRule[] = [
    { fault: { kind: 'status', status: 500, body: '' }, path: t.path(t.ids['5xx']), times: -1 },
    { fault: { kind: 'hang' }, path: t.path(t.ids.timeout), times: -1 },
  ];
  const res = await fetch(`${sims[t.sim].url}/__simulator/faults`, { method: 'POST', body: JSON.stringify(rules) });
  if (!res.ok) throw new Error(`${t.sim} simulator refused the fault rules: ${res.status}`);
}

// Collection check: every request's context and DataLoader set, registered as Apollo hands them to the plugins.
let registered = 0;
let finalized = 0;
const contexts = new FinalizationRegistry<string>(() => {
  finalized++;
});
const t2Plugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart({ contextValue }) {
    contexts.register(contextValue, 'context');
    contexts.register(contextValue.loaders, 'loaders');
    registered += 2;
  },
};
const t2Hooked = addRequestPlugin(gateway, t2Plugin);

let maxListenerWarnings = 0;
process.on('warning', (w) => {
  if (w.name === 'MaxListenersExceededWarning') maxListenerWarnings++;
});

// ---------------------------------------------------------------------------------------------

const outcomes = new Map<string, number>();
let mismatches = 0;
let sent = 0;

async function one(i: number): Promise<void> {
  const target = TARGETS[i % TARGETS.length]!;
  const kind = KINDS[Math.floor(i / TARGETS.length) % KINDS.length]!;
  const res = await fetch(url, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({ query: `query($id: ID!) { user(provider: ${target.provider}, id: $id) { id username } }`, variables: { id: target.ids[kind] } }),
  });
  const body = (await res.json()) as { data?: { user: { id: string } | null }; errors?: Array<{ extensions?: { code?: string } }> };
  const got = body.data?.user ? 'ok' : (body.errors?.[0]?.extensions?.code ?? `HTTP ${res.status}`);
  const key = `${target.provider} ${kind} → ${got}`;
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  if (got !== EXPECTED[kind]) mismatches++;
}

/** Sends requests until `until` have been sent, `CONCURRENCY` at a time, then waits for the last ones. */
async function runUntil(until: number): Promise<void> {
  const started = performance.now();
  const from = sent;
  const step = Math.max(1_000, Math.round((until - from) / 10));
  let nextReport = from + step;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent < until) {
        const i = sent++;
        await one(i);
        if (sent >= nextReport) {
          nextReport += step;
          const secs = (performance.now() - started) / 1000;
          console.log(`  ${String(sent).padStart(7)} requests  ${((sent - from) / secs).toFixed(0)} req/s  heapUsed ${(process.memoryUsage().heapUsed / MB).toFixed(1)} MB`);
        }
      }
    }),
  );
}

/** Lets the request deadlines' timers expire and finalizers run, then collects garbage until the heap settles. */
async function settle(): Promise<{ heapUsed: number; rss: number }> {
  await sleep(DEADLINE_MS + 300);
  for (let i = 0; i < 8; i++) {
    gc!();
    await sleep(50);
  }
  const m = process.memoryUsage();
  if (args['heap-snapshots']) console.log(`  heap snapshot: ${writeHeapSnapshot(join(args['heap-snapshots'], `soak-${sent}.heapsnapshot`))}`);
  return { heapUsed: m.heapUsed, rss: m.rss };
}

const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const baselineSockets = sockets();
const samples: Array<{ t: number; heap: number }> = [];
const runStarted = performance.now();
// Once a second: a forced GC under load, then the heap (unforced samples would only show the sawtooth).
const sampler = setInterval(() => {
  gc();
  samples.push({ t: (performance.now() - runStarted) / 60_000, heap: process.memoryUsage().heapUsed / MB });
}, 1_000);

console.log(`soak: ${TOTAL} requests (checkpoint at ${CHECKPOINT}), ${CONCURRENCY} concurrent, gateway ${url}`);
await runUntil(CHECKPOINT);
const atCheckpoint = await settle();
console.log(`after ${CHECKPOINT} requests: heapUsed ${(atCheckpoint.heapUsed / MB).toFixed(1)} MB, RSS ${(atCheckpoint.rss / MB).toFixed(1)} MB`);
await runUntil(TOTAL);
clearInterval(sampler);
const elapsedS = (performance.now() - runStarted) / 1000;
const atEnd = await settle();
console.log(`after ${TOTAL} requests: heapUsed ${(atEnd.heapUsed / MB).toFixed(1)} MB, RSS ${(atEnd.rss / MB).toFixed(1)} MB`);

// Idle keep-alive sockets (client, gateway, upstream pools, simulators) close within about 5 s.
await sleep(6_000);
gc();
await sleep(100);
const drainedSockets = sockets();

// ---------------------------------------------------------------------------------------------

console.log(`\ntraffic (${elapsedS.toFixed(1)} s, ${(TOTAL / elapsedS).toFixed(0)} req/s):`);
for (const [key, n] of [...outcomes].sort()) console.log(`  ${key.padEnd(52)} ${n}`);
console.log(`  outcomes not as expected: ${mismatches}`);

const heapLimit = atCheckpoint.heapUsed * 1.1 + 5 * MB;
const heapPass = atEnd.heapUsed <= heapLimit;
const rssPass = atEnd.rss <= atCheckpoint.rss * 1.25;
const tail = samples.slice(Math.floor(samples.length * 0.2));
const slope = regressionSlope(tail.map((s) => s.t), tail.map((s) => s.heap));
const slopePass = Number.isFinite(slope) && slope <= 0.5;
const socketsPass = Math.abs(drainedSockets - baselineSockets) <= 2;
const t2Share = registered === 0 ? 0 : finalized / registered;
const t2Pass = t2Hooked && t2Share >= 0.99;

const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
console.log('\nMemory');
console.log(
  `  ${verdict(heapPass)}  heapUsed(${TOTAL}) ${(atEnd.heapUsed / MB).toFixed(1)} MB ≤ heapUsed(${CHECKPOINT}) ${(atCheckpoint.heapUsed / MB).toFixed(1)} MB × 1.10 + 5 MB = ${(heapLimit / MB).toFixed(1)} MB`,
);
const rssNote = args['heap-snapshots'] ? ' (not meaningful: writing heap snapshots grows RSS)' : '';
console.log(`  ${verdict(rssPass)}  RSS(${TOTAL}) ${(atEnd.rss / MB).toFixed(1)} MB ≤ RSS(${CHECKPOINT}) ${(atCheckpoint.rss / MB).toFixed(1)} MB × 1.25 = ${((atCheckpoint.rss * 1.25) / MB).toFixed(1)} MB${rssNote}`);
// Under a minute of samples the slope mostly measures warm-up (JIT, caches): shown, not judged.
const slopeJudged = tail.length >= 60;
console.log(
  `  ${slopeJudged ? verdict(slopePass) : 'INFO'}  heap slope over the last 80 % of ${samples.length} 1 s samples: ${slope.toFixed(2)} MB/min (≤ 0.5)` +
    (slopeJudged ? '' : ' (judged only with at least 60 samples in that span)'),
);
console.log(`  ${verdict(socketsPass)}  sockets after the drain: ${drainedSockets} (baseline ${baselineSockets} ± 2)`);
console.log(`  ${verdict(maxListenerWarnings === 0)}  MaxListenersExceededWarning: ${maxListenerWarnings}`);
console.log(`  ${verdict(mismatches === 0)}  every response had its kind's expected outcome (${mismatches} did not)`);
console.log('Collection');
console.log(
  t2Hooked
    ? `  ${verdict(t2Pass)}  per-request contexts and DataLoader sets finalized: ${finalized} of ${registered} (${(t2Share * 100).toFixed(2)} %, ≥ 99 %)`
    : '  FAIL  could not attach the request plugin to the gateway (see addRequestPlugin)',
);

await gateway.stop();
child.stdin!.end();
await once(child, 'exit');
process.exit(heapPass && t2Pass ? 0 : 1);

// ---------------------------------------------------------------------------------------------

/**
 * Adds a plugin to the running gateway's Apollo Server. `createGateway` starts Apollo itself and takes
 * no extra plugins, and Apollo refuses `addPlugin` once started; but it reads its plugin list on every
 * request, so appending to it works. That list is Apollo's internal state: if its shape ever changes
 * this returns false and the collection check reports that it could not run.
 */
function addRequestPlugin(g: Gateway, plugin: ApolloServerPlugin<GatewayContext>): boolean {
  const internals = (g.apollo as unknown as { internals?: { plugins?: unknown } }).internals;
  if (!internals || !Array.isArray(internals.plugins)) return false;
  internals.plugins.push(plugin);
  return true;
}

/** Least-squares slope of y over x. */
function regressionSlope(x: number[], y: number[]): number {
  const n = x.length;
  if (n < 2) return NaN;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (x[i]! - mx) * (y[i]! - my);
    den += (x[i]! - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}
