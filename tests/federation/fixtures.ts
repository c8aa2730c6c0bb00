/**
 * A second subgraph for the federation tests, "tickets", built with `@apollo/subgraph` and served by
 * Apollo Server over real HTTP, as another team's service would be. It adds `tickets` to every user
 * with `@interfaceObject` (Federation 2.3: it sees `User` as one object type, never the provider
 * types) and references users from its own data: `Ticket.assignee` is a `{ provider, id }` reference,
 * resolved by usergraph through `_entities`. The tickets are set per test (`setTickets`).
 *
 * And a third subgraph, "vault", that points at users the other way a subgraph can: by a provider's
 * own type (`PassboltUser`, a key-only stub), for secrets owned by Passbolt users. It is a subgraph
 * of its own because Hive Gateway 2.12 stops resolving the `@interfaceObject` field (`tickets`) of a
 * type that the same subgraph also declares as a stub.
 *
 * Also here: the ids the federation tests read, taken from the provider contract fixtures
 * (tests/contract/fixtures/), so every registered provider is covered, and simulator data with more
 * users than the demo data for batch counts.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse } from 'graphql';
import { PROVIDERS } from '../../src/providers/registry.js';
import { loadDemoData, type SimulatorData } from '../../src/simulators/index.js';
import type { ContractFixture } from '../contract/fixture.js';

export const TICKETS_SUBGRAPH = 'tickets';

/**
 * The tickets subgraph's SDL. `Provider` is declared with usergraph's values, identically: usergraph
 * takes it as an argument (input) and returns it (output), and composition requires an enum used both
 * ways to have the same values in every subgraph that defines it.
 */
export function ticketsTypeDefs(providers: readonly string[] = PROVIDERS): string {
  return /* GraphQL */ `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])

    enum Provider {
      ${providers.join('\n      ')}
    }

    type User @key(fields: "provider id") @interfaceObject {
      provider: Provider!
      id: ID!
      "Tickets assigned to the user."
      tickets: [Ticket!]!
    }

    type Ticket {
      id: ID!
      title: String!
      "Null when the ticket is unassigned, or when the assignee cannot be read."
      assignee: User
    }

    type Query {
      recentTickets: [Ticket!]!
    }
  `;
}

/** A user as another subgraph knows one: the key fields. */
export interface UserKey {
  provider: string;
  id: string;
}

export interface Ticket {
  id: string;
  title: string;
  assignee: UserKey | null;
}

export interface TicketsSubgraph {
  /** The subgraph's GraphQL URL. */
  url: string;
  setTickets(tickets: readonly Ticket[]): void;
  close(): Promise<void>;
}

export async function startTicketsSubgraph(): Promise<TicketsSubgraph> {
  let tickets: readonly Ticket[] = [];
  const resolvers = {
    Query: { recentTickets: () => tickets },
    Ticket: { assignee: (ticket: Ticket) => ticket.assignee && { provider: ticket.assignee.provider, id: ticket.assignee.id } },
    User: {
      __resolveReference: (reference: UserKey) => reference,
      tickets: (user: UserKey) => tickets.filter((t) => t.assignee?.provider === user.provider && t.assignee.id === user.id),
    },
  };
  const { url, close } = await serveSubgraph(ticketsTypeDefs(), resolvers);
  return {
    url,
    setTickets(next) {
      tickets = next;
    },
    close,
  };
}

export const VAULT_SUBGRAPH = 'vault';

/** The vault subgraph's SDL: `PassboltUser` is a key-only stub, resolved by usergraph. */
export function vaultTypeDefs(providers: readonly string[] = PROVIDERS): string {
  return /* GraphQL */ `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

    enum Provider {
      ${providers.join('\n      ')}
    }

    type PassboltUser @key(fields: "provider id", resolvable: false) {
      provider: Provider!
      id: ID!
    }

    type Secret {
      id: ID!
      "The Passbolt user owning the secret."
      owner: PassboltUser
    }

    type Query {
      sharedSecrets: [Secret!]!
    }
  `;
}

export interface Secret {
  id: string;
  /** A Passbolt user id. */
  owner: string;
}

export interface VaultSubgraph {
  url: string;
  setSecrets(secrets: readonly Secret[]): void;
  close(): Promise<void>;
}

export async function startVaultSubgraph(): Promise<VaultSubgraph> {
  let secrets: readonly Secret[] = [];
  const resolvers = {
    Query: { sharedSecrets: () => secrets },
    Secret: { owner: (secret: Secret) => ({ provider: 'PASSBOLT', id: secret.owner }) },
  };
  const { url, close } = await serveSubgraph(vaultTypeDefs(), resolvers);
  return {
    url,
    setSecrets(next) {
      secrets = next;
    },
    close,
  };
}

/** A subgraph schema served by Apollo Server on a free loopback port. */
async function serveSubgraph(typeDefs: string, resolvers: object): Promise<{ url: string; close: () => Promise<void> }> {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as GraphQLResolverMap<unknown> }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, close: () => server.stop() };
}

/** `count` tickets assigned round robin to `users`: `ticket-<prefix>-<n>`. */
export function ticketsFor(users: readonly UserKey[], count = users.length, prefix = 't'): Ticket[] {
  return Array.from({ length: count }, (_, n) => ({ id: `ticket-${prefix}-${n + 1}`, title: `Ticket ${n + 1}`, assignee: users[n % users.length]! }));
}

/** Every registered provider's contract fixture (tests/contract/fixtures/<provider>.ts), in registry order. */
export async function loadContractFixtures(): Promise<ContractFixture[]> {
  return Promise.all(
    PROVIDERS.map(async (provider) => {
      const module = (await import(`../contract/fixtures/${provider.toLowerCase()}.ts`)) as { default: ContractFixture };
      return module.default;
    }),
  );
}

/**
 * Demo data plus Syncano users with ids 1001…1000+count (copies of demo user 66 under new ids), for
 * batches larger than the demo data's seven Syncano users.
 */
export function dataWithExtraSyncanoUsers(count: number): Partial<SimulatorData> {
  const demo = loadDemoData();
  const users = demo.syncano.users as Array<Record<string, unknown>>;
  const template = JSON.stringify(users.find((u) => u.id === 66));
  for (let n = 1; n <= count; n++) {
    const id = 1000 + n;
    const user = JSON.parse(template.replaceAll('/users/66/', `/users/${id}/`)) as Record<string, unknown> & { profile: Record<string, unknown> };
    Object.assign(user, { id, username: `syncano-user-${id}` });
    delete user.user_key;
    Object.assign(user.profile, { owner: id, id: 5000 + n });
    users.push(user);
  }
  return { syncano: demo.syncano };
}
