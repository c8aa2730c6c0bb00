/**
 * Apollo Client 4 with its default normalized cache against a live gateway: objects it normalizes
 * (`__typename` + `id`) must each be one object. Syncano and BellaDati both have a group with id "1"
 * here; a user must still be shown its own provider's group, and nothing the cache reads back may
 * differ from what the gateway sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client/core';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import { loadDemoData } from '../../src/simulators/index.js';
import { startStack, type Stack } from '../helpers/stack.js';

// Syncano's API key alone (no user key) may read every user of the instance.
const ALL_CREDENTIALS = { 'X-Syncano-Api-Key': DEMO_CREDENTIALS.SYNCANO['X-Syncano-Api-Key'], ...DEMO_CREDENTIALS.DROPLIT, ...DEMO_CREDENTIALS.PASSBOLT, ...DEMO_CREDENTIALS.BELLADATI };

/** The demo data, with BellaDati's groups renumbered so group "1" exists in Syncano and BellaDati. */
function collidingData() {
  const demo = loadDemoData();
  const renumber: Record<string, string> = { '56': '1', '345': '2' };
  // Raw BellaDati records (the simulator keeps them untyped).
  const users = (demo.belladati.users as any[]).map((user) => ({
    ...user,
    groups: (user.groups ?? []).map((group: { id: string }) => ({ ...group, id: renumber[group.id] ?? group.id })),
  }));
  return { belladati: { ...demo.belladati, users } };
}

const USER_WITH_GROUPS = gql`
  query UserWithGroups($provider: Provider!, $id: ID!) {
    user(provider: $provider, id: $id) {
      id
      username
      groups {
        id
        provider
        groupId
        name
      }
    }
  }
`;

function newClient(url: string) {
  return new ApolloClient({ link: new HttpLink({ uri: url, headers: ALL_CREDENTIALS, fetch }), cache: new InMemoryCache() });
}

