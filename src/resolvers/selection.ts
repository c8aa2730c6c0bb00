/**
 * The fields a `user`/`me` selection asks for, across fragments and inline fragments of any type
 * condition (a superset is fine: it only means fetching a little more). Adapters use it to push the
 * selection down to the provider where the provider allows it (BellaDati `exclude`).
 */
import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * The answers for a field named by one node, kept per node: a node belongs to one parsed document,
 * which Apollo keeps and hands back for the same query text, so the walk is done once per document
 * rather than once per request. (A node's fragments are that document's, so the answer cannot change.)
 */
const selectedByNode = new WeakMap<FieldNode, ReadonlySet<string>>();
const selectedNodeByNode = new WeakMap<FieldNode, ReadonlySet<string>>();

function once(
  memo: WeakMap<FieldNode, ReadonlySet<string>>,
  fieldNodes: readonly FieldNode[],
  fragments: Record<string, FragmentDefinitionNode>,
  compute: (fieldNodes: readonly FieldNode[], fragments: Record<string, FragmentDefinitionNode>) => ReadonlySet<string>,
): ReadonlySet<string> {
  // Several nodes (the same response key written twice) are rare: computed each time.
  if (fieldNodes.length !== 1) return compute(fieldNodes, fragments);
  const node = fieldNodes[0]!;
  let names = memo.get(node);
  if (!names) memo.set(node, (names = compute(fieldNodes, fragments)));
  return names;
}

/** What `fieldNodes` select (see the module comment); the set is shared: read it, never change it. */
export function selectedFieldNames(fieldNodes: readonly FieldNode[], fragments: Record<string, FragmentDefinitionNode>): ReadonlySet<string> {
  return once(selectedByNode, fieldNodes, fragments, walkSelectedFieldNames);
}

function walkSelectedFieldNames(fieldNodes: readonly FieldNode[], fragments: Record<string, FragmentDefinitionNode>): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        walk(fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  for (const node of fieldNodes) walk(node.selectionSet);
  return names;
}

/**
 * The `User` fields a connection selection asks for on its `edges { node { … } }`, so a list fetches
 * (and primes the user loader with) what the operation reads.
 */
export function selectedNodeFieldNames(fieldNodes: readonly FieldNode[], fragments: Record<string, FragmentDefinitionNode>): ReadonlySet<string> {
  return once(selectedNodeByNode, fieldNodes, fragments, (nodes) => walkSelectedFieldNames(subfields(subfields(nodes, 'edges', fragments), 'node', fragments), fragments));
}

/** The fields named `name` directly in these fields' selections, through fragments. */
function subfields(fieldNodes: readonly FieldNode[], name: string, fragments: Record<string, FragmentDefinitionNode>): FieldNode[] {
  const found: FieldNode[] = [];
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === name) found.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        walk(fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  for (const node of fieldNodes) walk(node.selectionSet);
  return found;
}
