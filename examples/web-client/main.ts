/**
 * The example web client against a running gateway: `npm start` in one terminal, then
 * `npx tsx examples/web-client/main.ts [url]` in another, where url is the gateway's GraphQL
 * endpoint (default http://localhost:4000/graphql). Prints the caller on every provider, then one
 * user by id, using the demo credentials. When the gateway cannot be asked, it prints one line on
 * stderr and exits 1.
 */
import { pathToFileURL } from 'node:url';
import { MeEverywhereDocument, UserByIdDocument, type MeEverywhereQuery } from './__generated__/graphql.js';
import { createUsergraphClient, UsergraphClientError } from './client.js';
import { describeUser } from './describe-user.js';

export async function run(url: string, headers: Record<string, string>, log: (line: string) => void = console.log): Promise<MeEverywhereQuery | null> {
  const client = createUsergraphClient({ url, headers });
  const everywhere = await client.request(MeEverywhereDocument);
  for (const user of Object.values(everywhere.data ?? {})) if (user) log(describeUser(user));
  for (const error of everywhere.errors) log(`error ${error.extensions?.provider ?? ''} ${error.extensions?.code ?? ''}: ${error.message}`);

  const one = await client.request(UserByIdDocument, { provider: 'PASSBOLT', id: 'f848277c-5398-58f8-a82a-72397af2d450' });
  if (one.data?.user) log(describeUser(one.data.user));
  return everywhere.data;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { DEMO_CREDENTIALS } = await import('../../src/simulators/demo-credentials.js');
  const headers = Object.assign({}, ...Object.values(DEMO_CREDENTIALS)) as Record<string, string>;
  try {
    await run(process.argv[2] ?? 'http://localhost:4000/graphql', headers);
  } catch (error) {
    if (!(error instanceof UsergraphClientError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}
