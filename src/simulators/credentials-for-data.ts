/**
 * The client headers that unlock simulators running on a given data set, as `npm start` prints them.
 * With the shipped demo data this is DEMO_CREDENTIALS; with a custom SIMULATOR_DATA file it is taken
 * from that file, so the printed headers always work against the data in use. Each simulator's
 * module says which of its data's credentials to use.
 */
import type { SimulatorData } from './index.js';
import type { AnySimulatorModule } from './module.js';
import { SIMULATOR_MODULES, type RegisteredSimulator } from './registry.js';

/** Per provider name, the headers a client sends (typed per simulator module). */
export type ClientCredentials = { readonly [M in RegisteredSimulator as M['name']]: ReturnType<M['credentials']> };

export function credentialsFor(data: SimulatorData): ClientCredentials {
  const modules: readonly AnySimulatorModule[] = SIMULATOR_MODULES;
  return Object.fromEntries(modules.map((m) => [m.name, m.credentials((data as Record<string, unknown>)[m.key])])) as ClientCredentials;
}
