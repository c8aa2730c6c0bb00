/**
 * The Syncano simulator as demo mode and the tests run it: its demo data, its port, and the client
 * headers that work with a data set.
 */
import { defineSimulator, definedHeaders, recordField } from '../module.js';
import { startSyncanoSimulator, type SyncanoSimulatorData } from './index.js';
import demoData from './demo-data.json' with { type: 'json' };

export const syncanoSimulator = defineSimulator({
  name: 'SYNCANO',
  key: 'syncano',
  defaultPort: 4101,
  demoData: () => structuredClone(demoData) as SyncanoSimulatorData,
  start: startSyncanoSimulator,
  /** The first API key that may read any user (`ignore_acl`), else the first; the first user's key for `me`. */
  credentials(data: SyncanoSimulatorData) {
    const keys = data.apiKeys.map((k) => (typeof k === 'string' ? { key: k, ignoreAcl: true } : { key: k.key, ignoreAcl: k.ignoreAcl === true }));
    const apiKey = (keys.find((k) => k.ignoreAcl) ?? keys[0])?.key;
    const userKey = data.users.map((u) => recordField(u, 'user_key')).find((k) => k !== undefined);
    return definedHeaders({ 'X-Syncano-Api-Key': apiKey, 'X-Syncano-User-Key': userKey });
  },
});
