/**
 * The schema has only a Query type: a mutation or a subscription is the client's mistake, answered
 * 400 GRAPHQL_VALIDATION_FAILED with a message saying so. graphql-js 16 validates such an operation
 * and only fails when executing it, which would read as a gateway bug (INTERNAL_SERVER_ERROR).
 *
 * A check once the operation is resolved rather than a validation rule: Apollo validates before it
 * answers a mutation sent over GET with 405 (GraphQL over HTTP), and a rule would turn that 405 into
 * a 400.
 */
import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from '@apollo/server';
import { GraphQLError } from 'graphql';

const PLURAL = { mutation: 'mutations', subscription: 'subscriptions' } as const;

/** The same listener for every request: it keeps no per-request state. */
const listener: GraphQLRequestListener<BaseContext> = {
  async didResolveOperation({ operation, schema }) {
    if (!operation || operation.operation === 'query' || schema.getRootType(operation.operation)) return;
    throw new GraphQLError(`This gateway is read-only: it has no ${PLURAL[operation.operation]}.`, {
      nodes: [operation],
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
    });
  },
};

export function createReadOnlyPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return listener;
    },
  };
}
