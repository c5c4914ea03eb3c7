import { type BaseNode, BatchFlow, BatchNode, Flow, ParallelBatchFlow, ParallelBatchNode, reachable } from "flowlet";

/** A node of a graph description: nested flows carry their own graph. */
export interface GraphNodeDescription {
  id: number;
  name: string;
  kind: "node" | "batch" | "parallelBatch" | "flow" | "batchFlow" | "parallelBatchFlow";
  graph?: GraphDescription;
}

/** The shape of a flow, for drawing: what `RunInfo.graph` holds as JSON. */
export interface GraphDescription {
  name: string;
  nodes: GraphNodeDescription[];
  edges: { from: number; to: number; action: string }[];
}

/**
 * Describes a flow's graph as Studio draws it, for runs whose registry row has no `graph`: Studio
 * then takes it from the `--flow` module whose shape matches the run's.
 */
export function describeGraph(flow: Flow<never, unknown, unknown>): GraphDescription {
  return describe(flow, new Set());
}

function describe(flow: Flow<never, unknown, unknown>, seen: Set<BaseNode<never>>): GraphDescription {
  seen.add(flow);
  const nodes = reachable(flow.startNode);
  const index = new Map(nodes.map((node, i) => [node, i]));
  return {
    name: flow.name,
    nodes: nodes.map((node, id) => {
      const described: GraphNodeDescription = { id, name: node.name, kind: kindOf(node) };
      if (node instanceof Flow && !seen.has(node)) described.graph = describe(node as unknown as Flow<never, unknown, unknown>, seen);
      return described;
    }),
    edges: nodes.flatMap((node, from) => [...node.successors].map(([action, next]) => ({ from, to: index.get(next) ?? -1, action }))),
  };
}

function kindOf(node: BaseNode<never>): GraphNodeDescription["kind"] {
  if (node instanceof ParallelBatchFlow) return "parallelBatchFlow";
  if (node instanceof BatchFlow) return "batchFlow";
  if (node instanceof Flow) return "flow";
  if (node instanceof ParallelBatchNode) return "parallelBatch";
  if (node instanceof BatchNode) return "batch";
  return "node";
}
