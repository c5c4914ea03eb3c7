import type { BaseNode } from "./node.js";

/**
 * Every node reachable from `start`, in a deterministic order (breadth-first, edges in wiring
 * order), so a fresh process that builds the same graph gets the same order.
 */
export function reachable<S>(start: BaseNode<S> | undefined): BaseNode<S>[] {
  if (!start) return [];
  const seen = new Set<BaseNode<S>>([start]);
  const order = [start];
  for (let i = 0; i < order.length; i++) {
    for (const next of (order[i] as BaseNode<S>).successors.values()) {
      if (!seen.has(next)) {
        seen.add(next);
        order.push(next);
      }
    }
  }
  return order;
}
