/**
 * A small typed usergraph client, the kind a web app copies: it posts the generated documents
 * (graphql-codegen's client preset, from ./operations/) to the gateway with fetch, and its results
 * are typed by the operation, so `result.data.user` narrows on `__typename`.
 *
 * Credentials travel as the gateway's per-provider headers (`X-Passbolt-Token`, …); the gateway sends
 * each provider only its own.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export interface GraphQLErrorShape {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; provider?: string; reason?: string; retryAfterSeconds?: number };
}

/** Partial results are normal: one provider failing leaves the others' fields in `data`. */
export interface Result<TData> {
  data: TData | null;
  errors: GraphQLErrorShape[];
}

export interface UsergraphClientOptions {
  /** The gateway's GraphQL endpoint, e.g. `http://localhost:4000/graphql`. */
  url: string;
  /** Credential headers, e.g. `{ 'X-Passbolt-Token': token }`. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

export interface UsergraphClient {
  request<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...variables: TVariables extends Record<string, never> ? [] : [TVariables]
  ): Promise<Result<TData>>;
}

export function createUsergraphClient(options: UsergraphClientOptions): UsergraphClient {
  const doFetch = options.fetch ?? fetch;
  // Each document is printed once.
  const printed = new WeakMap<object, string>();
  return {
    async request(document, ...args) {
      let query = printed.get(document);
      if (query === undefined) printed.set(document, (query = print(document)));
      const res = await doFetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...options.headers },
        body: JSON.stringify({ query, variables: args[0] ?? {} }),
      });
      const body = (await res.json()) as { data?: unknown; errors?: GraphQLErrorShape[] };
      return { data: (body.data ?? null) as never, errors: body.errors ?? [] };
    },
  };
}
