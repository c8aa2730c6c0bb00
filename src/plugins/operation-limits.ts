/**
 * Limits that refuse an abusive operation before any upstream call:
 *
 * - validation rules (graphql-armor) for aliases, depth and directives: each alias can be an
 *   upstream call, and depth/directives bound the work of validation itself;
 * - an upstream-call budget computed after the operation is resolved and before it executes: every
 *   distinct `user(provider, id)` and `me(provider)` at the root costs one call (DataLoader dedupes
 *   the rest), and an operation over budget is answered 400 `OPERATION_TOO_EXPENSIVE` with no call.
 *
 * The parser's token limit is Apollo's own `parseOptions.maxTokens` (set in server.ts): it answers
 * 400 GRAPHQL_PARSE_FAILED, where armor's token plugin answers 500 on Apollo Server 5.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { Kind, valueFromASTUntyped, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode, type ValidationRule } from 'graphql';
import { ErrorCode, GatewayError } from '../errors.js';

export interface OperationLimits {
  maxAliases: number;
  maxDepth: number;
  maxDirectives: number;
  /** Distinct upstream calls one operation may cause, over all providers. */
  maxUpstreamCalls: number;
  /** Distinct upstream calls one operation may cause at one provider. */
  maxUpstreamCallsPerProvider: number;
}

export function createLimitRules(limits: OperationLimits): ValidationRule[] {
  return [
    maxAliasesRule({ n: limits.maxAliases, exposeLimits: false }),
    maxDepthRule({ n: limits.maxDepth, exposeLimits: false, flattenFragments: true }),
    maxDirectivesRule({ n: limits.maxDirectives, exposeLimits: false }),
  ] as ValidationRule[];
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

const oneCallPerId: UpstreamCallCost = (_provider, ids) => ids;

export function createUpstreamBudgetPlugin(limits: OperationLimits, callCost: UpstreamCallCost = oneCallPerId): ApolloServerPlugin {
  // An operation without variables in provider/id positions costs the same every time: remember it
  // per parsed document (Apollo hands back the same cached document object for the same query text).
  const constantCost = new WeakMap<OperationDefinitionNode, { total: number; worst: number } | null>();
  const costOf = (operation: OperationDefinitionNode, document: DocumentNode, variables: Record<string, unknown>) => {
    const cached = constantCost.get(operation);
    if (cached) return cached;
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    let total = 0;
    let worst = 0;
    for (const [provider, { ids, me }] of countUpstreamDemand(operation, fragments, variables)) {
      const calls = (me ? 1 : 0) + (ids > 0 ? callCost(provider, ids) : 0);
      total += calls;
      worst = Math.max(worst, calls);
    }
    const cost = { total, worst };
    // Validation has made sure every variable used is defined, so no definitions means no variables.
    if (cached === undefined) constantCost.set(operation, operation.variableDefinitions?.length ? null : cost);
    return cost;
  };

  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (!operation || operation.operation !== 'query') return;
          const { total, worst } = costOf(operation, document, request.variables ?? {});
          if (total > limits.maxUpstreamCalls || worst > limits.maxUpstreamCallsPerProvider) {
            throw new GatewayError(
              ErrorCode.OPERATION_TOO_EXPENSIVE,
              `The operation would make ${total} upstream calls (limits: ${limits.maxUpstreamCalls} in all, ${limits.maxUpstreamCallsPerProvider} per provider). Split it into smaller operations.`,
              { http: { status: 400 } },
            );
          }
        },
      };
    },
  };
}
