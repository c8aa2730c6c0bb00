/**
 * Runs operations with graphql-jit (https://github.com/zalando-incubator/graphql-jit): each operation
 * is compiled once into a JavaScript function and the function is reused, instead of graphql-js
 * walking the document again on every request. Apollo Server keeps everything else: parsing and its
 * document cache, validation (the operation limits, introspection off, suggestions off), persisted
 * queries, every plugin and `formatError`.
 *
 * Apollo Server 5 takes no custom executor, except through its `gateway` option (a GatewayInterface,
 * https://www.apollographql.com/docs/apollo-server/api/apollo-server#gateway): `load()` hands Apollo
 * the executor, and the schema reaches Apollo through the `onSchemaLoadOrUpdate` callback, which must
 * have run before `load()` resolves. Apollo forbids `schema` alongside `gateway`.
 *
 * The answers are graphql-js's, byte for byte:
 * - graphql-jit builds its own error objects, without `extensions` when the error had none and without
 *   `nodes`; each becomes a graphql-js GraphQLError the way graphql-js's `locatedError` builds it (same
 *   message, locations and path; the resolver's error as `originalError`, its extensions kept), so the
 *   gateway's codes (`extensions.code`, `provider`, `reason`) and the error masking (src/plugins/
 *   error-masking.ts, which looks for the GatewayError behind an error) work unchanged;
 * - graphql-jit reports every failed non-null field, graphql-js only the one that nulled the nearest
 *   nullable parent (the first in document order) and nothing recorded under it afterwards; the errors
 *   are filtered and ordered as graphql-js would (`asGraphQLJsErrors`; one limit: graphql-jit keeps
 *   nullable and non-null fields' errors apart, so between two branches that fail independently and
 *   asynchronously the order is the document's, where graphql-js's is the order they failed in);
 * - variables graphql-jit refuses are refused in graphql-js's words (`getVariableValues`), which
 *   Apollo recognises as BAD_USER_INPUT with HTTP 400;
 * - an operation Apollo could not pick from the document (no such name, several and none named) is left
 *   to graphql-js, whose message Apollo turns into OPERATION_RESOLUTION_FAILURE;
 * - a list item that is a rejected promise (`_entities` returns one promise per representation) is
 *   handed to graphql-jit as the error itself: graphql-jit 0.8 appends a null for a rejected item instead
 *   of putting it at the item's index, so a list whose later items resolved first came out too long;
 *   for a returned error, as for a rejection in graphql-js, the item is null with its error;
 * - a request whose plugin watches every field (Apollo's `willResolveField`, e.g. the federated trace
 *   `ftv1` a router asks for with `apollo-federation-include-trace`) runs on graphql-js too: compiled code
 *   calls no resolver for a plain property, so the plugin would miss those fields.
 *
 * Compiled operations are kept in a bounded LRU (`maxCompiled`), keyed by Apollo's query hash (SHA-256
 * of the document text) and the operation name; the schema is fixed for the gateway's life. The code is
 * compiled against a schema instance of its own: Apollo wraps every resolver of the schema it holds as
 * soon as one request's plugin watches fields (see above), and compiled code reading those wrappers
 * would call a resolver for every field from then on.
 */
