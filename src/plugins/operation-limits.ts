/**
 * Limits that refuse an abusive operation before any upstream call:
 *
 * - validation rules for aliases, depth, directives and the depth of introspection: each alias can
 *   be an upstream call, and depth and directives bound the work of validation and execution. They
 *   report a validation error (400 GRAPHQL_VALIDATION_FAILED) naming the limit, never throw: a
 *   throwing rule makes Apollo answer 500;
 * - an upstream-call budget computed after the operation is resolved and before it executes: every
 *   distinct `user(provider, id)` and `me(provider)` at the root costs one call (DataLoader dedupes
 *   the rest), and an operation over budget is answered 400 `OPERATION_TOO_EXPENSIVE` with no call.
 *
 * The parser's token limit is Apollo's own `parseOptions.maxTokens` (set in server.ts): it answers
 * 400 GRAPHQL_PARSE_FAILED before validation runs; formatError words its message like the others.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  getIntrospectionQuery,
  parse,
  valueFromASTUntyped,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { ErrorCode, GatewayError, isGatewayError } from '../errors.js';

export interface OperationLimits {
  maxAliases: number;
  maxDepth: number;
  maxDirectives: number;
  /** Distinct upstream calls one operation may cause, over all providers. */
  maxUpstreamCalls: number;
  /** Distinct upstream calls one operation may cause at one provider. */
  maxUpstreamCallsPerProvider: number;
}

/** The limit that refused an operation: the `limit` label of `usergraph_operations_refused_total`. */
export type LimitName = 'tokens' | 'aliases' | 'depth' | 'directives' | 'introspection_depth' | 'upstream_calls';

/** A validation error raised by a limit; `limit` stays on the server (the client sees the code and message). */
export class OperationLimitError extends GraphQLError {
  readonly limit: LimitName;
  constructor(limit: LimitName, message: string, node: OperationDefinitionNode) {
    super(message, { nodes: [node] });
    this.name = 'OperationLimitError';
    this.limit = limit;
  }
}

/** What the limits measure in a selection set, fragments expanded. */
interface Measure {
  /** Aliased fields, a fragment's counted once per spread. */
  aliases: number;
  /** Directive uses (on fields, fragments, spreads and the operation), a fragment's counted once per spread. */
  directives: number;
  /** Field levels, the root field being 1; fragments add none; `__schema`/`__type` count 1 here. */
  depth: number;
  /** Field levels below and including the deepest `__schema`/`__type` field. */
  introspectionDepth: number;
}

const NOTHING: Measure = { aliases: 0, directives: 0, depth: 0, introspectionDepth: 0 };

/**
 * Measures selection sets, remembering each fragment's measure, so a fragment spread many times is
 * walked once. A fragment spread inside itself counts nothing (NoFragmentCyclesRule reports it).
 */
function createMeasurer(getFragment: (name: string) => FragmentDefinitionNode | null | undefined) {
  const fragments = new Map<string, Measure>();
  const measuring = new Set<string>();

  const fragment = (name: string): Measure => {
    const known = fragments.get(name);
    if (known) return known;
    const definition = getFragment(name);
    if (!definition || measuring.has(name)) return NOTHING;
    measuring.add(name);
    const inner = selectionSet(definition.selectionSet);
    measuring.delete(name);
    const measure = { ...inner, directives: inner.directives + (definition.directives?.length ?? 0) };
    fragments.set(name, measure);
    return measure;
  };

  const selectionSet = (set: SelectionSetNode): Measure => {
    let aliases = 0;
    let directives = 0;
    let depth = 0;
    let introspectionDepth = 0;
    for (const selection of set.selections) {
      directives += selection.directives?.length ?? 0;
      let inner: Measure;
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) aliases++;
        inner = selection.selectionSet ? selectionSet(selection.selectionSet) : NOTHING;
        const name = selection.name.value;
        if (name === '__schema' || name === '__type') {
          introspectionDepth = Math.max(introspectionDepth, 1 + inner.depth);
          depth = Math.max(depth, 1);
        } else {
          depth = Math.max(depth, 1 + inner.depth);
        }
      } else {
        inner = selection.kind === Kind.INLINE_FRAGMENT ? selectionSet(selection.selectionSet) : fragment(selection.name.value);
        depth = Math.max(depth, inner.depth);
      }
      aliases += inner.aliases;
      directives += inner.directives;
      introspectionDepth = Math.max(introspectionDepth, inner.introspectionDepth);
    }
    return { aliases, directives, depth, introspectionDepth };
  };

  return (operation: OperationDefinitionNode): Measure => {
    const measure = selectionSet(operation.selectionSet);
    return { ...measure, directives: measure.directives + (operation.directives?.length ?? 0) };
  };
}

