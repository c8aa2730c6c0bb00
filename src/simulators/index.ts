/**
 * Starts the four provider simulators on loopback: the embedded default that `npm start` and the
 * tests run the gateway against. The simulators' only link to the gateway is HTTP.
 */
import { readFileSync } from 'node:fs';
import type { RunningSimulator } from './http-simulator.js';
import { startSyncanoSimulator, type SyncanoSimulatorData } from './syncano/index.js';
import { startDroplitSimulator, type DroplitSimulatorData } from './droplit/index.js';
import { startPassboltSimulator, type PassboltSimulatorData } from './passbolt/index.js';
import { startBellaDatiSimulator, type BellaDatiSimulatorData } from './belladati/index.js';
import syncanoDemo from './syncano/demo-data.json' with { type: 'json' };
import droplitDemo from './droplit/demo-data.json' with { type: 'json' };
import passboltDemo from './passbolt/demo-data.json' with { type: 'json' };
import belladatiDemo from './belladati/demo-data.json' with { type: 'json' };

/** The data file's shape (env SIMULATOR_DATA): one section per provider. */
export interface SimulatorData {
  syncano: SyncanoSimulatorData;
  droplit: DroplitSimulatorData;
  passbolt: PassboltSimulatorData;
  belladati: BellaDatiSimulatorData;
}

export interface Simulators {
  syncano: RunningSimulator;
  droplit: RunningSimulator;
  passbolt: RunningSimulator;
  belladati: RunningSimulator;
  data: SimulatorData;
  close(): Promise<void>;
}

export interface StartSimulatorsOptions {
  /** Each section replaces the demo data's section of the same name. */
  data?: Partial<SimulatorData>;
  /** Ports (0 = any free port, the default). */
  ports?: Partial<Record<keyof SimulatorData, number>>;
  host?: string;
  /** Keep each request for `/__simulator/requests` (default true). */
  record?: boolean;
}

/**
 * The demo data shipped with the gateway (seed examples plus a few more users per provider), one
 * file per provider in `src/simulators/<provider>/demo-data.json`. A fresh deep copy each call.
 */
export function loadDemoData(): SimulatorData {
  return structuredClone({
    syncano: syncanoDemo as SyncanoSimulatorData,
    droplit: droplitDemo as DroplitSimulatorData,
    passbolt: passboltDemo as PassboltSimulatorData,
    belladati: belladatiDemo as BellaDatiSimulatorData,
  });
}

/** Reads a data file; sections it lacks fall back to the demo data. */
export function loadSimulatorData(path: string): SimulatorData {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<SimulatorData>;
  return { ...loadDemoData(), ...parsed };
}

export async function startSimulators(options: StartSimulatorsOptions = {}): Promise<Simulators> {
  const data: SimulatorData = { ...loadDemoData(), ...options.data };
  const at = (name: keyof SimulatorData) => ({ port: options.ports?.[name] ?? 0, host: options.host ?? '127.0.0.1', record: options.record });
  const started: RunningSimulator[] = [];
  try {
    const syncano = await startSyncanoSimulator(data.syncano, at('syncano'));
    started.push(syncano);
    const droplit = await startDroplitSimulator(data.droplit, at('droplit'));
    started.push(droplit);
    const passbolt = await startPassboltSimulator(data.passbolt, at('passbolt'));
    started.push(passbolt);
    const belladati = await startBellaDatiSimulator(data.belladati, at('belladati'));
    started.push(belladati);
    return {
      syncano,
      droplit,
      passbolt,
      belladati,
      data,
      close: async () => {
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((s) => s.close()));
    throw error;
  }
}
