/**
 * The example web client against a running gateway: `npm start` in one terminal, then
 * `npx tsx examples/web-client/main.ts [url] [--pages] [--persisted]` in another, where url is the gateway's GraphQL
 * endpoint (default http://localhost:4000/graphql). Prints the caller on every provider, then one
 * user by id, using the demo credentials; with `--pages`, then Passbolt's users two at a time
 * (following `endCursor`). With `--persisted` (or `USERGRAPH_PERSISTED=true`) it sends only each
 * operation's hash, for a gateway started with
 * `PERSISTED_DOCUMENTS=examples/web-client/__generated__/persisted-documents.json`. When the gateway
 * cannot be asked, it prints one line on stderr and exits 1.
 */
import { pathToFileURL } from 'node:url';
import { ListUsersDocument, MeEverywhereDocument, UserByIdDocument, type ListUsersQuery, type MeEverywhereQuery } from './__generated__/graphql.js';
import { createUsergraphClient, UsergraphClientError, type Result } from './client.js';
import { describeUser } from './describe-user.js';

/** How the example asks: `persisted` sends operation hashes instead of texts. */
export interface RunOptions {
  persisted?: boolean;
}

export async function run(
  url: string,
  headers: Record<string, string>,
  log: (line: string) => void = console.log,
  options: RunOptions = {},
): Promise<MeEverywhereQuery | null> {
  const client = createUsergraphClient({ url, headers, persisted: options.persisted });
  const everywhere = await client.request(MeEverywhereDocument);
  for (const user of Object.values(everywhere.data ?? {})) if (user) log(describeUser(user));
  for (const error of everywhere.errors) log(`error ${error.extensions?.provider ?? ''} ${error.extensions?.code ?? ''}: ${error.message}`);

  const one = await client.request(UserByIdDocument, { provider: 'PASSBOLT', id: 'f848277c-5398-58f8-a82a-72397af2d450' });
  if (one.data?.user) log(describeUser(one.data.user));

  return everywhere.data;
}

/**
 * A paged list: asks for the next page with the last one's `endCursor` while `hasNextPage` (at most
 * `maxPages` pages, as an example). Returns how many users it printed.
 */
export async function runPagedList(
  url: string,
  headers: Record<string, string>,
  log: (line: string) => void = console.log,
  maxPages = 3,
  options: RunOptions = {},
): Promise<number> {
  const client = createUsergraphClient({ url, headers, persisted: options.persisted });
  let after: string | null = null;
  let printed = 0;
  for (let page = 1; page <= maxPages; page++) {
    const list: Result<ListUsersQuery> = await client.request(ListUsersDocument, { provider: 'PASSBOLT', first: 2, after });
    for (const error of list.errors) log(`error ${error.extensions?.provider ?? ''} ${error.extensions?.code ?? ''}: ${error.message}`);
    const users = list.data?.users;
    if (!users) break;
    log(`page ${page} of ${users.totalCount ?? '?'} users:`);
    for (const { node } of users.edges) log(`  ${describeUser(node)}`);
    printed += users.edges.length;
    if (!users.pageInfo.hasNextPage) break;
    after = users.pageInfo.endCursor ?? null;
  }
  return printed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { DEMO_CREDENTIALS } = await import('../../src/simulators/demo-credentials.js');
  const headers = Object.assign({}, ...Object.values(DEMO_CREDENTIALS)) as Record<string, string>;
  try {
    const args = process.argv.slice(2);
    const url = args.find((a) => !a.startsWith('--')) ?? 'http://localhost:4000/graphql';
    const options: RunOptions = { persisted: args.includes('--persisted') || process.env.USERGRAPH_PERSISTED === 'true' };
    await run(url, headers, console.log, options);
    if (args.includes('--pages')) await runPagedList(url, headers, console.log, 3, options);
  } catch (error) {
    if (!(error instanceof UsergraphClientError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}