/**
 * How deep an introspection query may go: as deep as graphql-js's own (GraphiQL and codegen send
 * the same one), `__schema types fields args type` and nine `ofType`: 15 levels. Enough to unwrap any
 * type this schema has; deeper is only work.
 */
export const MAX_INTROSPECTION_DEPTH = (() => {
  const document = parse(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }));
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const measure = createMeasurer((name) => fragments.get(name));
  let depth = 0;
  for (const d of document.definitions) if (d.kind === Kind.OPERATION_DEFINITION) depth = Math.max(depth, measure(d).introspectionDepth);
  return depth;
})();

/** One validation rule for all four limits: a single walk of each operation, fragments measured once. */
export function createLimitRules(limits: OperationLimits): ValidationRule[] {
  const rule = (context: ValidationContext): ASTVisitor => {
    const measure = createMeasurer((name) => context.getFragment(name));
    return {
      OperationDefinition(operation) {
        const m = measure(operation);
        const refuse = (limit: LimitName, message: string) => context.reportError(new OperationLimitError(limit, message, operation));
        if (m.aliases > limits.maxAliases) {
          refuse('aliases', `The operation has ${m.aliases} aliases, which exceeds the alias limit of ${limits.maxAliases} (MAX_ALIASES).`);
        }
        if (m.depth > limits.maxDepth) {
          refuse('depth', `The operation is ${m.depth} levels deep, which exceeds the depth limit of ${limits.maxDepth} (MAX_DEPTH).`);
        }
        if (m.directives > limits.maxDirectives) {
          refuse('directives', `The operation has ${m.directives} directives, which exceeds the directive limit of ${limits.maxDirectives} (MAX_DIRECTIVES).`);
        }
        if (m.introspectionDepth > MAX_INTROSPECTION_DEPTH) {
          refuse(
            'introspection_depth',
            `The operation's introspection is ${m.introspectionDepth} levels deep, which exceeds the introspection depth limit of ${MAX_INTROSPECTION_DEPTH} (that of the standard introspection query).`,
          );
        }
        return false;
      },
    };
  };
  return [rule];
}

/** graphql-js's message when `maxTokens` stops the parser (16.x spells it "more that"). */
const TOKEN_LIMIT_MESSAGE = /Document contains more (?:than|that) (\d+) tokens/;

/** The client message for a parse stopped by the token limit, or undefined for any other parse error. */
export function tokenLimitMessage(parseErrorMessage: string): string | undefined {
  const limit = TOKEN_LIMIT_MESSAGE.exec(parseErrorMessage)?.[1];
  return limit && `The operation has more than ${limit} tokens, which exceeds the token limit of ${limit} (MAX_TOKENS).`;
}

/** The limit behind a request error, if one refused the operation (Apollo wraps errors in `originalError`). */
export function refusedLimit(error: GraphQLError): LimitName | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (current instanceof OperationLimitError) return current.limit;
    if (isGatewayError(current) && current.code === ErrorCode.OPERATION_TOO_EXPENSIVE) return 'upstream_calls';
    current = (current as { originalError?: unknown }).originalError;
  }
  return error.extensions?.code === 'GRAPHQL_PARSE_FAILED' && TOKEN_LIMIT_MESSAGE.test(error.message) ? 'tokens' : undefined;
}

/** What an operation's root fields ask of one provider, before execution. */
export interface ProviderDemand {
  /** Distinct `user` ids (as written: the adapter may yet find two of them equal). */
  ids: number;
  /** Whether `me` is selected. */
  me: boolean;
}

