/**
 * Limits that refuse an abusive operation before any upstream call:
 *
 * - validation rules for aliases, depth, directives and the depth of introspection: each alias can
 *   be an upstream call, and depth and directives bound the work of validation and execution. They
 *   report a validation error (400 GRAPHQL_VALIDATION_FAILED) naming the limit, never throw: a
 *   throwing rule makes Apollo answer 500;
 * - an upstream-call budget computed after the operation is resolved and before it executes: every
 *   distinct `user(provider, id)` and `me(provider)` at the root costs one call (DataLoader dedupes
 *   the rest), a `group` one, and a `users` or `members` list ceil(first / the provider's list page
 *   size), times the enclosing list's `first` when nested in one; an operation over budget is
 *   answered 400 `OPERATION_TOO_EXPENSIVE` with no call.
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

/** What an operation asks of one provider, before execution. */
export interface ProviderDemand {
  /** Distinct root `user` ids (as written: the adapter may yet find two of them equal). */
  ids: number;
  /** Whether `me` is selected. */
  me: boolean;
  /** Root `group` fields (one call each). */
  groups: number;
  /** Each `users` or `members` list: its `first`, times how often it runs (the enclosing lists' `first`). */
  lists: Array<{ first: number; times: number }>;
}

/** Walking more selections than this (fragments spread inside fragments) makes the cost unbounded. */
const MAX_DEMAND_VISITS = 10_000;

/**
 * What an operation names, per provider: the distinct root `user(provider, id)` ids (and federation
 * `_entities` representations, `{ provider, id }` each) and `me(provider)`, each root `group(provider, id)`, and every `users` list and `members` list with
 * its `first`. A list nested in another list runs once per user of the enclosing page, so it counts
 * that many times (`users(first: 10) { … groups { members(first: 5) } }`: ten `members` lists).
 * Fragments and inline fragments are followed; @skip/@include are ignored, so the count is an upper
 * bound. A `first` outside 1..100 counts nothing: the field is refused without a call. Returns
 * undefined when the operation is too intricate to count (fragments spread exponentially).
 */
export function countUpstreamDemand(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): Map<string, ProviderDemand> | undefined {
  const ids = new Map<string, Set<string>>();
  const demand = new Map<string, ProviderDemand>();
  let visits = 0;
  const argument = (field: FieldNode, name: string): unknown => {
    const node = field.arguments?.find((a) => a.name.value === name)?.value;
    return node && valueFromASTUntyped(node, variables);
  };
  const first = (field: FieldNode): number => {
    const value = argument(field, 'first') ?? 20;
    return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 100 ? value : 0;
  };
  const entry = (provider: string): ProviderDemand => {
    let found = demand.get(provider);
    if (!found) demand.set(provider, (found = { ids: 0, me: false, groups: 0, lists: [] }));
    return found;
  };
  /** `provider` is undefined at the root; below a provider's root field it is that provider. */
  const walk = (set: SelectionSetNode, provider: string | undefined, times: number, within: readonly string[]): void => {
    for (const selection of set.selections) {
      if (++visits > MAX_DEMAND_VISITS) return;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, provider, times, within);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments[name];
        if (fragment && !within.includes(name)) walk(fragment.selectionSet, provider, times, [...within, name]);
        continue;
      }
      const name = selection.name.value;
      if (provider === undefined && name === '_entities') {
        // Federation: each representation is a `user(provider, id)`; what is selected below runs once per user.
        const byProvider = new Map<string, number>();
        const representations = argument(selection, 'representations');
        for (const reference of Array.isArray(representations) ? representations : []) {
          const { provider: at, id } = (reference ?? {}) as { provider?: unknown; id?: unknown };
          if (typeof at !== 'string' || (typeof id !== 'string' && typeof id !== 'number')) continue;
          let seen = ids.get(at);
          if (!seen) ids.set(at, (seen = new Set()));
          if (seen.has(String(id))) continue;
          seen.add(String(id));
          entry(at).ids++;
          byProvider.set(at, (byProvider.get(at) ?? 0) + 1);
        }
        if (selection.selectionSet) for (const [at, count] of byProvider) walk(selection.selectionSet, at, times * count, within);
        continue;
      }
      if (provider === undefined) {
        if (name !== 'user' && name !== 'me' && name !== 'users' && name !== 'group') continue;
        const at = String(argument(selection, 'provider'));
        const forProvider = entry(at);
        if (name === 'me') forProvider.me = true;
        else if (name === 'group') forProvider.groups++;
        else if (name === 'users') forProvider.lists.push({ first: first(selection), times });
        else {
          let seen = ids.get(at);
          if (!seen) ids.set(at, (seen = new Set()));
          const id = String(argument(selection, 'id'));
          if (!seen.has(id)) {
            seen.add(id);
            forProvider.ids++;
          }
        }
        if (selection.selectionSet) walk(selection.selectionSet, at, name === 'users' ? times * first(selection) : times, within);
      } else if (selection.selectionSet) {
        let inner = times;
        if (name === 'members') {
          entry(provider).lists.push({ first: first(selection), times });
          inner = times * first(selection);
        }
        walk(selection.selectionSet, provider, inner, within);
      }
    }
  };
  walk(operation.selectionSet, undefined, 1, []);
  return visits > MAX_DEMAND_VISITS ? undefined : demand;
}

/**
 * What the budget needs to know of a provider: how many ids one user read can carry (Syncano's batch
 * endpoint: 50; absent: one call per id) and the most users one list call returns (absent or
 * Infinity: a list is one call).
 */
export interface ProviderCallInfo {
  idsPerCall?: number;
  listPageSize?: number;
}

export type ProviderCallInfoOf = (provider: string) => ProviderCallInfo;

interface UpstreamCost {
  total: number;
  /** The most calls at one provider, and that provider. */
  worst: number;
  worstProvider: string;
}

const noInfo: ProviderCallInfoOf = () => ({});

/** Upstream calls a provider's demand costs. */
export function demandCost({ ids, me, groups, lists }: ProviderDemand, info: ProviderCallInfo): number {
  const perCall = info.idsPerCall ?? 1;
  const pageSize = info.listPageSize;
  const listCalls = (first: number) => (first === 0 ? 0 : pageSize === undefined || !Number.isFinite(pageSize) || pageSize < 1 ? 1 : Math.ceil(first / pageSize));
  let calls = (me ? 1 : 0) + Math.ceil(ids / perCall) + groups;
  for (const { first, times } of lists) calls += times * listCalls(first);
  return calls;
}

export function createUpstreamBudgetPlugin(limits: OperationLimits, providerInfo: ProviderCallInfoOf = noInfo): ApolloServerPlugin {
  // An operation without variables in provider/id positions costs the same every time: remember it
  // per parsed document (Apollo hands back the same cached document object for the same query text).
  const constantCost = new WeakMap<OperationDefinitionNode, UpstreamCost | null>();
  const costOf = (operation: OperationDefinitionNode, document: DocumentNode, variables: Record<string, unknown>) => {
    const cached = constantCost.get(operation);
    if (cached) return cached;
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    const cost: UpstreamCost = { total: 0, worst: 0, worstProvider: '' };
    const demand = countUpstreamDemand(operation, fragments, variables);
    if (!demand) Object.assign(cost, { total: Infinity });
    for (const [provider, providerDemand] of demand ?? []) {
      const calls = demandCost(providerDemand, providerInfo(provider));
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
          if (total === Infinity) {
            message = 'The operation spreads its fragments too many times for the gateway to count its upstream calls.';
          } else if (total > limits.maxUpstreamCalls) {
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
