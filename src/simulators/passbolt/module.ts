/**
 * The Passbolt simulator as demo mode and the tests run it: its demo data, its port, and the client
 * headers that work with a data set.
 */
import { defineSimulator, definedHeaders } from '../module.js';
import { startPassboltSimulator, type PassboltSimulatorData } from './index.js';
import demoData from './demo-data.json' with { type: 'json' };

export const passboltSimulator = defineSimulator({
  name: 'PASSBOLT',
  key: 'passbolt',
  defaultPort: 4103,
  demoData: () => structuredClone(demoData) as PassboltSimulatorData,
  start: startPassboltSimulator,
  /** The first access token: `me` is the user it was issued to. */
  credentials: (data: PassboltSimulatorData) => definedHeaders({ 'X-Passbolt-Token': Object.keys(data.tokens)[0] }),
});
