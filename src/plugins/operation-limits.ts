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
import { Kind, valueFromASTUntyped, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode, type ValidationRule } from 'graphql';
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

/**
 * The distinct (provider, id) pairs an operation's root `user`/`me` fields name, or null when one
 * of them cannot be known before execution (the resolver will reject it anyway). Fragments and
 * inline fragments on Query are followed; @skip/@include are ignored, so the count is an upper bound.
 */
export function countUpstreamCalls(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): Map<string, number> {
  const keys = new Set<string>();
  const visited = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name !== 'user' && name !== 'me') continue;
        const arg = (n: string) => {
          const node = selection.arguments?.find((a) => a.name.value === n)?.value;
          if (!node) return undefined;
          return valueFromASTUntyped(node, variables);
        };
        const provider = String(arg('provider'));
        keys.add(JSON.stringify([provider, name === 'me' ? '\u0000me' : String(arg('id'))]));
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
  const perProvider = new Map<string, number>();
  for (const key of keys) {
    const [provider] = JSON.parse(key) as [string, string];
    perProvider.set(provider, (perProvider.get(provider) ?? 0) + 1);
  }
  return perProvider;
}

export function createUpstreamBudgetPlugin(limits: OperationLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (!operation || operation.operation !== 'query') return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
          const perProvider = countUpstreamCalls(operation, fragments, request.variables ?? {});
          const total = [...perProvider.values()].reduce((a, b) => a + b, 0);
          const worst = Math.max(0, ...perProvider.values());
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
