/**
 * A small typed usergraph client, the kind a web app copies: it posts the generated documents
 * (graphql-codegen's client preset, from ./operations/) to the gateway with fetch, and its results
 * are typed by the operation, so `result.data.user` narrows on `__typename`.
 *
 * Credentials travel as the gateway's per-provider headers (`X-Passbolt-Token`, …); the gateway sends
 * each provider only its own.
 *
 * With `persisted: true` it sends only each operation's hash (an APQ request, `extensions.persistedQuery`),
 * never its text: the gateway finds the text in its PERSISTED_DOCUMENTS manifest, the
 * `__generated__/persisted-documents.json` codegen writes beside the documents. The hash is the one
 * codegen put in the document's `__meta__.hash` (`sha256:<hex>`; APQ takes the hex).
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Kind, print, type DocumentNode } from 'graphql';

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
  /** Send each operation's hash instead of its text (the gateway's trusted documents). */
  persisted?: boolean;
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
  // Each document is printed (or its hash read) once.
  const printed = new WeakMap<object, string>();
  const persisted = new WeakMap<object, Record<string, unknown>>();
  const operationOf = (document: DocumentNode): Record<string, unknown> => {
    let operation = persisted.get(document);
    if (operation === undefined) persisted.set(document, (operation = persistedOperation(document)));
    return operation;
  };
  return {
    async request(document, ...args) {
      let operation: Record<string, unknown>;
      if (options.persisted) {
        operation = operationOf(document);
      } else {
        let query = printed.get(document);
        if (query === undefined) printed.set(document, (query = print(document)));
        operation = { query };
      }
      let res: Response;
      try {
        res = await doFetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...options.headers },
          body: JSON.stringify({ ...operation, variables: args[0] ?? {} }),
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

/**
 * The hash-only request of a generated document: its operation name and
 * `extensions.persistedQuery` (https://www.apollographql.com/docs/apollo-server/performance/apq).
 */
function persistedOperation(document: DocumentNode): Record<string, unknown> {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  const sha256Hash = typeof hash === 'string' ? /^sha256:([0-9a-f]{64})$/.exec(hash)?.[1] : undefined;
  if (!sha256Hash) throw new TypeError('this document has no sha256 hash in __meta__: generate it with the client preset\'s persistedDocuments (codegen.yml)');
  const definition = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  return { operationName: definition?.name?.value, extensions: { persistedQuery: { version: 1, sha256Hash } } };
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
