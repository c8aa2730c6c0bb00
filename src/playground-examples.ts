/**
 * The operations the playground opens with: one tab over every provider, then each provider module's
 * own tab, then a paged list (`users` and its cursors), each with its header preset. In demo mode the presets carry the demo credentials (the
 * simulators accept them); otherwise they show which headers to fill in.
 */
import type { PlaygroundTab } from './playground.js';
import type { AnyProviderModule } from './providers/module.js';
import { PROVIDER_MODULES } from './providers/registry.js';
import { DEMO_CREDENTIALS } from './simulators/demo-credentials.js';

const MODULES: readonly AnyProviderModule[] = PROVIDER_MODULES;
const COUNTS = ['', 'One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight', 'Nine', 'Ten'];

/** A provider's name as people write it: its GraphQL type without `User` (`BellaDati`). */
const displayName = (m: AnyProviderModule) => m.typeName.replace(/User$/, '');

/** "A, B, C and D". */
function inWords(names: string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

export function playgroundTabs(demo: boolean): PlaygroundTab[] {
  const demoCredentials = DEMO_CREDENTIALS as Readonly<Record<string, Readonly<Record<string, string>>>>;
  const headersOf = (m: AnyProviderModule): Record<string, string> => ({ ...(demo ? demoCredentials[m.name] : m.playground.placeholders) });
  const all: PlaygroundTab = {
    query: `# Welcome to usergraph: one User schema over ${inWords(MODULES.map(displayName))}.
# Each tab is an example with its credential headers already set (see the Headers pane).
# Press the run button (or Ctrl/Cmd+Enter).
query All${COUNTS[MODULES.length] ?? ''}Providers {
${MODULES.map((m) => `  ${m.name.toLowerCase()}: me(provider: ${m.name}) { ...Summary }`).join('\n')}
}

fragment Summary on User {
  __typename
  id
  username
  displayName
  email
  createdAt
}
`,
    headers: Object.assign({}, ...MODULES.map(headersOf)) as Record<string, string>,
  };
  const passbolt = MODULES.find((m) => m.name === 'PASSBOLT');
  const list: PlaygroundTab = {
    query: `# A directory list, a page at a time. Run it, then pass pageInfo.endCursor as $after for the next
# page (same provider and filter). Try a filter: { search: "ada" } or { active: true }.
query ListUsers($provider: Provider!, $first: Int, $after: String, $filter: UserFilter) {
  users(provider: $provider, first: $first, after: $after, filter: $filter) {
    totalCount
    edges {
      node {
        id
        username
        displayName
        active
        groups { id name }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
`,
    variables: { provider: 'PASSBOLT', first: 2, after: null },
    headers: passbolt ? headersOf(passbolt) : {},
  };
  return [
    all,
    ...MODULES.map((m): PlaygroundTab => ({
      query: m.playground.query,
      ...(m.playground.variables ? { variables: { ...m.playground.variables } } : {}),
      headers: headersOf(m),
    })),
    list,
  ];
}
