/** The benchmark's upstream: the four simulators in their own process, not recording requests. */
import { startSimulators } from '../src/simulators/index.js';
import { benchData } from './scenarios.js';

const { data, passboltIds } = benchData();
const sims = await startSimulators({ data, record: false });
process.stdout.write(
  `${JSON.stringify({ syncano: sims.syncano.url, droplit: sims.droplit.url, passbolt: sims.passbolt.url, belladati: sims.belladati.url, passboltIds })}\n`,
);
process.on('SIGTERM', () => void sims.close().then(() => process.exit(0)));
