/**
 * The simulators: the only list of them. `startSimulators`, the demo credentials, `npm start` and
 * `usergraph simulators` loop over `SIMULATOR_MODULES`; a new provider's simulator is one line here.
 */
import type { SimulatorModule } from './module.js';
import { syncanoSimulator } from './syncano/module.js';
import { droplitSimulator } from './droplit/module.js';
import { passboltSimulator } from './passbolt/module.js';
import { belladatiSimulator } from './belladati/module.js';
import { scimSimulator } from './scim/module.js';

export const SIMULATOR_MODULES = [syncanoSimulator, droplitSimulator, passboltSimulator, belladatiSimulator, scimSimulator] as const;

/** One of the registered simulators' modules (a union, so its key, data and headers stay typed). */
export type RegisteredSimulator = (typeof SIMULATOR_MODULES)[number];
/** The data type of a simulator module. */
export type DataOf<M> = M extends SimulatorModule<infer Data, infer _Name, infer _Header> ? Data : never;
/** Its section key in SIMULATOR_DATA / `Simulators` (`'syncano'`). */
export type SimulatorKey = RegisteredSimulator['key'];
