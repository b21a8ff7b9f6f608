/**
 * Dependency graph helpers over plan steps: pure functions shared by the validator and the workflow.
 */

/** The part of a step the graph needs: its id and what it waits for. */
export interface GraphNode {
  id: string;
  needs: readonly string[];
}

/**
 * Finds one dependency cycle, returned as the ids along it with the first repeated at the end
 * (`['a', 'b', 'a']`), or `null` when the graph is acyclic. Needs naming unknown ids are ignored.
 * Deterministic: nodes are visited in the given order.
 */
export function findCycle(nodes: readonly GraphNode[]): string[] | null {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];

  const visit = (id: string): string[] | null => {
    const s = state.get(id);
    if (s === 'done') return null;
    if (s === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of byId.get(id)?.needs ?? []) {
      if (!byId.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };

  for (const n of nodes) {
    const cycle = visit(n.id);
    if (cycle) return cycle;
  }
  return null;
}

/** Every id `id` depends on, directly or through other steps (not including `id`). */
export function upstreamOf(nodes: readonly GraphNode[], id: string): Set<string> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const queue = [...(byId.get(id)?.needs ?? [])];
  while (queue.length > 0) {
    const next = queue.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...(byId.get(next)?.needs ?? []));
  }
  return seen;
}

/**
 * Ids in a dependency-respecting order (Kahn's algorithm, ties broken by declaration order).
 * Throws when the graph has a cycle.
 */
export function topologicalOrder(nodes: readonly GraphNode[]): string[] {
  const indegree = new Map(nodes.map((n) => [n.id, 0]));
  const dependents = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const n of nodes) {
    for (const dep of n.needs) {
      if (!indegree.has(dep)) continue;
      indegree.set(n.id, (indegree.get(n.id) ?? 0) + 1);
      dependents.get(dep)?.push(n.id);
    }
  }
  const order: string[] = [];
  const ready = nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  while (ready.length > 0) {
    const id = ready.shift() as string;
    order.push(id);
    for (const d of dependents.get(id) ?? []) {
      const left = (indegree.get(d) ?? 0) - 1;
      indegree.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  if (order.length !== nodes.length) throw new Error('dependency cycle');
  return order;
}