import { createRequire } from 'node:module';
import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import type * as GraphQLModule from 'graphql';
import type {
  DocumentNode,
  ExecutionResult,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLNamedType,
  GraphQLOutputType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
  SourceLocation,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import type { GatewayContext } from '../context.js';

/**
 * graphql-js as Apollo Server, @apollo/subgraph and graphql-jit load it. graphql 16 has no `exports`
 * map: Node's `import` and `require` both reach its CommonJS build, but a tool that prefers the `module`
 * field (a bundler, a test runner) loads its ESM build as a second copy, whose GraphQLError Apollo does
 * not recognise and whose `execute` refuses the schema's types. `require` always reaches the one copy.
 */
const {
  execute,
  getNamedType,
  getNullableType,
  getVariableValues,
  GraphQLError: GraphQLErrorClass,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  printSchema,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
} = createRequire(import.meta.url)('graphql') as typeof GraphQLModule;

type GatewayInterface = ApolloServerOptionsWithGateway<GatewayContext>['gateway'];
type LoadResult = Awaited<ReturnType<GatewayInterface['load']>>;
type GatewayExecutor = NonNullable<LoadResult['executor']>;
type ExecutorRequest = Parameters<GatewayExecutor>[0];
type SchemaListener = Parameters<GatewayInterface['onSchemaLoadOrUpdate']>[0];

export interface JitGatewayOptions {
  /** Compiled operations kept at most (least recently used dropped first). Default 1000. */
  maxCompiled?: number;
}

/** What the compiled-operation cache has done, for tests and operators. */
export interface CompiledOperationStats {
  /** Operations compiled (a miss in the cache). */
  compiles: number;
  /** Operations answered with an already compiled function. */
  hits: number;
  /** Compiled operations held now (at most `max`). */
  size: number;
  max: number;
}

export interface JitGateway extends GatewayInterface {
  stats(): CompiledOperationStats;
}

/** An operation compiled, with what its errors need (`shape`, built on the first error). */
interface CompiledOperation {
  query: CompiledQuery;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  shape?: ResponseShape;
}

/** What a compile gives: the operation, or graphql-jit's refusal (answered as the result). */
type Compiled = CompiledOperation | { errors: readonly GraphQLError[] };

/** Apollo marks a request whose plugins watch every field with this symbol on its context (its schemaInstrumentation). */
const WILL_RESOLVE_FIELD = 'apolloServerExecutionDispatcherWillResolveField';

/**
 * A gateway for Apollo Server that runs operations with graphql-jit. `buildSchema` is called twice: once
 * for the schema Apollo holds (validation, introspection, plugins), once for the compiled code's own.
 */
export function createJitGateway(buildSchema: () => GraphQLSchema, options: JitGatewayOptions = {}): JitGateway {
  const apiSchema = buildSchema();
  const executionSchema = buildSchema();
  settleListItems(executionSchema);
  const max = options.maxCompiled ?? 1000;
  const compiled = new LRUCache<string, Compiled>({ max });
  const listeners = new Set<SchemaListener>();
  let compiles = 0;
  let hits = 0;

  function compiledFor(request: ExecutorRequest, operation: OperationDefinitionNode): Compiled {
    const operationName = request.request.operationName ?? undefined;
    // The hash is hex: no colon in it, so the key is unambiguous.
    const key = `${request.queryHash}:${operationName ?? ''}`;
    const cached = compiled.get(key);
    if (cached) {
      hits++;
      return cached;
    }
    compiles++;
    const result = compileQuery(executionSchema, request.document, operationName, {
      // Custom scalars (DateTime, JSON) serialize through their own `serialize`, as in graphql-js.
      disableLeafSerialization: false,
      customJSONSerializer: false,
    });
    const entry: Compiled = isCompiledQuery(result)
      ? { query: result, document: request.document, operation }
      : { errors: (result.errors ?? []).map(asGraphQLError) };
    compiled.set(key, entry);
    return entry;
  }

  /** graphql-js's own execution, on the schema Apollo holds (with any instrumentation it added). */
  function executeWithGraphQLJs(request: ExecutorRequest): Promise<ExecutionResult> {
    return Promise.resolve(
      execute({
        schema: request.schema,
        document: request.document,
        contextValue: request.context,
        variableValues: request.request.variables,
        operationName: request.request.operationName,
      }),
    );
  }

  const executor: GatewayExecutor = async (request) => {
    // Apollo passes no operation when it could not pick one (typed as always there).
    const operation = request.operation as OperationDefinitionNode | undefined;
    if (!operation || watchesEveryField(request.context)) return executeWithGraphQLJs(request);
    const entry = compiledFor(request, operation);
    if ('errors' in entry) return { errors: entry.errors };
    const variables = request.request.variables ?? {};
    const result = await entry.query.query(undefined, request.context, variables);
    if (!('data' in result)) {
      // Only variable coercion fails without data: graphql-js says why, in the words Apollo recognises.
      const coerced = getVariableValues(request.schema, operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
      if (coerced.errors) return { errors: coerced.errors };
      return executeWithGraphQLJs(request);
    }
    if (!result.errors?.length) return { data: result.data };
    entry.shape ??= responseShape(executionSchema, entry.document, entry.operation);
    return { data: result.data, errors: asGraphQLJsErrors(result.errors, entry.shape) };
  };

  return {
    onSchemaLoadOrUpdate(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    async load() {
      // Apollo reads the schema from this callback before `load` resolves.
      const schemaContext = { apiSchema, coreSupergraphSdl: printSchema(apiSchema) };
      for (const listener of listeners) listener(schemaContext);
      return { executor };
    },
    async stop() {
      listeners.clear();
      compiled.clear();
    },
    stats: () => ({ compiles, hits, size: compiled.size, max }),
  };
}

/**
 * Every resolver of a list field, on the compiled code's own schema, returns its list's rejected items
 * as errors instead (see the header: graphql-jit misplaces a rejected item). graphql-js treats a returned
 * error as it treats a rejection: the item is null, with that error at the item's path.
 */
function settleListItems(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve;
      if (!resolve || !isListType(getNullableType(field.type))) continue;
      field.resolve = (source, args, context, info) => {
        const result: unknown = resolve(source, args, context, info);
        return isPromiseLike(result) ? Promise.resolve(result).then(settledItems) : settledItems(result);
      };
    }
  }
}

function settledItems(list: unknown): unknown {
  if (!Array.isArray(list) || !list.some(isPromiseLike)) return list;
  return list.map((item: unknown) => (isPromiseLike(item) ? Promise.resolve(item).then(undefined, asError) : item));
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** A rejection's reason as an error, as graphql-js's locatedError makes one (it then masks as INTERNAL_SERVER_ERROR either way). */
function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(`Unexpected error value: ${typeof reason === 'string' ? JSON.stringify(reason) : String(reason)}`);
}

/** Whether a plugin of this request watches every field (Apollo set its dispatcher on the context). */
function watchesEveryField(context: unknown): boolean {
  if (typeof context !== 'object' || context === null) return false;
  return Object.getOwnPropertySymbols(context).some((symbol) => symbol.description === WILL_RESOLVE_FIELD);
}

/** A path as graphql-jit gives it (response keys and list indices). */
type ErrorPath = ReadonlyArray<string | number>;

/** An error as graphql-jit builds it: a GraphQLError by prototype, without `nodes` and maybe without `extensions`. */
interface JitError {
  message: string;
  locations?: readonly SourceLocation[];
  path?: ErrorPath;
  originalError?: unknown;
}

/**
 * graphql-js's `locatedError` for an error graphql-jit reported: an error already located (with a path)
 * stays as it is; otherwise a GraphQLError with the message, locations and path, whose `originalError`
 * is the resolver's error (its extensions carried over by graphql-js's constructor).
 */
function asGraphQLError(error: JitError): GraphQLError {
  const original = error.originalError;
  // graphql-js's own test (isLocatedGraphQLError): an error with a path is located already.
  if (original instanceof Error && Array.isArray((original as { path?: unknown }).path)) return original as GraphQLError;
  // The new error takes its original's stack (graphql-js copies it); capturing one of its own first
  // would be wasted work on every failing field.
  const stackTraceLimit = Error.stackTraceLimit;
  if (original instanceof Error) Error.stackTraceLimit = 0;
  const located = new GraphQLErrorClass(error.message, {
    path: error.path,
    originalError: original instanceof Error ? original : undefined,
  });
  Error.stackTraceLimit = stackTraceLimit;
  // graphql-js computes locations from AST nodes graphql-jit no longer has; it kept the locations.
  if (error.locations?.length) (located as { locations?: readonly SourceLocation[] }).locations = error.locations;
  return located;
}

/**
 * Where each response key of an operation sits (all possible types merged: validation ensures one
 * response key has one shape): whether null may stand at each level of its value (the field, then each
 * list's items), and its place among its siblings in the document.
 */
interface ResponseShape {
  /** Level 0 is the field itself, level n the items of its n-th nested list. */
  nullable: boolean[];
  children: Map<string, ResponseShape>;
  order: number;
}

function responseShape(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): ResponseShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const root: ResponseShape = { nullable: [true], children: new Map(), order: 0 };
  const rootType = schema.getRootType(operation.operation);
  if (rootType) addSelections(schema, fragments, operation.selectionSet, rootType, root);
  return root;
}

