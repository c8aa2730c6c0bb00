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

/**
 * The gateway could not be asked at all: not reachable, or what answered is not a GraphQL server.
 * The message is one line for a person (`cannot reach the gateway at http://…: connection refused`);
 * GraphQL errors are not thrown, they come back in `Result.errors`.
 */
export class UsergraphClientError extends Error {
  constructor(
    message: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UsergraphClientError';
  }
}

export function createUsergraphClient(options: UsergraphClientOptions): UsergraphClient {
  const doFetch = options.fetch ?? fetch;
  // Each document is printed once.
  const printed = new WeakMap<object, string>();
  return {
    async request(document, ...args) {
      let query = printed.get(document);
      if (query === undefined) printed.set(document, (query = print(document)));
      let res: Response;
      try {
        res = await doFetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...options.headers },
          body: JSON.stringify({ query, variables: args[0] ?? {} }),
        });
      } catch (error) {
        throw new UsergraphClientError(`cannot reach the gateway at ${options.url}: ${networkReason(error)}`, options.url, { cause: error });
      }
      let body: { data?: unknown; errors?: GraphQLErrorShape[] };
      try {
        body = (await res.json()) as typeof body;
      } catch (error) {
        throw new UsergraphClientError(`the server at ${options.url} answered HTTP ${res.status} without a GraphQL response: is it the gateway's /graphql URL?`, options.url, {
          cause: error,
        });
      }
      if (typeof body !== 'object' || body === null || (!('data' in body) && !Array.isArray(body.errors))) {
        throw new UsergraphClientError(`the server at ${options.url} answered HTTP ${res.status} without a GraphQL response: is it the gateway's /graphql URL?`, options.url);
      }
      return { data: (body.data ?? null) as never, errors: body.errors ?? [] };
    },
  };
}

/** Why fetch failed, in words: Node's fetch puts the socket error's code in `cause`. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    case 'ERR_INVALID_URL':
      return 'not a valid URL';
    default:
      return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  }
}