/**
 * The distinct `user(provider, id)` ids and `me(provider)` selections an operation's root names, per
 * provider. Fragments and inline fragments on Query are followed; @skip/@include are ignored, so the
 * count is an upper bound.
 */
export function countUpstreamDemand(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): Map<string, ProviderDemand> {
  const ids = new Map<string, Set<string>>();
  const demand = new Map<string, ProviderDemand>();
  const visited = new Set<string>();
  const argument = (field: FieldNode, name: string): unknown => {
    const node = field.arguments?.find((a) => a.name.value === name)?.value;
    return node && valueFromASTUntyped(node, variables);
  };
  const walk = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name !== 'user' && name !== 'me') continue;
        const provider = String(argument(selection, 'provider'));
        let entry = demand.get(provider);
        if (!entry) demand.set(provider, (entry = { ids: 0, me: false }));
        if (name === 'me') {
          entry.me = true;
          continue;
        }
        let seen = ids.get(provider);
        if (!seen) ids.set(provider, (seen = new Set()));
        const id = String(argument(selection, 'id'));
        if (!seen.has(id)) {
          seen.add(id);
          entry.ids++;
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const fragment = fragments[name];
        if (fragment && !visited.has(name)) {
          visited.add(name);
          walk(fragment.selectionSet);
        }
      }
    }
  };
  walk(operation.selectionSet);
  return demand;
}

/**
 * Upstream calls a provider needs for `ids` distinct user reads: one each, unless the provider reads
 * several ids in one call (Syncano's batch endpoint: up to 50 per call).
 */
export type UpstreamCallCost = (provider: string, ids: number) => number;

interface UpstreamCost {
  total: number;
  /** The most calls at one provider, and that provider. */
  worst: number;
  worstProvider: string;
}

const oneCallPerId: UpstreamCallCost = (_provider, ids) => ids;

export function createUpstreamBudgetPlugin(limits: OperationLimits, callCost: UpstreamCallCost = oneCallPerId): ApolloServerPlugin {
  // An operation without variables in provider/id positions costs the same every time: remember it
  // per parsed document (Apollo hands back the same cached document object for the same query text).
  const constantCost = new WeakMap<OperationDefinitionNode, UpstreamCost | null>();
  const costOf = (operation: OperationDefinitionNode, document: DocumentNode, variables: Record<string, unknown>) => {
    const cached = constantCost.get(operation);
    if (cached) return cached;
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    const cost: UpstreamCost = { total: 0, worst: 0, worstProvider: '' };
    for (const [provider, { ids, me }] of countUpstreamDemand(operation, fragments, variables)) {
      const calls = (me ? 1 : 0) + (ids > 0 ? callCost(provider, ids) : 0);
      cost.total += calls;
      if (calls > cost.worst) Object.assign(cost, { worst: calls, worstProvider: provider });
    }
    // Validation has made sure every variable used is defined, so no definitions means no variables.
    if (cached === undefined) constantCost.set(operation, operation.variableDefinitions?.length ? null : cost);
    return cost;
  };

  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (!operation || operation.operation !== 'query') return;
          const { total, worst, worstProvider } = costOf(operation, document, request.variables ?? {});
          let message: string | undefined;
          if (total > limits.maxUpstreamCalls) {
            message = `The operation would make ${total} upstream calls, which exceeds the limit of ${limits.maxUpstreamCalls} in all (MAX_UPSTREAM_CALLS).`;
          } else if (worst > limits.maxUpstreamCallsPerProvider) {
            message = `The operation would make ${worst} upstream calls to ${worstProvider}, which exceeds the limit of ${limits.maxUpstreamCallsPerProvider} per provider (MAX_UPSTREAM_CALLS_PER_PROVIDER).`;
          }
          if (message) {
            throw new GatewayError(ErrorCode.OPERATION_TOO_EXPENSIVE, `${message} Split it into smaller operations.`, { http: { status: 400 } });
          }
        },
      };
    },
  };
}