function addSelections(
  schema: GraphQLSchema,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  selectionSet: SelectionSetNode,
  parentType: GraphQLNamedType,
  into: ResponseShape,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const field = fieldDefinition(schema, parentType, selection.name.value);
      if (!field) continue;
      const key = selection.alias?.value ?? selection.name.value;
      let shape = into.children.get(key);
      if (!shape) {
        shape = { nullable: nullableLevels(field.type), children: new Map(), order: into.children.size };
        into.children.set(key, shape);
      }
      if (selection.selectionSet) addSelections(schema, fragments, selection.selectionSet, getNamedType(field.type), shape);
    } else {
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      if (!fragment) continue;
      const condition = fragment.typeCondition && schema.getType(fragment.typeCondition.name.value);
      addSelections(schema, fragments, fragment.selectionSet, condition ?? parentType, into);
    }
  }
}

function fieldDefinition(schema: GraphQLSchema, parentType: GraphQLNamedType, name: string): { type: GraphQLOutputType } | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (parentType === schema.getQueryType() && name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
  if (parentType === schema.getQueryType() && name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  return isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[name] : undefined;
}

/** `[Group!]!` → [false, false]; `User` → [true]. */
function nullableLevels(type: GraphQLOutputType): boolean[] {
  const levels: boolean[] = [];
  let current: GraphQLOutputType = type;
  for (;;) {
    const nonNull = isNonNullType(current);
    if (isNonNullType(current)) current = current.ofType;
    levels.push(!nonNull);
    if (!isListType(current)) return levels;
    current = current.ofType as GraphQLOutputType;
  }
}

/** Whether null may stand at each prefix of `path` (index i: the prefix of length i + 1); undefined if the path is not the operation's. */
function nullabilityAlong(shape: ResponseShape, path: ErrorPath): boolean[] | undefined {
  const out: boolean[] = [];
  let current = shape;
  let level = 0;
  for (const segment of path) {
    if (typeof segment === 'number') {
      level++;
      out.push(current.nullable[level] ?? true);
    } else {
      const child = current.children.get(segment);
      if (!child) return undefined;
      current = child;
      level = 0;
      out.push(current.nullable[0] ?? true);
    }
  }
  return out;
}

/** Document order of two response paths: sibling keys by their place in the document, list items by index. */
function compareInDocument(shape: ResponseShape, a: ErrorPath, b: ErrorPath): number {
  let current: ResponseShape | undefined = shape;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x !== y) {
      if (typeof x === 'number' && typeof y === 'number') return x - y;
      const [left, right] = [current?.children.get(String(x)), current?.children.get(String(y))];
      return left && right ? left.order - right.order : 0;
    }
    if (typeof x === 'string') current = current?.children.get(x);
  }
  return a.length - b.length;
}

