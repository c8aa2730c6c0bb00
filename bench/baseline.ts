/**
 * The practical limit: a plain node:http server doing the same work as the gateway for each benchmark
 * scenario, without GraphQL. It uses the gateway's own upstream client, adapters and mapping (through
 * the provider registry, so the same pools, retries and breakers), de-duplicates ids the same way, and
 * answers byte-identical JSON. It reads the same request body and dispatches on `operationName`.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.js';
import { GatewayError } from '../src/errors.js';
import { createSilentLogger } from '../src/logger.js';
import type { ProviderName, UserModel } from '../src/model.js';
import { callOptions, createRequestScope, type UpstreamCallOptions } from '../src/providers/request-scope.js';
import { createRegistry } from '../src/providers/registry.js';

const config = loadConfig(process.env);
const registry = createRegistry(config.providers, { logger: createSilentLogger() });

function adapter(provider: ProviderName) {
  const a = registry.get(provider);
  if (!a) throw new Error(`${provider} not configured`);
  return a;
}

const pick = (user: UserModel, fields: readonly string[]) => Object.fromEntries(fields.map((f) => [f, (user as unknown as Record<string, unknown>)[f]]));

async function one(provider: ProviderName, id: string, req: IncomingMessage, call: UpstreamCallOptions): Promise<UserModel> {
  const a = adapter(provider);
  const [result] = await a.fetchUsers([a.normalizeId(id)], a.readCredentials(req.headersDistinct), call);
  if (result instanceof GatewayError) throw result;
  return result!;
}

const handlers: Record<string, (body: { variables?: Record<string, string>; query: string }, req: IncomingMessage, call: UpstreamCallOptions) => Promise<unknown>> = {
  async single(body, req, call) {
    const user = await one('PASSBOLT', body.variables!.id!, req, call);
    return { data: { user: pick(user, ['id', 'username', 'email', 'displayName', 'givenName', 'familyName', 'active', 'createdAt']) } };
  },
  async aliases50(body, req, call) {
    const ids = [...body.query.matchAll(/id: "([^"]+)"/g)].map((m) => m[1]!);
    const a = adapter('PASSBOLT');
    const unique = [...new Set(ids.map((id) => a.normalizeId(id)))];
    const users = await a.fetchUsers(unique, a.readCredentials(req.headersDistinct), call);
    const byId = new Map(unique.map((id, i) => [id, users[i] as UserModel]));
    return { data: Object.fromEntries(ids.map((id, i) => [`u${i}`, pick(byId.get(a.normalizeId(id))!, ['id', 'username', 'displayName'])])) };
  },
  async fourProviders(_body, req, call) {
    const pairs: Array<[ProviderName, string, string, string]> = [
      ['SYNCANO', '1', 'sm', 'su'],
      ['DROPLIT', 'C573b86eeee43dd7ba0244f8a;testUser', 'dm', 'du'],
      ['PASSBOLT', /pu: user\(provider: PASSBOLT, id: "([^"]+)"/.exec(_body.query)![1]!, 'pm', 'pu'],
      ['BELLADATI', '124', 'bm', 'bu'],
    ];
    const results = await Promise.all(
      pairs.map(async ([provider, id]) => {
        const a = adapter(provider);
        const creds = a.readCredentials(req.headersDistinct);
        const mePromise = a.fetchMe(creds, call);
        // Like the gateway's loaders: a `user` whose id is the caller's is served from `me`.
        const me = await mePromise;
        const user = a.normalizeId(id) === me.id ? me : await one(provider, id, req, call);
        return [me, user] as const;
      }),
    );
    const data: Record<string, unknown> = {};
    pairs.forEach(([, , meKey, userKey], i) => {
      data[meKey] = pick(results[i]![0], ['id', 'username']);
      data[userKey] = pick(results[i]![1], ['id', 'username']);
    });
    return { data };
  },
  async list50(_body, req, call) {
    const a = adapter('PASSBOLT');
    const page = await a.directory!.listUsers({}, { first: 50 }, a.readCredentials(req.headersDistinct), call);
    return {
      data: {
        users: {
          totalCount: page.totalCount,
          edges: page.edges.map((e) => ({ node: pick(e.user, ['id', 'username', 'displayName']) })),
          pageInfo: { hasNextPage: page.hasNextPage },
        },
      },
    };
  },
  async error(_body, req, call) {
    try {
      await one('BELLADATI', '999', req, call);
      throw new Error('expected NOT_FOUND');
    } catch (error) {
      const e = error as GatewayError;
      return {
        errors: [{ message: e.message, locations: [{ line: 1, column: 15 }], path: ['user'], extensions: { code: e.code, provider: e.provider } }],
        data: { user: null },
      };
    }
  },
};

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { operationName: string; query: string; variables?: Record<string, string> };
    const handler = handlers[body.operationName];
    if (!handler) {
      res.writeHead(404).end();
      return;
    }
    const scope = createRequestScope(config.requestDeadlineMs);
    handler(body, req, callOptions(scope)).finally(scope.dispose).then(
      (result) => {
        // Byte-identical to Apollo Server's answer, which ends with a newline.
        const payload = `${JSON.stringify(result)}\n`;
        res.writeHead(200, { 'content-type': 'application/graphql-response+json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
        res.end(payload);
      },
      (error: unknown) => {
        res.writeHead(500).end(String(error));
      },
    );
  });
});
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` })}\n`);
});
process.on('SIGTERM', () => server.close(() => void registry.close().then(() => process.exit(0))));
