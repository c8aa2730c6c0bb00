/**
 * usergraph behind a real federation router: Hive Gateway's runtime serving the supergraph of
 * usergraph and two more subgraphs (tickets, which references users of every provider through
 * `@interfaceObject`, and vault, which references `PassboltUser`), everything over HTTP on loopback.
 * What a client of the router gets must be what usergraph gives directly, at the same upstream cost
 * (one set of loaders per request: 40 references to 10 Syncano users are one batch call), with
 * per-reference errors, the upstream budget applied to the router's `_entities` request, and the
 * provider credentials forwarded by the router to usergraph alone
 * (deploy/federation/hive-gateway.config.ts).
 */
import { request } from 'node:http';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { composeUsergraphSupergraph, USERGRAPH_DEFAULT_URL, USERGRAPH_SUBGRAPH } from '../../scripts/compose-supergraph.js';
import { PROVIDER_MODULES } from '../../src/providers/registry.js';
import { loadDemoData } from '../../src/simulators/index.js';
import { allSims, simByKey, UNIFIED_SELECTION } from '../contract/context.js';
import type { ContractFixture } from '../contract/fixture.js';
import {
  dataWithExtraSyncanoUsers,
  loadContractFixtures,
  startTicketsSubgraph,
  startVaultSubgraph,
  ticketsFor,
  type TicketsSubgraph,
  type UserKey,
  type VaultSubgraph,
} from './fixtures.js';
import { startFederation, type Federation } from './harness.js';

const fixtures = await loadContractFixtures();
/** Headers that let usergraph read every fixture id of every provider. */
const READ_HEADERS = Object.assign({}, ...fixtures.map((f) => f.headers)) as Record<string, string>;

/** Room for every test's operation (and the direct queries they compare with); the defaults have their own federation below. */
const RAISED_BUDGET = { MAX_UPSTREAM_CALLS: '100', MAX_UPSTREAM_CALLS_PER_PROVIDER: '50', MAX_TOKENS: '20000', MAX_ALIASES: '100' };

/** Every unified field, and one field of each provider's own type. */
const USER_SELECTION = `{
  __typename
  ${UNIFIED_SELECTION.slice(1, -1)}
  ... on SyncanoUser { links { self } }
  ... on DroplitUser { ecosystemId uniqueId }
  ... on PassboltUser { role { name } }
  ... on BellaDatiUser { domainId }
  ... on ScimUser { externalId }
}`;

const RECENT_TICKETS = `{ recentTickets { id title assignee ${USER_SELECTION} } }`;

/** The fixture's known user and its two others, as references. */
const readableUsers = (f: ContractFixture): UserKey[] => [f.known.id, ...f.others].map((id) => ({ provider: f.provider, id }));

/** `u0: user(provider: P, id: "…") <selection>` for each reference: what usergraph answers directly. */
function directQuery(users: readonly UserKey[]): string {
  return `{ ${users.map((u, n) => `u${n}: user(provider: ${u.provider}, id: ${JSON.stringify(u.id)}) ${USER_SELECTION}`).join('\n')} }`;
}

/** The `_entities` requests the router sent usergraph, parsed. */
function entityRequests(federation: Federation): Array<{ query: string; representations: UserKey[] }> {
  return federation.usergraph
    .exchanges()
    .map((e) => JSON.parse(e.body) as { query: string; variables?: Record<string, unknown> })
    .filter((b) => b.query.includes('_entities'))
    .map((b) => ({ query: b.query, representations: Object.values(b.variables ?? {}).flat() as UserKey[] }));
}

/** POSTs an operation with node:http, which (unlike fetch) can send a header more than once. */
function postWithRepeatedHeaders(url: string, query: string, headers: Record<string, string | string[]>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ query }));
  });
}

const simOf = (federation: Federation, provider: string) => simByKey(federation.stack, provider.toLowerCase());

let tickets: TicketsSubgraph;
let vault: VaultSubgraph;
beforeAll(async () => {
  tickets = await startTicketsSubgraph();
  vault = await startVaultSubgraph();
});
afterAll(async () => {
  await tickets?.close();
  await vault?.close();
});

