/**
 * `usergraph print-schema`: the gateway's whole schema as SDL, e.g. for a web app's own
 * graphql-codegen config (`usergraph print-schema > usergraph.graphql`).
 *
 * `usergraph print-subgraph`: the subgraph SDL with its Federation directives (`@link`, `@key`), what
 * `_service { sdl }` answers, for composing a supergraph without asking a running gateway
 * (`usergraph print-subgraph > usergraph.subgraph.graphql`; README, "Joining a supergraph").
 */
import { printSchema } from 'graphql';
import { createSchema } from '../schema.js';

export function printGatewaySchema(): string {
  return printSchema(createSchema());
}

export function printSubgraphSdl(): string {
  // The `_service` field's own resolver, so the text is exactly what a router reads from a running
  // gateway. (Called directly rather than through graphql-js's execute: @apollo/subgraph is CommonJS
  // and may hold another copy of graphql than the caller.)
  const service = createSchema().getQueryType()?.getFields()._service?.resolve?.(undefined, {}, undefined, undefined as never) as { sdl?: unknown } | undefined;
  if (typeof service?.sdl !== 'string') throw new Error('The schema has no _service { sdl }.');
  return service.sdl;
}
