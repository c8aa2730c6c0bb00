/**
 * Names the request's span after its operation and records what the OpenTelemetry GraphQL semantic
 * conventions ask for (https://opentelemetry.io/docs/specs/semconv/graphql/graphql-spans/): the
 * span is `query GetUser` (the operation type alone when it has no name), with
 * `graphql.operation.type` and `graphql.operation.name`. The document itself is never recorded (it
 * may hold ids or emails as literals); `graphql.document.hash` is its SHA-256, Apollo's query hash.
 * `usergraph.error_codes` lists the response's error codes; the status is ERROR when one of them is
 * a provider's or the gateway's failure (a client's mistake is not).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST } from 'graphql';
import type { GatewayContext } from '../context.js';
import { isFailureCode, recordErrorCode } from '../tracing.js';

export function createTracingPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const span = contextValue?.span?.span;
      if (!span) return;
      let resolved = false;
      return {
        async didResolveOperation({ operation, queryHash }) {
          resolved = true;
          const type = operation?.operation ?? 'query';
          const name = operation?.name?.value;
          span.updateName(name ? `${type} ${name}` : type);
          span.setAttribute('graphql.operation.type', type);
          if (name) span.setAttribute('graphql.operation.name', name);
          if (queryHash) span.setAttribute('graphql.document.hash', queryHash);
        },
        async willSendResponse({ response, document, request }) {
          if (!span.isRecording()) return;
          // A refused operation never resolved: name it from the document when there is one.
          if (document && !resolved) {
            const named = getOperationAST(document, request.operationName);
            if (named?.name) span.setAttribute('graphql.operation.name', named.name.value);
          }
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          if (errors.length === 0) return;
          const codes = [...new Set(errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
          span.setAttribute('usergraph.error_codes', codes);
          // `error.type` is the failure behind an ERROR status when there is one, else the first code.
          recordErrorCode(span, codes.find(isFailureCode) ?? codes[0]);
        },
      };
    },
  };
}
