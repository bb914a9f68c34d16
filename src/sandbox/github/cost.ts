import { Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode, type ValueNode } from 'graphql';

/**
 * GitHub's GraphQL cost, as documented: add up the requests each connection implies (its parents'
 * `first`/`last` multiplied together), divide by 100, round, minimum 1. Also counts nodes the
 * query can return, which GitHub limits to 500,000.
 */
export function queryCost(document: DocumentNode, variables: Record<string, unknown> = {}): { cost: number; nodes: number; largestPage: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const value = (node: ValueNode): unknown => (node.kind === Kind.VARIABLE ? variables[node.name.value] : node.kind === Kind.INT ? Number(node.value) : undefined);
  let requests = 0;
  let nodes = 0;
  let largestPage = 0;
  const walk = (set: SelectionSetNode | undefined, multiplier: number, seen: Set<string>) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !seen.has(fragment.name.value)) walk(fragment.selectionSet, multiplier, new Set([...seen, fragment.name.value]));
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, multiplier, seen);
        continue;
      }
      const page = selection.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last');
      const size = page ? Number(value(page.value) ?? 0) : 0;
      if (page && size > 0) {
        largestPage = Math.max(largestPage, size);
        requests += multiplier;
        nodes += multiplier * size;
        walk(selection.selectionSet, multiplier * size, seen);
      } else walk(selection.selectionSet, multiplier, seen);
    }
  };
  for (const def of document.definitions) if (def.kind === Kind.OPERATION_DEFINITION) walk(def.selectionSet, 1, new Set());
  return { cost: Math.max(1, Math.round(requests / 100)), nodes, largestPage };
}
