/**
 * The credentials the shipped demo data accepts, as a client sends them to the gateway, per provider
 * (`DEMO_CREDENTIALS.PASSBOLT['X-Passbolt-Token']`). `npm start` prints them; the playground presets
 * and the tests use them. Taken from the demo data by each simulator's module, so they cannot drift.
 */
import { credentialsFor } from './credentials-for-data.js';
import { loadDemoData } from './index.js';

export const DEMO_CREDENTIALS = credentialsFor(loadDemoData());

/** The OAuth consumer key the demo BellaDati domain is configured with (server-side setting). */
export const DEMO_BELLADATI_CONSUMER_KEY = loadDemoData().belladati.consumerKey;
/** The demo Syncano instance name (server-side setting). */
export const DEMO_SYNCANO_INSTANCE = loadDemoData().syncano.instance;
