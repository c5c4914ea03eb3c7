/**
 * A flow's shape as data: what the run registry stores (`RunInfo.graph`), so that a UI can draw a
 * run's graph without importing the code that built it.
 */
import { reachable } from "./graph.js";
import { BRANCHES, type BaseNode, COMPOSITE, INNER } from "./node.js";

/** What a node is, for drawing: plain, a batch (parallel or not), a flow (batch or not), or parallel branches. */
export type NodeKind = "node" | "batch" | "parallelBatch" | "flow" | "batchFlow" | "parallelBatchFlow" | "parallel";

/** @internal The kind a node class reports for {@link describeGraph}, when it is not a plain node or flow. */
export const KIND: unique symbol = Symbol("flowlet.kind");

/** One node of a {@link GraphDescription}. */
export interface GraphNodeDescription {
  /** Its index in the flow's deterministic node order (see `reachable`): edges name nodes by it. */
  id: number;
  name: string;
  kind: NodeKind;
  /**
   * What is inside: a flow's own graph, or a parallel node's branches as unconnected nodes.
   * Absent for a flow that contains itself (`recursive`), where drawing it again would never end.
   */
  graph?: GraphDescription;
  /** A flow that is also one of its own enclosing flows: drawn as a box, its graph is above. */
  recursive?: true;
}

/** A flow's graph: its nodes in deterministic order and its action-labelled edges. */
export interface GraphDescription {
  name: string;
  nodes: GraphNodeDescription[];
  edges: { from: number; to: number; action: string }[];
}

/**
 * Describes `flow`'s graph as plain JSON data: nodes with their kinds, edges with their actions,
 * and nested flows (and a parallel node's branches) as graphs of their own, wherever they are
 * reached. A flow that contains itself is described once, and marked `recursive` inside itself.
 * Durable runs store it in the run registry as `RunInfo.graph` (as JSON text).
 */
export function describeGraph<S>(flow: BaseNode<S>): GraphDescription {
  return describe(flow as BaseNode<unknown>, new Set());
}

function describe(flow: BaseNode<unknown>, enclosing: Set<BaseNode<unknown>>): GraphDescription {
  const branches = flow[BRANCHES]();
  const nodes = branches.length > 0 ? [...branches] : reachable(flow[INNER]());
  const index = new Map(nodes.map((node, i) => [node, i]));
  enclosing.add(flow);
  const described = nodes.map((node, id) => {
    const own: GraphNodeDescription = { id, name: node.name, kind: kindOf(node) };
    if (node[BRANCHES]().length > 0 || node[INNER]()) {
      if (enclosing.has(node)) own.recursive = true;
      else own.graph = describe(node, enclosing);
    }
    return own;
  });
  enclosing.delete(flow);
  // Branches run side by side, then join: they have no edges among them.
  const edges =
    branches.length > 0
      ? []
      : nodes.flatMap((node, from) => [...node.successors].map(([action, next]) => ({ from, to: index.get(next) as number, action })));
  return { name: flow.name, nodes: described, edges };
}

function kindOf(node: BaseNode<unknown>): NodeKind {
  const own = (node as { [KIND]?: NodeKind })[KIND];
  if (own) return own;
  return node[COMPOSITE] ? "flow" : "node";
}