describe('Apollo Client InMemoryCache (default settings) against the gateway', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      data: collidingData(),
      env: { MAX_TOKENS: '5000', MAX_ALIASES: '40', MAX_UPSTREAM_CALLS: '40', MAX_UPSTREAM_CALLS_PER_PROVIDER: '20' },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('keeps Syncano group 1 and BellaDati group 1 apart: each user shows its own groups', async () => {
    const client = newClient(stack.url);
    const syncano = await client.query<any>({ query: USER_WITH_GROUPS, variables: { provider: 'SYNCANO', id: '1' } });
    const belladati = await client.query<any>({ query: USER_WITH_GROUPS, variables: { provider: 'BELLADATI', id: '123' } });
    expect(syncano.data?.user.groups).toEqual([{ __typename: 'Group', id: 'SYNCANO:1', provider: 'SYNCANO', groupId: '1', name: 'witchers' }]);
    expect(belladati.data?.user.groups).toEqual([
      { __typename: 'Group', id: 'BELLADATI:1', provider: 'BELLADATI', groupId: '1', name: 'My User Group nr.1' },
    ]);

    // Read back after both were written: the Syncano user still has the Syncano group.
    const cachedSyncano = client.readQuery<any>({ query: USER_WITH_GROUPS, variables: { provider: 'SYNCANO', id: '1' } });
    const cachedBellaDati = client.readQuery<any>({ query: USER_WITH_GROUPS, variables: { provider: 'BELLADATI', id: '123' } });
    expect(cachedSyncano.user.groups.map((g: any) => g.name)).toEqual(['witchers']);
    expect(cachedBellaDati.user.groups.map((g: any) => g.name)).toEqual(['My User Group nr.1']);
    const keys = Object.keys(client.extract() as object);
    expect(keys).toEqual(expect.arrayContaining(['Group:SYNCANO:1', 'Group:BELLADATI:1', 'SyncanoUser:1', 'BellaDatiUser:123']));
    await client.clearStore();
  });

  it('also when a client asks for groups by `id` and `name` alone', async () => {
    const client = newClient(stack.url);
    const query = gql`
      query BothProviders {
        s: user(provider: SYNCANO, id: "1") { id groups { id name } }
        b: user(provider: BELLADATI, id: "123") { id groups { id name } }
      }
    `;
    const result = await client.query<any>({ query });
    expect(result.data?.s.groups.map((g: any) => g.name)).toEqual(['witchers']);
    expect(result.data?.b.groups.map((g: any) => g.name)).toEqual(['My User Group nr.1']);
    const cached = client.readQuery<any>({ query });
    expect(cached.s.groups.map((g: any) => g.name)).toEqual(['witchers']);
    expect(cached.b.groups.map((g: any) => g.name)).toEqual(['My User Group nr.1']);
  });

  it('with `possibleTypes` (as the README shows), a named fragment on the User interface reads back whole', async () => {
    const client = new ApolloClient({
      link: new HttpLink({ uri: stack.url, headers: ALL_CREDENTIALS, fetch }),
      cache: new InMemoryCache({ possibleTypes: { User: ['SyncanoUser', 'DroplitUser', 'PassboltUser', 'BellaDatiUser'] } }),
    });
    const query = gql`
      query Cards {
        s: user(provider: SYNCANO, id: "1") { ...Card }
        b: user(provider: BELLADATI, id: "123") { ...Card }
      }
      fragment Card on User { id provider username groups { id groupId name } }
    `;
    const result = await client.query<any>({ query });
    expect(result.data?.s).toMatchObject({ __typename: 'SyncanoUser', id: '1', username: 'geralt', groups: [{ id: 'SYNCANO:1', groupId: '1', name: 'witchers' }] });
    expect(result.data?.b).toMatchObject({ __typename: 'BellaDatiUser', id: '123', groups: [{ id: 'BELLADATI:1', groupId: '1', name: 'My User Group nr.1' }] });
    expect(client.readQuery({ query })).toEqual(result.data);
  });

  it('reads back exactly what the gateway sent for every type with an id, over many users of all four providers', async () => {
    // Every object type with an `id` field, for several users per provider (shared groups, roles, profiles).
    // Not `SyncanoGroup.name`: the slug only some Syncano versions send, which the demo data mixes.
    const selection = `
      __typename id provider username
      groups { __typename id provider groupId name description }
      ... on SyncanoUser { profile { __typename id owner revision } syncanoGroups { __typename id label description } }
      ... on DroplitUser { ecosystemId uniqueId access { __typename environmentId accessLevel } }
      ... on PassboltUser {
        roleId
        role { __typename id name description }
        profile { __typename id firstName lastName avatar { __typename id urlMedium } }
        gpgkey { __typename id fingerprint keyId }
        groupsUsers { __typename id groupId isAdmin }
      }
      ... on BellaDatiUser { domainId }`;
    const targets: [string, string][] = [
      ...['1', '2', '3', '5', '6'].map((id): [string, string] => ['SYNCANO', id]),
      ['DROPLIT', 'C573b86eeee43dd7ba0244f8a;test'],
      ['DROPLIT', 'C573b86eeee43dd7ba0244f8a;testUser'],
      ...['f848277c-5398-58f8-a82a-72397af2d450', 'd1db2a3e-1676-4440-bc34-1aacc89fa90f', 'f9235c17-6c07-4555-9ba4-ffea1d724849', '8bb80df5-700c-48ce-b568-85a60fc3c8f2'].map(
        (id): [string, string] => ['PASSBOLT', id],
      ),
      ...['123', '124', '126'].map((id): [string, string] => ['BELLADATI', id]),
    ];
    // Inline: a named fragment on the `User` interface would need `possibleTypes`, not a default setting.
    const query = `query ManyUsers {\n${targets.map(([provider, id], i) => `u${i}: user(provider: ${provider}, id: ${JSON.stringify(id)}) { ${selection} }`).join('\n')}\n}`;

    // What the gateway sends, straight off the wire.
    const wire = await stack.gql(query, {}, ALL_CREDENTIALS);
    expect(wire.body.errors).toBeUndefined();
    for (let i = 0; i < targets.length; i++) expect(wire.body.data[`u${i}`]).not.toBeNull();

    // Objects the cache would store under one key must be one object (same fields, same values).
    const byKey = new Map<string, string>();
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) return value.forEach(visit);
      if (!value || typeof value !== 'object') return;
      const object = value as Record<string, unknown>;
      if (typeof object.__typename === 'string' && object.id != null) {
        const key = `${object.__typename}:${String(object.id)}`;
        const shallow = JSON.stringify(Object.fromEntries(Object.entries(object).filter(([, v]) => !v || typeof v !== 'object')));
        if (byKey.has(key)) expect(shallow, key).toBe(byKey.get(key));
        else byKey.set(key, shallow);
      }
      Object.values(object).forEach(visit);
    };
    visit(wire.body.data);
    expect([...byKey.keys()].filter((k) => k.startsWith('Group:')).length).toBeGreaterThanOrEqual(5);

    // And Apollo Client's cache hands the same data back.
    const client = newClient(stack.url);
    const document = gql(query);
    const result = await client.query<any>({ query: document, fetchPolicy: 'network-only' });
    expect(result.data).toEqual(wire.body.data);
    expect(client.readQuery({ query: document })).toEqual(wire.body.data);
  });
});
