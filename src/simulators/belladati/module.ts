/**
 * The BellaDati simulator as demo mode and the tests run it: its demo data, its port, and the client
 * headers that work with a data set.
 */
import { defineSimulator, definedHeaders, recordField } from '../module.js';
import { startBellaDatiSimulator, type BellaDatiSimulatorData } from './index.js';
import demoData from './demo-data.json' with { type: 'json' };

export const belladatiSimulator = defineSimulator({
  name: 'BELLADATI',
  key: 'belladati',
  defaultPort: 4104,
  demoData: () => structuredClone(demoData) as BellaDatiSimulatorData,
  start: startBellaDatiSimulator,
  /** The first access token whose user exists, with that user's username (for `me`). */
  credentials(data: BellaDatiSimulatorData) {
    const tokens = Object.entries(data.tokens);
    const usernameOf = (id: string | undefined) => recordField(data.users.find((u) => recordField(u, 'id') === id), 'username');
    const [token, userId] = tokens.find(([, id]) => usernameOf(id) !== undefined) ?? tokens[0] ?? [];
    return definedHeaders({ 'X-BellaDati-Token': token, 'X-BellaDati-Username': usernameOf(userId) });
  },
});
