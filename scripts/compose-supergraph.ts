/**
 * Composes the supergraph of usergraph alone, for a router that serves usergraph as its only
 * subgraph (deploy/federation/: Hive Gateway and Apollo Router configs):
 *
 *   npx tsx scripts/compose-supergraph.ts > deploy/federation/supergraph.graphql
 *
 * The subgraph SDL is `printSubgraphSdl()` (what `usergraph print-subgraph` prints and `_service { sdl }`
 * answers), composed with @theguild/federation-composition (a drop-in for Apollo's composition, MIT:
 * https://github.com/graphql-hive/federation-composition). The usergraph URL in the supergraph is
 * `USERGRAPH_DEFAULT_URL`; both router configs let USERGRAPH_URL override it at run time.
 * tests/federation/composition.test.ts fails when the committed file differs from a fresh composition.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { printSubgraphSdl } from '../src/commands/print-schema.js';

/** The subgraph's name in the supergraph (`join__Graph`); the router configs name it too. */
export const USERGRAPH_SUBGRAPH = 'usergraph';
/** usergraph's own default address (`npm start`). */
export const USERGRAPH_DEFAULT_URL = 'http://localhost:4000/graphql';

/** The supergraph SDL, or an Error listing every composition error. */
export function composeUsergraphSupergraph(url = USERGRAPH_DEFAULT_URL): string {
  const result = composeServices([{ name: USERGRAPH_SUBGRAPH, typeDefs: parse(printSubgraphSdl()), url }]);
  if (compositionHasErrors(result)) {
    throw new Error(`usergraph does not compose:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}

const invoked = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) process.stdout.write(`${composeUsergraphSupergraph()}\n`);
