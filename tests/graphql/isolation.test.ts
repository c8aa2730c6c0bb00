import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from '../../src/simulators/index.js';
import type { RecordedRequest } from '../../src/simulators/http-simulator.js';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * Distinct canary credentials for all four providers, sent in one request: each must reach only its
 * own provider's simulator, and none may appear in any response.
 */
const CANARY = {
  syncanoApiKey: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee01', // odd last digit: an instance API key
  syncanoUserKey: 'c0ffee11c0ffee11c0ffee11c0ffee11c0ffee12',
  droplitToken: '_CANARY-droplit-7d1f0a9c2b4e',
  passboltToken: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJDQU5BUlkifQ.Q0FOQVJZLXBhc3Nib2x0',
  belladatiToken: 'CANARYbelladati42',
};
const ALL_CANARIES = Object.values(CANARY);

function canaryData() {
  const data = loadDemoData();
  data.syncano.apiKeys = [CANARY.syncanoApiKey];
  const geralt = data.syncano.users.find((u) => (u as { id: number }).id === 1) as { user_key: string };
  geralt.user_key = CANARY.syncanoUserKey;
  data.droplit.tokens = { [CANARY.droplitToken]: { type: 'server' } };
  data.passbolt.tokens = { [CANARY.passboltToken]: 'f848277c-5398-58f8-a82a-72397af2d450' };
  data.belladati.tokens = { [CANARY.belladatiToken]: '123' };
  return data;
}

const HEADERS = {
  'X-Syncano-Api-Key': CANARY.syncanoApiKey,
  'X-Syncano-User-Key': CANARY.syncanoUserKey,
  'X-Droplit-Token': CANARY.droplitToken,
  'X-Droplit-User': 'C573b86eeee43dd7ba0244f8a;test',
  'X-Passbolt-Token': CANARY.passboltToken,
  'X-BellaDati-Token': CANARY.belladatiToken,
  'X-BellaDati-Username': 'myusername@example.com',
};

const QUERY = `{
  s: me(provider: SYNCANO) { id username ... on SyncanoUser { profile { fields } links { self resetKey } } }
  d: me(provider: DROPLIT) { id username ... on DroplitUser { meta } }
  p: me(provider: PASSBOLT) { id username }
  b: me(provider: BELLADATI) { id username }
  sx: user(provider: SYNCANO, id: "999999") { id }
  px: user(provider: PASSBOLT, id: "00000000-0000-4000-8000-000000000000") { id }
}`;

function serialized(requests: RecordedRequest[]): string {
  return JSON.stringify(requests);
}

describe('credential isolation across providers', () => {
  let stack: Stack;
  let responseText: string;
  let body: { data?: any; errors?: any[] };

  beforeAll(async () => {
    stack = await startStack({ data: canaryData() });
    const res = await stack.gql(QUERY, {}, HEADERS);
    responseText = res.text;
    body = res.body;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('every provider answers with its canary credentials', () => {
    expect(body.data.s.id).toBe('1');
    expect(body.data.d.id).toBe('C573b86eeee43dd7ba0244f8a;test');
    expect(body.data.p.id).toBe('f848277c-5398-58f8-a82a-72397af2d450');
    expect(body.data.b.id).toBe('123');
  });

  it('each canary reaches its own provider, in the documented header', () => {
    const s = stack.sims.syncano.requests();
    expect(s.length).toBeGreaterThan(0);
    for (const r of s) expect(r.headers['x-api-key']).toBe(CANARY.syncanoApiKey);
    expect(s.some((r) => r.headers['x-user-key'] === CANARY.syncanoUserKey)).toBe(true);
    for (const r of stack.sims.droplit.requests()) expect(r.headers.authorization).toBe(CANARY.droplitToken);
    for (const r of stack.sims.passbolt.requests()) expect(r.headers.authorization).toBe(`Bearer ${CANARY.passboltToken}`);
    for (const r of stack.sims.belladati.requests()) expect(r.headers.authorization).toContain(`oauth_token="${CANARY.belladatiToken}"`);
  });

  it('no canary reaches another provider, in a header, path or body', () => {
    const own = {
      syncano: [CANARY.syncanoApiKey, CANARY.syncanoUserKey],
      droplit: [CANARY.droplitToken],
      passbolt: [CANARY.passboltToken],
      belladati: [CANARY.belladatiToken],
    };
    for (const [name, sim] of Object.entries({
      syncano: stack.sims.syncano,
      droplit: stack.sims.droplit,
      passbolt: stack.sims.passbolt,
      belladati: stack.sims.belladati,
    })) {
      const seen = serialized(sim.requests());
      for (const canary of ALL_CANARIES) {
        if (own[name as keyof typeof own].includes(canary)) continue;
        expect(seen, `${name} saw another provider's credential`).not.toContain(canary);
      }
    }
  });

  it('no client header other than the provider credential is copied upstream', () => {
    for (const sim of [stack.sims.syncano, stack.sims.droplit, stack.sims.passbolt, stack.sims.belladati]) {
      for (const r of sim.requests()) {
        expect(Object.keys(r.headers).filter((h) => h.startsWith('x-syncano') || h.startsWith('x-droplit') || h.startsWith('x-passbolt') || h.startsWith('x-belladati'))).toEqual([]);
      }
    }
  });

  it('no canary, nor any part of one, appears in the response', () => {
    expect(body.errors?.length).toBeGreaterThan(0); // the two unknown ids
    for (const canary of ALL_CANARIES) {
      expect(responseText).not.toContain(canary);
      expect(responseText).not.toContain(canary.slice(0, 12));
      expect(responseText).not.toContain(canary.slice(-12));
    }
  });
});
