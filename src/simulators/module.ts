/**
 * What a simulator is to the gateway, in one object: each `src/simulators/<name>/module.ts` exports
 * one and `registry.ts` lists them. `npm start`, `usergraph simulators`, the demo credentials and the
 * tests loop over these descriptors.
 */
import type { ProviderName } from '../providers/provider-name.js';
import type { RunningSimulator } from './http-simulator.js';

export interface SimulatorStartOptions {
  /** 0 = any free port. */
  port: number;
  host: string;
  /** Keep each request for `/__simulator/requests` (default true). */
  record?: boolean;
}

/**
 * `Header` is the union of the client header names `credentials` returns (so
 * `DEMO_CREDENTIALS.PASSBOLT['X-Passbolt-Token']` is a string to the type checker).
 */
export interface SimulatorModule<Data = unknown, Name extends ProviderName = ProviderName, Header extends string = string> {
  /** The provider it simulates. */
  readonly name: Name;
  /** Its section in a SIMULATOR_DATA file and its key in `Simulators` (`sims.syncano`): the name in lower case. */
  readonly key: Lowercase<Name>;
  /** Its port in demo mode (`<NAME>_SIMULATOR_PORT` overrides it): 4101, 4102, … in registry order. */
  readonly defaultPort: number;
  /** A fresh copy of the demo data shipped with the gateway (`demo-data.json`). */
  demoData(): Data;
  start(data: Data, options: SimulatorStartOptions): Promise<RunningSimulator>;
  /** Client headers that work against `data` (printed by `npm start`, the playground presets, tests). */
  credentials(data: Data): Readonly<Record<Header, string>>;
}

/** Any simulator's module, as the registry holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySimulatorModule = SimulatorModule<any, ProviderName, string>;

/** Declares a simulator module, keeping its literal name and key, its data type and its header names. */
export function defineSimulator<const Name extends ProviderName, Data, Header extends string>(
  module: SimulatorModule<Data, Name, Header>,
): SimulatorModule<Data, Name, Header> {
  return module;
}

/** A field of a raw data record as a string (ids may be numbers in the data), or undefined. */
export function recordField(record: unknown, name: string): string | undefined {
  if (!record || typeof record !== 'object') return undefined;
  const value = (record as Record<string, unknown>)[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/**
 * The headers that have a value. A data set without, say, any user key yields no user-key header:
 * the declared header names are what the shipped demo data yields.
 */
export function definedHeaders<Header extends string>(headers: Record<Header, string | undefined>): Record<Header, string> {
  return Object.fromEntries(Object.entries(headers).filter((entry) => entry[1] !== undefined)) as Record<Header, string>;
}
