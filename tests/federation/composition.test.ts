/**
 * usergraph as a Federation 2 subgraph, composed the way a schema registry or `rover supergraph
 * compose` would (with @theguild/federation-composition, a drop-in for Apollo's composition): alone,
 * and with a second subgraph that adds a field to every user through `@interfaceObject`. Its SDL is
 * read both from `usergraph print-subgraph` (`printSubgraphSdl()`) and from a running gateway's
 * `_service { sdl }`. Also: every provider's user type is an entity, the supergraph committed in
 * deploy/federation/ is a fresh composition, and both router configs there propagate every
 * provider's credential headers, to usergraph only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import {
  buildSchema,
  Kind,
  parse,
  print,
  type ConstDirectiveNode,
  type DocumentNode,
  type GraphQLInterfaceType,
  type ObjectTypeDefinitionNode,
  type InterfaceTypeDefinitionNode,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { forwardedHeaders, gatewayConfig, PROVIDER_CREDENTIAL_HEADERS, SHARED_HEADERS, USERGRAPH_SUBGRAPH as HIVE_USERGRAPH } from '../../deploy/federation/hive-gateway.config.js';
import { composeUsergraphSupergraph, USERGRAPH_DEFAULT_URL, USERGRAPH_SUBGRAPH } from '../../scripts/compose-supergraph.js';
import { printSubgraphSdl } from '../../src/commands/print-schema.js';
import { PROVIDER_MODULES, PROVIDERS } from '../../src/providers/registry.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { TICKETS_SUBGRAPH, ticketsTypeDefs, VAULT_SUBGRAPH, vaultTypeDefs } from './fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEPLOY = join(ROOT, 'deploy/federation');
const REGENERATE = 'npx tsx scripts/compose-supergraph.ts > deploy/federation/supergraph.graphql';

interface Subgraph {
  name: string;
  sdl: string;
}

/** The supergraph SDL; fails the test listing every composition error. */
function compose(...subgraphs: Subgraph[]): string {
  const result = composeServices(subgraphs.map(({ name, sdl }) => ({ name, typeDefs: parse(sdl), url: `http://${name}.test/graphql` })));
  const errors = compositionHasErrors(result) ? result.errors.map((e) => `${String(e.extensions?.code ?? '')}: ${e.message}`) : [];
  expect(errors, `composition errors:\n${errors.join('\n')}`).toEqual([]);
  return compositionHasErrors(result) ? '' : result.supergraphSdl;
}

/** The composition errors' codes (none when it composes). */
function compositionErrorCodes(...subgraphs: Subgraph[]): string[] {
  const result = composeServices(subgraphs.map(({ name, sdl }) => ({ name, typeDefs: parse(sdl), url: `http://${name}.test/graphql` })));
  return compositionHasErrors(result) ? result.errors.map((e) => String(e.extensions?.code)) : [];
}

const directives = (node: ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode, name: string): readonly ConstDirectiveNode[] =>
  (node.directives ?? []).filter((d) => d.name.value === name);

/** A directive's arguments as plain values (`{ graph: 'TICKETS', key: 'provider id' }`). */
function argumentsOf(directive: ConstDirectiveNode): Record<string, string> {
  return Object.fromEntries((directive.arguments ?? []).map((a) => [a.name.value, 'value' in a.value ? String(a.value.value) : print(a.value)]));
}

function typeDefinition(document: DocumentNode, name: string): ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode | undefined {
  return document.definitions.find(
    (d): d is ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode => (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.INTERFACE_TYPE_DEFINITION) && d.name.value === name,
  );
}

const printed: Subgraph = { name: USERGRAPH_SUBGRAPH, sdl: printSubgraphSdl() };
const tickets: Subgraph = { name: TICKETS_SUBGRAPH, sdl: ticketsTypeDefs() };
const vault: Subgraph = { name: VAULT_SUBGRAPH, sdl: vaultTypeDefs() };

