/**
 * The operations the playground opens with: one tab over every provider, then each provider module's
 * own tab, each with its header preset. In demo mode the presets carry the demo credentials (the
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
  return [
    all,
    ...MODULES.map((m): PlaygroundTab => ({
      query: m.playground.query,
      ...(m.playground.variables ? { variables: { ...m.playground.variables } } : {}),
      headers: headersOf(m),
    })),
  ];
}