describe('through Hive Gateway, with the budget raised', () => {
  let federation: Federation;
  beforeAll(async () => {
    federation = await startFederation({ tickets, vault }, { env: RAISED_BUDGET, data: dataWithExtraSyncanoUsers(3) });
  });
  afterAll(async () => {
    await federation?.close();
  });
  beforeEach(() => federation.clearRequests());

  it('a query starting in tickets returns, for users of every provider, what user(provider, id) returns directly', async () => {
    const users = fixtures.flatMap(readableUsers);
    expect(new Set(users.map((u) => u.provider))).toEqual(new Set(PROVIDER_MODULES.map((m) => m.name)));
    tickets.setTickets(ticketsFor(users));

    const res = await federation.gql(RECENT_TICKETS, {}, READ_HEADERS);
    expect(res.status).toBe(200);
    expect(res.body.errors, res.text).toBeUndefined();
    const direct = await federation.stack.gql(directQuery(users), {}, READ_HEADERS);
    expect(direct.body.errors, direct.text).toBeUndefined();

    expect(res.body.data.recentTickets).toHaveLength(users.length);
    users.forEach((user, n) => {
      const assignee = res.body.data.recentTickets[n].assignee;
      expect(assignee, `${user.provider} ${user.id}`).toEqual(direct.body.data[`u${n}`]);
      expect(assignee.__typename).toBe(PROVIDER_MODULES.find((m) => m.name === user.provider)!.typeName);
    });
  });

  it('the router asks usergraph once, with every reference in one _entities request, and each provider as for a direct query', async () => {
    const users = fixtures.flatMap(readableUsers);
    tickets.setTickets(ticketsFor(users));
    const res = await federation.gql(RECENT_TICKETS, {}, READ_HEADERS);
    expect(res.body.errors, res.text).toBeUndefined();

    const requests = entityRequests(federation);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.representations.map(({ provider, id }) => ({ provider, id }))).toEqual(users);
    const viaRouter = Object.fromEntries(allSims(federation.stack).map(([key, sim]) => [key, sim.requests().length]));

    federation.clearRequests();
    await federation.stack.gql(directQuery(users), {}, READ_HEADERS);
    const direct = Object.fromEntries(allSims(federation.stack).map(([key, sim]) => [key, sim.requests().length]));
    expect(viaRouter).toEqual(direct);
  });

  it('a query starting in usergraph gets a user’s tickets from the tickets subgraph', async () => {
    const passbolt = fixtures.find((f) => f.provider === 'PASSBOLT')!;
    const [ada, carol] = [passbolt.others[0], passbolt.known.id];
    tickets.setTickets([
      { id: 'ticket-a', title: 'Rotate keys', assignee: { provider: 'PASSBOLT', id: ada } },
      { id: 'ticket-b', title: 'Audit', assignee: { provider: 'PASSBOLT', id: carol } },
      { id: 'ticket-c', title: 'Renew', assignee: { provider: 'PASSBOLT', id: ada } },
    ]);
    const res = await federation.gql(`query($id: ID!) { user(provider: PASSBOLT, id: $id) { id username tickets { id title } } }`, { id: ada }, READ_HEADERS);
    expect(res.body.errors, res.text).toBeUndefined();
    expect(res.body.data.user.id).toBe(ada);
    expect(res.body.data.user.tickets).toEqual([
      { id: 'ticket-a', title: 'Rotate keys' },
      { id: 'ticket-c', title: 'Renew' },
    ]);
    expect(simOf(federation, 'PASSBOLT').requests()).toHaveLength(1);
  });

  const demo = loadDemoData();
  /** The demo data's seven Syncano users and the three added ones; the demo data's six Passbolt users. */
  const syncanoIds = [...(demo.syncano.users as Array<{ id: number }>).map((u) => String(u.id)), '1001', '1002', '1003'];
  const passboltIds = (demo.passbolt.users as Array<{ id: string }>).map((u) => u.id);

  /** Asserts one Syncano batch call for the 10 Syncano users, one call per Passbolt user, none elsewhere. */
  function expectOneCallPerDistinctUser() {
    const syncano = simOf(federation, 'SYNCANO').requests();
    expect(syncano).toHaveLength(1);
    expect(syncano[0]!.path).toBe('/v1.1/instances/rivia/batch/');
    expect(JSON.parse(syncano[0]!.body).requests).toHaveLength(10);
    const passbolt = simOf(federation, 'PASSBOLT').requests();
    expect(passbolt.map((r) => r.path).sort()).toEqual(passboltIds.map((id) => `/users/${id}.json`).sort());
    for (const [key, sim] of allSims(federation.stack)) if (key !== 'syncano' && key !== 'passbolt') expect(sim.requests(), key).toHaveLength(0);
  }

  it('40 tickets over 10 Syncano users cost one Syncano batch call; 40 over 6 Passbolt users, 6 calls', async () => {
    expect(syncanoIds).toHaveLength(10);
    expect(passboltIds).toHaveLength(6);
    tickets.setTickets([
      ...ticketsFor(
        syncanoIds.map((id) => ({ provider: 'SYNCANO', id })),
        40,
        'syncano',
      ),
      ...ticketsFor(
        passboltIds.map((id) => ({ provider: 'PASSBOLT', id })),
        40,
        'passbolt',
      ),
    ]);

    const res = await federation.gql(`{ recentTickets { id assignee { provider id username } } }`, {}, READ_HEADERS);
    expect(res.status).toBe(200);
    const assignees = res.body.data.recentTickets.map((t: { assignee: { id: string } | null }) => t.assignee?.id);
    expect(assignees.slice(0, 40)).toEqual(Array.from({ length: 40 }, (_, n) => syncanoIds[n % 10]));

    expectOneCallPerDistinctUser();

    // One `_entities` request; Hive Gateway 2.12 sends each distinct reference once (16 of the 80).
    const requests = entityRequests(federation);
    expect(requests).toHaveLength(1);
    expect(new Set(requests[0]!.representations.map((r) => `${r.provider}/${r.id}`)).size).toBe(16);
  });

  it('usergraph folds repeated representations itself: 80 sent directly for 16 users cost the same calls', async () => {
    const representations = Array.from({ length: 40 }, (_, n) => [
      { __typename: 'User', provider: 'SYNCANO', id: syncanoIds[n % 10] },
      { __typename: 'PassboltUser', provider: 'PASSBOLT', id: passboltIds[n % 6] },
    ]).flat();
    const res = await federation.stack.gql(
      `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { provider id } } }`,
      { representations },
      READ_HEADERS,
    );
    expect(res.status).toBe(200);
    expect(res.body.data._entities).toHaveLength(80);
    expect(res.body.data._entities[2]).toEqual({ provider: 'SYNCANO', id: syncanoIds[1] });
    expectOneCallPerDistinctUser();
  });

  it('an assignee that does not exist is null while the others resolve; usergraph answers each with its own NOT_FOUND', async () => {
    const users: UserKey[] = fixtures.flatMap((f) => [
      { provider: f.provider, id: f.known.id },
      { provider: f.provider, id: f.missing },
    ]);
    tickets.setTickets(ticketsFor(users));
    const res = await federation.gql(`{ recentTickets { id assignee { provider id username } } }`, {}, READ_HEADERS);
    expect(res.status).toBe(200);
    const list = res.body.data.recentTickets as Array<{ assignee: { provider: string; id: string; username: string } | null }>;
    expect(list).toHaveLength(users.length);
    users.forEach((user, n) => {
      if (n % 2 === 0) expect(list[n]!.assignee, `${user.provider} ${user.id}`).toMatchObject({ provider: user.provider, id: user.id });
      else expect(list[n]!.assignee, `${user.provider} ${user.id}`).toBeNull();
    });
    // Hive Gateway 2.12 does not pass on the errors of an entity batch resolved for an
    // @interfaceObject reference (for a concrete-type reference it does, below): each is checked
    // where usergraph answers the router, and any the router does pass on must be these.
    const [exchange] = federation.usergraph.exchanges();
    const answer = JSON.parse(exchange!.responseBody) as { data: { _entities: unknown[] }; errors: Array<{ path: Array<string | number>; extensions: Record<string, unknown> }> };
    const { representations } = entityRequests(federation)[0]!;
    expect(answer.errors).toHaveLength(fixtures.length);
    for (const f of fixtures) {
      const index = representations.findIndex((r) => r.provider === f.provider && r.id === f.missing);
      expect(answer.data._entities[index]).toBeNull();
      expect(answer.errors.find((e) => e.extensions.provider === f.provider)).toMatchObject({ path: ['_entities', index], extensions: { code: 'NOT_FOUND' } });
    }
    for (const error of res.body.errors ?? []) expect(error.extensions?.code).toBe('NOT_FOUND');
  });

  it('a concrete-type reference (vault: PassboltUser) that cannot be read gets its own error through the router: NOT_FOUND, or BAD_USER_INPUT with no upstream call', async () => {
    const passbolt = fixtures.find((f) => f.provider === 'PASSBOLT')!;
    const owners = [passbolt.known.id, passbolt.missing, passbolt.invalidIds[0]!];
    vault.setSecrets(owners.map((owner, n) => ({ id: `secret-${n}`, owner })));
    const res = await federation.gql(`{ sharedSecrets { id owner { id username } } }`, {}, READ_HEADERS);
    expect(res.status).toBe(200);
    expect(res.body.data.sharedSecrets.map((s: { owner: unknown }) => s.owner)).toEqual([{ id: passbolt.known.id, username: passbolt.known.unified.username }, null, null]);
    const errors = res.body.errors as Array<{ path: Array<string | number>; extensions: Record<string, unknown> }>;
    expect(errors).toHaveLength(2);
    expect(errors.find((e) => e.path[1] === 1)).toMatchObject({ extensions: { code: 'NOT_FOUND', provider: 'PASSBOLT', serviceName: 'usergraph' } });
    expect(errors.find((e) => e.path[1] === 2)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', provider: 'PASSBOLT', serviceName: 'usergraph' } });
    for (const error of errors) expect(error.path.slice(0, 3)).toEqual(['sharedSecrets', error.path[1], 'owner']);
    expect(
      simOf(federation, 'PASSBOLT')
        .requests()
        .map((r) => r.path)
        .sort(),
    ).toEqual([`/users/${passbolt.known.id}.json`, `/users/${passbolt.missing}.json`].sort());
  });

  it('x-request-id and cache-control reach every subgraph; provider credentials reach usergraph alone', async () => {
    const ada = fixtures.find((f) => f.provider === 'PASSBOLT')!.known.id;
    tickets.setTickets(ticketsFor([{ provider: 'PASSBOLT', id: ada }]));
    vault.setSecrets([{ id: 'secret-1', owner: ada }]);
    const res = await federation.gql(`{ recentTickets { assignee { id } } sharedSecrets { owner { username } } }`, {}, {
      ...READ_HEADERS,
      'x-request-id': 'federation-request-1',
      'cache-control': 'no-cache',
      'x-unrelated': 'kept-at-the-router',
    });
    expect(res.body.errors, res.text).toBeUndefined();
    const [toUsergraph] = federation.usergraph.exchanges();
    const others = [...federation.tickets.exchanges(), ...federation.vault.exchanges()];
    expect(others).toHaveLength(2);
    for (const exchange of [toUsergraph!, ...others]) {
      expect(exchange.headers['x-request-id']).toBe('federation-request-1');
      expect(exchange.headers['cache-control']).toBe('no-cache');
      expect(exchange.headers['x-unrelated']).toBeUndefined();
    }
    for (const [name, value] of Object.entries(READ_HEADERS)) {
      expect(toUsergraph!.headers[name.toLowerCase()], name).toBe(value);
      for (const exchange of others) expect(exchange.headers[name.toLowerCase()], name).toBeUndefined();
    }
  });

  it.each(fixtures.map((f) => [f.provider, f] as const))(
    '%s: a credential header sent twice reaches usergraph joined into one value, which it refuses (MALFORMED_CREDENTIALS) with no upstream call',
    async (_provider, f) => {
      tickets.setTickets(ticketsFor([{ provider: f.provider, id: f.known.id }]));
      const value = f.headers[f.credentialHeader] ?? f.me.headers[f.credentialHeader];
      expect(value, `${f.credentialHeader} is one of the fixture's headers`).toBeDefined();
      const res = await postWithRepeatedHeaders(federation.url, `{ recentTickets { assignee { username } } }`, { ...f.headers, ...f.me.headers, [f.credentialHeader]: [value!, `${value}x`] });
      expect(res).toContain('"assignee":null');
      const [exchange] = federation.usergraph.exchanges();
      // The router reads headers through the Fetch API, whose Headers join a repeated header with ", ".
      expect(exchange!.headers[f.credentialHeader.toLowerCase()]).toBe(`${value}, ${value}x`);
      expect(JSON.parse(exchange!.responseBody).errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', provider: f.provider, reason: 'MALFORMED_CREDENTIALS' });
      expect(exchange!.responseBody).not.toContain(value);
      expect(res).not.toContain(value);
      for (const [key, sim] of allSims(federation.stack)) expect(sim.requests(), key).toHaveLength(0);
    },
  );

  it("each provider's canary credential reaches only its own simulator through the router, and no response", async () => {
    const canaryHeaders = Object.assign({}, ...fixtures.map((f) => f.canaryHeaders)) as Record<string, string>;
    const canaries = Object.values(canaryHeaders);
    expect(new Set(canaries).size).toBe(canaries.length);
    tickets.setTickets(ticketsFor(fixtures.map((f) => ({ provider: f.provider, id: f.known.id }))));
    vault.setSecrets([{ id: 'secret-1', owner: fixtures.find((f) => f.provider === 'PASSBOLT')!.known.id }]);

    const res = await federation.gql(`{ recentTickets { id assignee ${USER_SELECTION} } sharedSecrets { owner { username } } }`, {}, canaryHeaders);
    expect(res.status).toBe(200);

    for (const f of fixtures) {
      const own = simOf(federation, f.provider).requests();
      expect(own.length, `${f.provider} was asked`).toBeGreaterThan(0);
      const token = f.canaryHeaders[f.credentialHeader]!;
      for (const request of own) expect(JSON.stringify(request.headers), `${f.provider}'s credential in its upstream request`).toContain(token);
      const seen = JSON.stringify(own);
      for (const other of fixtures) {
        if (other === f) continue;
        for (const canary of Object.values(other.canaryHeaders)) expect(seen, `${other.provider}'s canary reached ${f.provider}`).not.toContain(canary);
      }
    }
    const toOthers = JSON.stringify([...federation.tickets.exchanges(), ...federation.vault.exchanges()]);
    const answers = [res.text, ...federation.usergraph.exchanges().map((e) => e.responseBody)];
    for (const canary of canaries) {
      expect(toOthers, 'a canary reached another subgraph').not.toContain(canary);
      for (const answer of answers) expect(answer).not.toContain(canary);
    }
    // Nor any part of a secret (a user name or user id header may share a domain or prefix with real data).
    for (const f of fixtures) {
      const token = f.canaryHeaders[f.credentialHeader]!;
      for (const answer of answers) {
        expect(answer).not.toContain(token.slice(0, 12));
        expect(answer).not.toContain(token.slice(-12));
      }
    }
  });
});

describe('through Hive Gateway, with the default budget', () => {
  let federation: Federation;
  beforeAll(async () => {
    federation = await startFederation({ tickets, vault });
  });
  afterAll(async () => {
    await federation?.close();
  });

  const passboltIds = (loadDemoData().passbolt.users as Array<{ id: string }>).map((u) => u.id);
  beforeEach(() => federation.clearRequests());

  it('an entity batch over budget (6 Passbolt reads > 5 per provider) is refused by usergraph as a whole, with no upstream call', async () => {
    expect(passboltIds.length).toBeGreaterThan(federation.stack.config.limits.maxUpstreamCallsPerProvider);
    tickets.setTickets(
      ticketsFor(
        passboltIds.map((id) => ({ provider: 'PASSBOLT', id })),
        40,
      ),
    );
    const res = await federation.gql(`{ recentTickets { id assignee { id username } } }`, {}, READ_HEADERS);
    expect(res.status).toBe(200);
    expect(res.body.data.recentTickets).toHaveLength(40);
    for (const ticket of res.body.data.recentTickets) expect(ticket.assignee).toBeNull();
    const [exchange] = federation.usergraph.exchanges();
    expect(exchange!.status).toBe(400);
    expect(JSON.parse(exchange!.responseBody).errors[0]).toMatchObject({ extensions: { code: 'OPERATION_TOO_EXPENSIVE' } });
    expect(exchange!.responseBody).toContain('MAX_UPSTREAM_CALLS_PER_PROVIDER');
    for (const error of res.body.errors ?? []) expect(error.extensions?.code).toBe('OPERATION_TOO_EXPENSIVE');
    for (const [key, sim] of allSims(federation.stack)) expect(sim.requests(), key).toHaveLength(0);
  });

  it('OPERATION_TOO_EXPENSIVE reaches the client through the router for concrete-type references (vault), with no upstream call', async () => {
    vault.setSecrets(passboltIds.map((owner, n) => ({ id: `secret-${n}`, owner })));
    const res = await federation.gql(`{ sharedSecrets { id owner { id username } } }`, {}, READ_HEADERS);
    expect(res.status).toBe(200);
    for (const secret of res.body.data.sharedSecrets) expect(secret.owner).toBeNull();
    expect(res.body.errors?.length, res.text).toBeGreaterThan(0);
    for (const error of res.body.errors) {
      expect(error.extensions).toMatchObject({ code: 'OPERATION_TOO_EXPENSIVE', serviceName: 'usergraph' });
      expect(error.message).toContain('MAX_UPSTREAM_CALLS_PER_PROVIDER');
    }
    for (const [key, sim] of allSims(federation.stack)) expect(sim.requests(), key).toHaveLength(0);
  });
});

describe('with introspection off (production-like)', () => {
  let federation: Federation;
  beforeAll(async () => {
    federation = await startFederation({ tickets, vault }, { env: { INTROSPECTION: 'false' } });
  });
  afterAll(async () => {
    await federation?.close();
  });

  it('usergraph refuses __schema but still answers _service { sdl }, and the router works', async () => {
    const introspection = await federation.stack.gql('{ __schema { queryType { name } } }');
    expect(introspection.body.data?.__schema ?? null).toBeNull();
    expect(introspection.body.errors?.length).toBeGreaterThan(0);

    const service = await federation.stack.gql('{ _service { sdl } }');
    expect(service.body.errors, service.text).toBeUndefined();
    // The SDL as @apollo/subgraph serves it (its expanded form); it composes to the same supergraph as `print-subgraph`'s.
    const composed = composeServices([{ name: USERGRAPH_SUBGRAPH, typeDefs: parse(service.body.data._service.sdl), url: USERGRAPH_DEFAULT_URL }]);
    expect(compositionHasErrors(composed) ? composed.errors.map((e) => e.message) : []).toEqual([]);
    expect(compositionHasErrors(composed) ? undefined : composed.supergraphSdl).toBe(composeUsergraphSupergraph());

    const passbolt = fixtures.find((f) => f.provider === 'PASSBOLT')!;
    tickets.setTickets(ticketsFor([{ provider: 'PASSBOLT', id: passbolt.known.id }]));
    const res = await federation.gql(`{ recentTickets { assignee { id username } } }`, {}, READ_HEADERS);
    expect(res.body.errors, res.text).toBeUndefined();
    expect(res.body.data.recentTickets[0].assignee).toEqual({ id: passbolt.known.id, username: passbolt.known.unified.username });
  });
});
