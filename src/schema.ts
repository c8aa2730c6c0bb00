/**
 * Builds the executable schema: the SDL in `schema/` (the source of truth) plus the resolvers.
 * Resolvers that do not match the schema fail at startup, not at request time.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse, type GraphQLSchema } from 'graphql';
import { resolvers } from './resolvers/index.js';

/** The `schema/` folder, found relative to this file both from `src/` (tsx) and `dist/` (built). */
export const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));

/** Every `.graphql` file under `schema/`, in a stable order. */
export function loadTypeDefs(dir = SCHEMA_DIR): string[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.graphql')) files.push(path);
    }
  };
  walk(dir);
  return files.map((f) => readFileSync(f, 'utf8'));
}

/**
 * The schema as a Federation 2 subgraph (`@apollo/subgraph`): the SDL plus `_service { sdl }` and
 * `_entities`, which standalone clients may ignore. Every resolver must name a type and field of the
 * SDL (checked here, as makeExecutableSchema's `requireResolversToMatchSchema` would).
 */
/**
 * The SDL plus definitions of the Federation directives it uses (`schema-support/`), for building it
 * with plain graphql-js (`buildSchema`), as tools and tests do.
 */
export function loadTypeDefsWithDirectives(dir = SCHEMA_DIR): string[] {
  return [...loadTypeDefs(dir), readFileSync(fileURLToPath(new URL('../schema-support/federation-directives.graphql', import.meta.url)), 'utf8')];
}

export function createSchema(): GraphQLSchema {
  const typeDefs = parse(loadTypeDefs().join('\n'));
  const schema = buildSubgraphSchema({ typeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> });
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!type) throw new Error(`Resolvers name type ${typeName}, which the schema does not define.`);
    if (!('getFields' in type) || typeof fields !== 'object' || fields === null || type.constructor.name === 'GraphQLScalarType') continue;
    const known = type.getFields() as Record<string, unknown>;
    for (const field of Object.keys(fields)) {
      if (!field.startsWith('__') && !(field in known)) throw new Error(`Resolvers define ${typeName}.${field}, which the schema does not define.`);
    }
  }
  return schema;
}
