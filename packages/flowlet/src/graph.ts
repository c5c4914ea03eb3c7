/** The graph behind a flow: its nodes in a deterministic order, and its fingerprint. */
import { BRANCHES, type BaseNode, INNER } from "./node.js";

/**
 * Every node reachable from `start`, in a deterministic order (breadth-first, edges in wiring
 * order), so a fresh process that builds the same graph gets the same order.
 */
export function reachable<S>(start: BaseNode<S> | undefined): BaseNode<S>[] {
  // (A parallel node's branches are inside it, like a flow's nodes, not reached by its edges.)
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

/**
 * A fingerprint of a graph: node classes and names, in the deterministic order of `reachable`, and
 * the edges between them, nested flows included. Equal graphs built in any process agree on it.
 */
export function shapeOf<S>(node: BaseNode<S>): string {
  const text = describeShape(node, new Set());
  let hash = 0x811c9dc5; // FNV-1a, 32 bit: a checksum of the description, not a security measure
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return `${(hash >>> 0).toString(16).padStart(8, "0")}-${text.length}`;
}

function describeShape<S>(node: BaseNode<S>, seen: Set<BaseNode<S>>): string {
  const own = `${node.constructor.name}:${node.name}`;
  if (seen.has(node)) return own;
  const branches = node[BRANCHES]();
  if (branches.length > 0) {
    seen.add(node);
    return `${own}<${branches.map((b, i) => `${i}=${describeShape(b, seen)}`).join(";")}>`;
  }
  const start = node[INNER]();
  if (!start) return own;
  seen.add(node);
  const nodes = reachable(start);
  const index = new Map(nodes.map((n, i) => [n, i]));
  const parts = nodes.map((n, i) => {
    const edges = [...n.successors].map(([action, next]) => `${JSON.stringify(action)}>${index.get(next)}`);
    return `${i}=${describeShape(n, seen)}[${edges.join(",")}]`;
  });
  return `${own}{${parts.join(";")}}`;
}
