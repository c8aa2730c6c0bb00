/**
 * The peer: what a team would build without usergraph, the way Apollo documents it. Apollo Server 5
 * behind `startStandaloneServer`, the gateway's own SDL (`loadTypeDefsWithDirectives` from
 * src/schema.ts, so the schema and the answers are the gateway's), resolvers for `user` and `me`
 * over one RESTDataSource per provider (./data-sources.ts), made anew for every request in the
 * `context` function with the server's `cache`, as in
 * https://www.apollographql.com/docs/apollo-server/data/fetching-rest.
 *
 * `node dist-bench/bench/peer/server.js`: as documented (Apollo's defaults: the cache-control plugin
 * on, a deep copy of a deduplicated GET's body for each caller). With `--tuned`: the cache-control
 * plugin off (`ApolloServerPluginCacheControlDisabled`, as the gateway runs) and deduplicated bodies
 * shared. Reads the gateway's provider variables (SYNCANO_URL, …) and PORT; prints `{"url": …}`
 * once listening. Answers S1–S4 of the benchmark (bench/scenarios.ts); it has no list resolvers.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GraphQLError } from 'graphql';
import type { ProviderName, UserModel } from '../../src/model.js';
import { DateTime, JSON as JSONScalar } from '../../src/resolvers/scalars.js';
import { loadTypeDefsWithDirectives } from '../../src/schema.js';
import { BellaDatiAPI, DroplitAPI, PassboltAPI, SyncanoAPI, type PeerConfig, type PeerDataSourceOptions } from './data-sources.js';

const TUNED = process.argv.includes('--tuned');

type UserAPI = SyncanoAPI | DroplitAPI | PassboltAPI | BellaDatiAPI;

interface PeerContext {
  dataSources: Partial<Record<ProviderName, UserAPI>>;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const config: PeerConfig = {
  syncanoUrl: required('SYNCANO_URL'),
  syncanoInstance: required('SYNCANO_INSTANCE'),
  droplitUrl: required('DROPLIT_URL'),
  passboltUrl: required('PASSBOLT_URL'),
  bellaDatiUrl: required('BELLADATI_URL'),
  bellaDatiConsumerKey: required('BELLADATI_CONSUMER_KEY'),
};

function dataSource(context: PeerContext, provider: ProviderName): UserAPI {
  const api = context.dataSources[provider];
  if (!api) throw new GraphQLError(`The peer does not serve ${provider}.`, { extensions: { code: 'BAD_USER_INPUT' } });
  return api;
}

const resolvers = {
  Query: {
    user: (_: unknown, args: { provider: ProviderName; id: string }, context: PeerContext) => dataSource(context, args.provider).user(args.id),
    me: (_: unknown, args: { provider: ProviderName }, context: PeerContext) => dataSource(context, args.provider).me(),
  },
  User: {
    // Each mapped user names its implementing type (src/model.ts).
    __resolveType: (user: UserModel) => user.__typename,
  },
  DateTime,
  JSON: JSONScalar,
};

const server = new ApolloServer<PeerContext>({
  typeDefs: loadTypeDefsWithDirectives().join('\n'),
  resolvers,
  plugins: TUNED ? [ApolloServerPluginCacheControlDisabled()] : [],
});

const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT ?? 0), host: '127.0.0.1' },
  context: async ({ req }) => {
    const { cache } = server;
    const options: PeerDataSourceOptions = { cache, config, headers: req.headers, shareParsedBodies: TUNED };
    return {
      dataSources: {
        SYNCANO: new SyncanoAPI(options),
        DROPLIT: new DroplitAPI(options),
        PASSBOLT: new PassboltAPI(options),
        BELLADATI: new BellaDatiAPI(options),
      },
    };
  },
});

process.stdout.write(`${JSON.stringify({ url: new URL('graphql', url).href })}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