describe('the subgraph SDL', () => {
  let stack: Stack;
  let live: Subgraph;
  beforeAll(async () => {
    stack = await startStack();
    const res = await stack.gql('{ _service { sdl } }');
    expect(res.body.errors, res.text).toBeUndefined();
    live = { name: USERGRAPH_SUBGRAPH, sdl: res.body.data._service.sdl };
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('from print-subgraph and from a running gateway’s _service { sdl } is one schema: the same text, composing to the same supergraph', () => {
    expect(printed.sdl).toBe(live.sdl);
    expect(compose(live)).toBe(compose(printed));
    expect(compose(live, tickets, vault)).toBe(compose(printed, tickets, vault));
  });

  it('declares Federation 2.3 and entity keys only through @link', () => {
    const schema = parse(printed.sdl);
    const links = schema.definitions.flatMap((d) => (d.kind === Kind.SCHEMA_EXTENSION ? (d.directives ?? []) : [])).filter((d) => d.name.value === 'link');
    expect(links.map(argumentsOf).map((a) => a.url)).toEqual(['https://specs.apollo.dev/federation/v2.3']);
  });

  it('usergraph alone composes', () => {
    expect(compose(printed)).toContain('@join__graph(name: "usergraph"');
  });

  it('every provider’s user type, and the User interface, is an entity keyed by "provider id"', () => {
    const schema = parse(printed.sdl);
    const keyed = (name: string) => {
      const definition = typeDefinition(schema, name);
      expect(definition, `${name} is in the subgraph SDL`).toBeDefined();
      return directives(definition!, 'key').map((d) => argumentsOf(d).fields);
    };
    expect(keyed('User')).toEqual(['provider id']);
    for (const module of PROVIDER_MODULES) expect(keyed(module.typeName), `${module.typeName} (${module.name})`).toEqual(['provider id']);
    // And no other type implements User without being a registered provider's.
    const implementing = schema.definitions
      .filter((d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION && (d.interfaces ?? []).some((i) => i.name.value === 'User'))
      .map((d) => d.name.value)
      .sort();
    expect(implementing).toEqual(PROVIDER_MODULES.map((m) => m.typeName).sort());
  });
});

describe('with a subgraph that extends User through @interfaceObject', () => {
  const supergraph = compose(printed, tickets, vault);
  const document = parse(supergraph);

  it('composes, and User is an entity interface of usergraph with the tickets subgraph’s field', () => {
    const user = typeDefinition(document, 'User') as InterfaceTypeDefinitionNode;
    expect(user.kind).toBe(Kind.INTERFACE_TYPE_DEFINITION);
    const joins = directives(user, 'join__type').map(argumentsOf);
    expect(joins).toContainEqual({ graph: 'USERGRAPH', key: 'provider id' });
    expect(joins).toContainEqual({ graph: 'TICKETS', key: 'provider id', isInterfaceObject: 'true' });
    const tickets = user.fields?.find((f) => f.name.value === 'tickets');
    expect(tickets && print(tickets.type)).toBe('[Ticket!]!');
    expect(tickets?.directives?.map((d) => [d.name.value, argumentsOf(d)])).toEqual([['join__field', { graph: 'TICKETS' }]]);
  });

  it('every provider’s user type gets the field in the supergraph', () => {
    const schema = buildSchema(supergraph);
    const user = schema.getType('User') as GraphQLInterfaceType;
    expect(Object.keys(user.getFields())).toContain('tickets');
    for (const module of PROVIDER_MODULES) {
      const type = schema.getType(module.typeName);
      expect(type && 'getFields' in type ? Object.keys(type.getFields()) : [], module.typeName).toContain('tickets');
    }
  });

  it('the other subgraph must declare the Provider enum with exactly usergraph’s values (it is an input and an output type)', () => {
    expect(compositionErrorCodes(printed, { name: TICKETS_SUBGRAPH, sdl: ticketsTypeDefs(PROVIDERS.slice(0, -1)) })).toEqual(['ENUM_VALUE_MISMATCH']);
    expect(compositionErrorCodes(printed, { name: TICKETS_SUBGRAPH, sdl: ticketsTypeDefs([...PROVIDERS, 'ANOTHER']) })).toEqual(['ENUM_VALUE_MISMATCH']);
    const withStringKey = ticketsTypeDefs()
      .replace(/enum Provider \{[^}]*\}/, '')
      .replace('provider: Provider!', 'provider: String!');
    expect(compositionErrorCodes(printed, { name: TICKETS_SUBGRAPH, sdl: withStringKey }).length).toBeGreaterThan(0);
  });
});

describe('deploy/federation', () => {
  it(`supergraph.graphql is a fresh composition of print-subgraph (regenerate: ${REGENERATE})`, () => {
    const committed = readFileSync(join(DEPLOY, 'supergraph.graphql'), 'utf8');
    expect(committed, `deploy/federation/supergraph.graphql is stale; regenerate it with\n  ${REGENERATE}`).toBe(`${composeUsergraphSupergraph()}\n`);
    expect(committed).toContain(`@join__graph(name: "${USERGRAPH_SUBGRAPH}", url: "${USERGRAPH_DEFAULT_URL}")`);
  });

  /** Every provider's credential headers, lower case. */
  const credentialHeaders = PROVIDER_MODULES.flatMap((m) => m.credentialHeaders).map((h) => h.toLowerCase());
  const sharedHeaders = ['x-request-id', 'cache-control', 'traceparent', 'tracestate'];

  it('hive-gateway.config.ts lists every provider’s credential headers, and reads the committed supergraph', () => {
    expect(PROVIDER_CREDENTIAL_HEADERS.map((h) => h.toLowerCase()).sort()).toEqual([...credentialHeaders].sort());
    expect([...SHARED_HEADERS]).toEqual(sharedHeaders);
    expect(HIVE_USERGRAPH).toBe(USERGRAPH_SUBGRAPH);
    expect(existsSync(join(DEPLOY, gatewayConfig.supergraph))).toBe(true);
  });

  it('hive-gateway.config.ts forwards the credential headers to usergraph only, and x-request-id and cache-control to every subgraph', () => {
    const sent: Record<string, string> = { 'x-unrelated': 'stays', authorization: 'Bearer not-forwarded', cookie: 'session=1' };
    for (const name of [...credentialHeaders, ...sharedHeaders]) sent[name] = `value-of-${name}`;
    const request = new Request('http://router.test/graphql', { method: 'POST', headers: sent });
    const toUsergraph = forwardedHeaders(request, USERGRAPH_SUBGRAPH);
    expect(Object.keys(toUsergraph).sort()).toEqual([...credentialHeaders, ...sharedHeaders].sort());
    for (const [name, value] of Object.entries(toUsergraph)) expect(value).toBe(`value-of-${name}`);
    expect(Object.keys(forwardedHeaders(request, 'tickets')).sort()).toEqual([...sharedHeaders].sort());
    expect(forwardedHeaders(new Request('http://router.test/graphql'), USERGRAPH_SUBGRAPH)).toEqual({});
  });

  it('router.yaml propagates the credential headers to usergraph only, and x-request-id and cache-control to every subgraph', () => {
    interface Rule {
      propagate?: { named?: string; matching?: string };
      [other: string]: unknown;
    }
    const router = parseYaml(readFileSync(join(DEPLOY, 'router.yaml'), 'utf8')) as {
      headers: { all: { request: Rule[] }; subgraphs: Record<string, { request: Rule[] }> };
      override_subgraph_url: Record<string, string>;
    };
    const named = (rules: Rule[]) => {
      for (const rule of rules) expect(Object.keys(rule), 'only `propagate: named:` rules').toEqual(['propagate']);
      for (const rule of rules) expect(Object.keys(rule.propagate ?? {}), 'no `matching:` patterns').toEqual(['named']);
      return rules.map((r) => r.propagate!.named!.toLowerCase());
    };
    expect(named(router.headers.all.request)).toEqual(sharedHeaders);
    expect(Object.keys(router.headers.subgraphs)).toEqual([USERGRAPH_SUBGRAPH]);
    expect(named(router.headers.subgraphs[USERGRAPH_SUBGRAPH]!.request).sort()).toEqual([...credentialHeaders].sort());
    expect(Object.keys(router.override_subgraph_url)).toEqual([USERGRAPH_SUBGRAPH]);
    expect(router.override_subgraph_url[USERGRAPH_SUBGRAPH]).toContain(USERGRAPH_DEFAULT_URL);
  });

});
