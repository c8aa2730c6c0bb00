/**
 * The SCIM simulator as demo mode and the tests run it: its demo data, its port, and the client
 * headers that work with a data set (the first token that belongs to a user, so `me` works too).
 */
import { defineSimulator, definedHeaders } from '../module.js';
import { startScimSimulator, type ScimSimulatorData } from './index.js';
import demoData from './demo-data.json' with { type: 'json' };

export const scimSimulator = defineSimulator({
  name: 'SCIM',
  key: 'scim',
  defaultPort: 4105,
  demoData: () => structuredClone(demoData) as ScimSimulatorData,
  start: (data: ScimSimulatorData, options) => startScimSimulator(data, options),
  /** The first token that belongs to a user (so `me` works), else the first. */
  credentials(data: ScimSimulatorData) {
    const tokens = Object.entries(data.tokens ?? {});
    const [token] = tokens.find(([, user]) => typeof user === 'string') ?? tokens[0] ?? [];
    return definedHeaders({ 'X-Scim-Token': token });
  },
});
