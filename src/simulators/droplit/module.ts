/**
 * The Droplit simulator as demo mode and the tests run it: its demo data, its port, and the client
 * headers that work with a data set.
 */
import { defineSimulator, definedHeaders, recordField } from '../module.js';
import { startDroplitSimulator, type DroplitSimulatorData } from './index.js';
import demoData from './demo-data.json' with { type: 'json' };

export const droplitSimulator = defineSimulator({
  name: 'DROPLIT',
  key: 'droplit',
  defaultPort: 4102,
  demoData: () => structuredClone(demoData) as DroplitSimulatorData,
  start: startDroplitSimulator,
  /** A server (or account) token, which may read any user, and the user it stands for in `me`. */
  credentials(data: DroplitSimulatorData) {
    const entries = Object.entries(data.tokens);
    const [token, grant] = entries.find(([, g]) => g.type !== 'user') ?? entries[0] ?? [];
    const user = grant?.type === 'user' ? grant.user : data.users.map((u) => recordField(u, 'id')).find((id) => id !== undefined);
    return definedHeaders({ 'X-Droplit-Token': token, 'X-Droplit-User': user });
  },
});
