/**
 * The credentials the shipped demo data accepts, as a client sends them to the gateway.
 * `npm start` prints them; the playground presets and the tests use them.
 */
export const DEMO_CREDENTIALS = {
  SYNCANO: {
    /** Instance API key (odd last hex digit) with `ignore_acl`, so it may read any user. */
    'X-Syncano-Api-Key': 'b8a6f4f3d3c2e1a0b9c8d7e6f5a4b3c2d1e0f9a7',
    /** User key of `geralt` (id 1), from Syncano's own docs example. */
    'X-Syncano-User-Key': 'afd4bf084f71c8e7659e7a3e53e9df762c6fad9a',
  },
  DROPLIT: {
    /** A server token: may read any user of the demo ecosystem. */
    'X-Droplit-Token': '_demoServerToken-2a9c7f1e4b6d8a0c3e5f7b9d1a3c5e7f',
    /** The caller's own id, for `me`. */
    'X-Droplit-User': 'C573b86eeee43dd7ba0244f8a;test',
  },
  PASSBOLT: {
    /** A JWT access token of Ada Lovelace (an admin in the demo data); `me` resolves to her. */
    'X-Passbolt-Token':
      'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4xOjQxMDMiLCJzdWIiOiJmODQ4Mjc3Yy01Mzk4LTU4ZjgtYTgyYS03MjM5N2FmMmQ0NTAifQ.ZGVtby1zaWduYXR1cmUtbm90LWEtcmVhbC1vbmU',
  },
  BELLADATI: {
    /** An OAuth access token of `myusername@example.com` (id 123). */
    'X-BellaDati-Token': 'nd7an9eba41c',
    'X-BellaDati-Username': 'myusername@example.com',
  },
} as const;

/** The OAuth consumer key the demo BellaDati domain is configured with (server-side setting). */
export const DEMO_BELLADATI_CONSUMER_KEY = 'usergraph-demo';
/** The demo Syncano instance name (server-side setting). */
export const DEMO_SYNCANO_INSTANCE = 'rivia';
