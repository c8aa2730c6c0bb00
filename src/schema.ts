/**
 * Builds the executable schema: the SDL in `schema/` (the source of truth) plus the resolvers.
 * Resolvers that do not match the schema fail at startup, not at request time.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
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

export function createSchema(): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers,
    resolverValidationOptions: {
      requireResolversToMatchSchema: 'error',
      requireResolversForResolveType: 'ignore',
    },
  });
}