/** An error, where graphql-js records it: at its own field, or (a non-null field's) at the nearest nullable ancestor (undefined: the whole `data`). */
interface PlacedError {
  error: JitError;
  path: ErrorPath;
  nonNull: boolean;
  position: ErrorPath | undefined;
}

function place(shape: ResponseShape, error: JitError): PlacedError {
  const path = error.path ?? [];
  const nullability = nullabilityAlong(shape, path);
  if (!nullability || nullability[path.length - 1] !== false) return { error, path, nonNull: false, position: path };
  const ancestor = path.length < 2 ? -1 : nullability.lastIndexOf(true, path.length - 2);
  return { error, path, nonNull: true, position: ancestor < 0 ? undefined : path.slice(0, ancestor + 1) };
}

/**
 * The errors graphql-js reports for the same execution. graphql-jit lists the errors of nullable fields
 * first, then those of non-null fields, each in the order they happened; graphql-js lists them as they
 * happen, in document order among the fields of one object, and stops at the first non-null field that
 * fails: it nulls the nearest nullable ancestor and drops any error recorded at or under a position
 * already nulled (graphql-js's CollectedErrors). Both lists are merged in document order, then filtered
 * the same way.
 */
function asGraphQLJsErrors(errors: readonly JitError[], shape: ResponseShape): GraphQLError[] {
  const placed = errors.map((error) => place(shape, error));
  const nullable = placed.filter((p) => !p.nonNull);
  const nonNull = placed.filter((p) => p.nonNull);
  const merged: PlacedError[] = [];
  let [i, j] = [0, 0];
  while (i < nullable.length || j < nonNull.length) {
    const takeNullable = j >= nonNull.length || (i < nullable.length && compareInDocument(shape, nullable[i]!.path, nonNull[j]!.path) <= 0);
    merged.push(takeNullable ? nullable[i++]! : nonNull[j++]!);
  }
  const nulled: Array<ErrorPath | undefined> = [];
  const out: GraphQLError[] = [];
  for (const { error, position } of merged) {
    if (nulled.some((at) => at === undefined || (position !== undefined && isPrefix(at, position)))) continue;
    nulled.push(position);
    out.push(asGraphQLError(error));
  }
  return out;
}

function isPrefix(prefix: ErrorPath, path: ErrorPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}
