/**
 * `usergraph simulators`: only the provider simulators, for running the gateway in production
 * mode against them from another process or container (compose.yaml). Data from SIMULATOR_DATA
 * (default: the shipped demo data); ports from the *_SIMULATOR_PORT variables; HOST (default
 * 127.0.0.1; 0.0.0.0 in a container).
 */
import { loadSimulatorData, startSimulators } from '../simulators/index.js';
import { SIMULATOR_MODULES } from '../simulators/registry.js';

export async function runSimulators(env: Record<string, string | undefined>, out: (line: string) => void): Promise<void> {
  const port = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  const sims = await startSimulators({
    data: env.SIMULATOR_DATA ? loadSimulatorData(env.SIMULATOR_DATA) : undefined,
    host: env.HOST ?? '127.0.0.1',
    ports: Object.fromEntries(SIMULATOR_MODULES.map((s) => [s.key, port(`${s.name}_SIMULATOR_PORT`, s.defaultPort)])),
  });
  out(`simulators: ${SIMULATOR_MODULES.map((s) => `${s.key} ${sims[s.key].url}`).join(', ')}`);
  const stop = () => void sims.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
