/**
 * What `npm run bench` (run.ts) and `npm run bench:profile` (profile.ts) share: the build they run,
 * the settings every gateway and the baseline start with, and the readings they take of a process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * What runs is what `npm start` runs: JavaScript compiled by tsc (the baseline and the simulators
 * too, so the targets are built alike), not TypeScript through a loader.
 */
export function compile(): void {
  execFileSync(process.execPath, [fileURLToPath(import.meta.resolve('typescript/bin/tsc')), '-p', 'bench/tsconfig.json'], { stdio: 'inherit' });
  // The gateway reads its SDL from `schema/` beside its build directory, as `dist/` does; the peers
  // also read the Federation directive definitions (`loadTypeDefsWithDirectives`) from `schema-support/`.
  if (!existsSync('dist-bench/schema')) symlinkSync('../schema', 'dist-bench/schema');
  if (!existsSync('dist-bench/schema-support')) symlinkSync('../schema-support', 'dist-bench/schema-support');
}

/** The environment of every measured target (gateway, baseline, peers) against the simulators at `simUrls`. */
export function targetEnv(simUrls: Record<string, unknown>): Record<string, string> {
  return {
    USERGRAPH_MODE: 'production',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: '0',
    HOST: '127.0.0.1',
    SYNCANO_URL: String(simUrls.syncano),
    SYNCANO_INSTANCE: 'rivia',
    DROPLIT_URL: String(simUrls.droplit),
    PASSBOLT_URL: String(simUrls.passbolt),
    BELLADATI_URL: `${String(simUrls.belladati)}/api`,
    BELLADATI_CONSUMER_KEY: 'usergraph-demo',
    // The gateway and baseline compared in S1–S5 cache nothing (the production default, said here).
    CACHE_TTL_S: '0',
    UPSTREAM_CONNECTIONS: '64',
    UPSTREAM_MAX_IN_FLIGHT: '1024',
    MAX_ALIASES: '64',
    MAX_UPSTREAM_CALLS: '16',
    MAX_UPSTREAM_CALLS_PER_PROVIDER: '16',
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Clock ticks per second of /proc/<pid>/stat's times. */
export const CLK_TCK = 100;

/** CPU time (user + system) of a process so far, in clock ticks. */
export function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
}
