/**
 * The benchmark's data and scenarios: what every target is asked, the credentials it sends, how
 * many upstream calls each query must cost (the distinct (provider, id) count), and which scenarios
 * the peers (bench/peer/) answer.
 */
import { randomUUID } from 'node:crypto';
import { DEMO_CREDENTIALS } from '../src/simulators/demo-credentials.js';
import { loadDemoData, type SimulatorData } from '../src/simulators/index.js';

/**
 * Sixty extra Passbolt users (copies of Carol with their own ids): the first ten for the 50-alias
 * scenario, all of them so the list scenario's page of 50 is full.
 */
export function benchData(): { data: SimulatorData; passboltIds: string[] } {
  const data = loadDemoData();
  const carol = (data.passbolt.users as Array<{ username: string; profile: Record<string, unknown> }>).find((u) => u.username === 'carol@passbolt.com')!;
  const passboltIds: string[] = [];
  for (let i = 0; i < 60; i++) {
    const id = randomUUID();
    if (i < 10) passboltIds.push(id);
    data.passbolt.users.push({ ...structuredClone(carol), id, username: `bench${i}@passbolt.com`, profile: { ...structuredClone(carol.profile), user_id: id } });
  }
  return { data, passboltIds };
}

export const ALL_HEADERS: Record<string, string> = Object.assign({}, ...Object.values(DEMO_CREDENTIALS));

export interface Scenario {
  name: 'single' | 'aliases50' | 'fourProviders' | 'error' | 'list50';
  title: string;
  /** The GraphQL request body every target receives (baseline, gateway, peers). */
  body: string;
  /** Distinct (provider, id) pairs: upstream calls per query, exactly. */
  expectedCalls: number;
  /** Whether the response carries an expected GraphQL error. */
  expectsError: boolean;
  /**
   * Whether the peers (bench/peer/: Apollo Server with RESTDataSource, as documented and tuned) are
   * measured too: they resolve `user` and `me`, not the directory's lists.
   */
  peer: boolean;
}

export function scenarios(passboltIds: string[]): Scenario[] {
  const ada = 'f848277c-5398-58f8-a82a-72397af2d450';
  const aliases = Array.from({ length: 50 }, (_, i) => `u${i}: user(provider: PASSBOLT, id: "${passboltIds[i % 10]}") { id username displayName }`).join(' ');
  return [
    {
      name: 'single',
      title: 'S1 single user',
      body: JSON.stringify({
        operationName: 'single',
        query: 'query single($id: ID!) { user(provider: PASSBOLT, id: $id) { id username email displayName givenName familyName active createdAt } }',
        variables: { id: ada },
      }),
      expectedCalls: 1,
      expectsError: false,
      peer: true,
    },
    {
      name: 'aliases50',
      title: 'S2 50 aliases / 10 ids',
      body: JSON.stringify({ operationName: 'aliases50', query: `query aliases50 { ${aliases} }` }),
      expectedCalls: 10,
      expectsError: false,
      peer: true,
    },
    {
      name: 'fourProviders',
      title: 'S3 me+user x4 providers',
      body: JSON.stringify({
        operationName: 'fourProviders',
        query: `query fourProviders {
  sm: me(provider: SYNCANO) { id username } su: user(provider: SYNCANO, id: "1") { id username }
  dm: me(provider: DROPLIT) { id username } du: user(provider: DROPLIT, id: "C573b86eeee43dd7ba0244f8a;testUser") { id username }
  pm: me(provider: PASSBOLT) { id username } pu: user(provider: PASSBOLT, id: "${passboltIds[0]}") { id username }
  bm: me(provider: BELLADATI) { id username } bu: user(provider: BELLADATI, id: "124") { id username }
}`,
      }),
      // Syncano's `user` is the caller (id 1, scoped by the user key): served from `me`.
      expectedCalls: 7,
      expectsError: false,
      peer: true,
    },
    {
      name: 'error',
      title: 'S4 error (unknown id)',
      body: JSON.stringify({ operationName: 'error', query: 'query error { user(provider: BELLADATI, id: "999") { id username } }' }),
      expectedCalls: 1,
      expectsError: true,
      peer: true,
    },
    {
      name: 'list50',
      title: 'S5 one page of 50 users',
      body: JSON.stringify({
        operationName: 'list50',
        query: 'query list50 { users(provider: PASSBOLT, first: 50) { totalCount edges { node { id username displayName } } pageInfo { hasNextPage } } }',
      }),
      // One `GET /users.json?page=1&limit=50`: a page is one upstream call, never one per user.
      expectedCalls: 1,
      expectsError: false,
      peer: false,
    },
  ];
}

/** The name `--only` selects the cache scenario by (it measures the cases below). */
export const CACHE_SCENARIO = 'cached';

/** One request of the cache scenario: a body the cache-off gateway answers with `uncachedCalls` upstream calls. */
export interface CacheCase {
  title: string;
  body: string;
  uncachedCalls: number;
}

/**
 * S6, the cache of provider user records: S1's and S2's bodies (one Passbolt user; ten distinct ones
 * behind 50 aliases), the same bytes as those scenarios, so their rows compare line for line.
 */
export function cacheCases(passboltIds: string[]): CacheCase[] {
  const byName = new Map(scenarios(passboltIds).map((s) => [s.name, s]));
  return (['single', 'aliases50'] as const).map((name) => {
    const s = byName.get(name)!;
    return { title: `S6 ${s.title.replace(/^S\d+ /, '')}`, body: s.body, uncachedCalls: s.expectedCalls };
  });
}

/**
 * Isolation under failure: a request for a healthy provider alone (Droplit), timed while other clients
 * keep asking for a provider whose calls hang (Passbolt) alongside it.
 */
export function isolationBodies(): { healthy: string; withFailing: string } {
  const droplit = 'C573b86eeee43dd7ba0244f8a;testUser';
  const ada = 'f848277c-5398-58f8-a82a-72397af2d450';
  return {
    healthy: JSON.stringify({ query: `{ user(provider: DROPLIT, id: "${droplit}") { id username } }` }),
    withFailing: JSON.stringify({ query: `{ p: user(provider: PASSBOLT, id: "${ada}") { id } d: user(provider: DROPLIT, id: "${droplit}") { id username } }` }),
  };
}

/** The name `--only` selects the tracing scenario by (S7). */
export const TRACING_SCENARIO = 'tracing';

/**
 * S7, the cost of OpenTelemetry traces: S1's body (one Passbolt user: an operation span, a batch span
 * and an upstream attempt span per request), the same bytes as S1, so the rows compare line for line.
 */
export function tracingCase(passboltIds: string[]): { title: string; body: string; expectedCalls: number } {
  const single = scenarios(passboltIds).find((s) => s.name === 'single')!;
  return { title: `S7 ${single.title.replace(/^S\d+ /, '')}`, body: single.body, expectedCalls: single.expectedCalls };
}
