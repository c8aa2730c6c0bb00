/**
 * `usergraph print-schema`: the gateway's whole schema as SDL, e.g. for a web app's own
 * graphql-codegen config (`usergraph print-schema > usergraph.graphql`).
 */
import { printSchema } from 'graphql';
import { createSchema } from '../schema.js';

export function printGatewaySchema(): string {
  return printSchema(createSchema());
}
