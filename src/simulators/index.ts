/**
 * Starts the provider simulators on loopback: the embedded default that `npm start` and the tests run
 * the gateway against. The simulators' only link to the gateway is HTTP. One simulator per entry of
 * `SIMULATOR_MODULES` (registry.ts), keyed by its lower-case key (`sims.passbolt`).
 */
import { readFileSync } from 'node:fs';
import type { RunningSimulator } from './http-simulator.js';
import { SIMULATOR_MODULES, type DataOf, type RegisteredSimulator, type SimulatorKey } from './registry.js';
import type { AnySimulatorModule } from './module.js';

/** The data file's shape (env SIMULATOR_DATA): one section per provider, by key. */
export type SimulatorData = { [M in RegisteredSimulator as M['key']]: DataOf<M> };

export type Simulators = { readonly [K in SimulatorKey]: RunningSimulator } & {
  data: SimulatorData;
  close(): Promise<void>;
};

export interface StartSimulatorsOptions {
  /** Each section replaces the demo data's section of the same name. */
  data?: Partial<SimulatorData>;
  /** Ports (0 = any free port, the default). */
  ports?: Partial<Record<SimulatorKey, number>>;
  host?: string;
  /** Keep each request for `/__simulator/requests` (default true). */
  record?: boolean;
}

const MODULES: readonly AnySimulatorModule[] = SIMULATOR_MODULES;

/**
 * The demo data shipped with the gateway (seed examples plus a few more users per provider), one
 * file per provider in `src/simulators/<provider>/demo-data.json`. A fresh deep copy each call.
 */
export function loadDemoData(): SimulatorData {
  return Object.fromEntries(MODULES.map((m) => [m.key, m.demoData()])) as SimulatorData;
}

/** Reads a data file; sections it lacks fall back to the demo data. */
export function loadSimulatorData(path: string): SimulatorData {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<SimulatorData>;
  return { ...loadDemoData(), ...parsed };
}

export async function startSimulators(options: StartSimulatorsOptions = {}): Promise<Simulators> {
  const data: SimulatorData = { ...loadDemoData(), ...options.data };
  const started: Array<[string, RunningSimulator]> = [];
  try {
    // One after the other: a failure leaves nothing half-started behind (see the catch).
    for (const m of MODULES) {
      const at = { port: options.ports?.[m.key as SimulatorKey] ?? 0, host: options.host ?? '127.0.0.1', record: options.record };
      started.push([m.key, await m.start((data as Record<string, unknown>)[m.key], at)]);
    }
  } catch (error) {
    await Promise.all(started.map(([, s]) => s.close()));
    throw error;
  }
  return {
    ...(Object.fromEntries(started) as Record<SimulatorKey, RunningSimulator>),
    data,
    close: async () => {
      await Promise.all(started.map(([, s]) => s.close()));
    },
  };
}
