/** describeGraph: the flow's shape as data, for the run registry and UIs. */
import {
  BatchFlow,
  BatchNode,
  Flow,
  type GraphDescription,
  Node,
  Parallel,
  ParallelBatchFlow,
  ParallelBatchNode,
  describeGraph,
  toMermaid,
} from "flowlet";
import { describe, expect, it } from "vitest";

/** Boxes in a description, nested graphs included: what a UI draws. */
function count(graph: GraphDescription): number {
  return graph.nodes.reduce((n, node) => n + 1 + (node.graph ? count(node.graph) : 0), 0);
}

describe("describeGraph", () => {
  it("lists nodes in graph order with their edges, actions included", () => {
    const write = new Node({ name: "Write" });
    const review = new Node({ name: "Review" });
    write.next(review);
    review.on("revise", write);
    review.on("approve", new Node({ name: "Publish" }));
    expect(describeGraph(new Flow(write, { name: "Post" }))).toEqual({
      name: "Post",
      nodes: [
        { id: 0, name: "Write", kind: "node" },
        { id: 1, name: "Review", kind: "node" },
        { id: 2, name: "Publish", kind: "node" },
      ],
      edges: [
        { from: 0, to: 1, action: "default" },
        { from: 1, to: 0, action: "revise" },
        { from: 1, to: 2, action: "approve" },
      ],
    });
  });

  it("nests flows and tells every batch kind apart", () => {
    const load = new Node({ name: "Load" });
    const inner = new Flow(new Node({ name: "Draft" }), { name: "Chapter" });
    const each = new BatchFlow(new Node({ name: "Step" }), { name: "EachFile" });
    const all = new ParallelBatchFlow(new Node({ name: "Fetch" }), { name: "AllUrls" });
    load
      .next(inner)
      .next(new BatchNode({ name: "Sum" }))
      .next(new ParallelBatchNode({ name: "Embed" }))
      .next(each)
      .next(all);
    const graph = describeGraph(new Flow(load, { name: "Book" }));
    expect(graph.nodes.map((n) => [n.name, n.kind])).toEqual([
      ["Load", "node"],
      ["Chapter", "flow"],
      ["Sum", "batch"],
      ["Embed", "parallelBatch"],
      ["EachFile", "batchFlow"],
      ["AllUrls", "parallelBatchFlow"],
    ]);
    expect(graph.nodes[1]?.graph).toEqual({ name: "Chapter", nodes: [{ id: 0, name: "Draft", kind: "node" }], edges: [] });
    expect(graph.nodes[4]?.graph?.nodes[0]?.name).toBe("Step");
    expect(graph.nodes[5]?.graph?.nodes[0]?.name).toBe("Fetch");
    expect(count(graph)).toBe(9);
    // JSON in, the same out: it is what the registry stores.
    expect(JSON.parse(JSON.stringify(graph))).toEqual(graph);
  });

  it("describes a Parallel's branches as its graph, without edges among them", () => {
    const web = new Flow(new Node({ name: "Search" }), { name: "Web" });
    const research = new Parallel([web, new Node({ name: "Docs" })], { name: "Research" });
    research.next(new Node({ name: "Summarize" }));
    const graph = describeGraph(new Flow(research, { name: "Top" }));
    expect(graph.nodes[0]).toMatchObject({ name: "Research", kind: "parallel" });
    expect(graph.nodes[0]?.graph).toEqual({
      name: "Research",
      nodes: [
        { id: 0, name: "Web", kind: "flow", graph: { name: "Web", nodes: [{ id: 0, name: "Search", kind: "node" }], edges: [] } },
        { id: 1, name: "Docs", kind: "node" },
      ],
      edges: [],
    });
    expect(graph.edges).toEqual([{ from: 0, to: 1, action: "default" }]);
  });

  it("describes a flow that contains itself once, and ends there", () => {
    const step = new Node({ name: "Step" });
    const loop = new Flow(step, { name: "Loop" });
    step.on("deeper", loop);
    const graph = describeGraph(new Flow(loop, { name: "Top" }));
    const inner = graph.nodes[0]?.graph;
    expect(inner?.nodes).toEqual([
      { id: 0, name: "Step", kind: "node" },
      { id: 1, name: "Loop", kind: "flow", recursive: true },
    ]);
    expect(inner?.edges).toEqual([{ from: 0, to: 1, action: "deeper" }]);
    // The top flow reached from inside itself is recursive too.
    const a = new Node({ name: "A" });
    const top = new Flow(a, { name: "Self" });
    a.on("again", top);
    expect(describeGraph(top).nodes[1]).toEqual({ id: 1, name: "Self", kind: "flow", recursive: true });
    expect(toMermaid(top)).toContain("Self");
  });

  it("describes a sub-flow reached from two places at both, as runs name both places", () => {
    const shared = new Flow(new Node({ name: "Check" }), { name: "Validate" });
    const first = new Flow(shared, { name: "First" });
    const second = new Flow(new Node({ name: "Prepare" }), { name: "Second" });
    second.startNode?.next(shared);
    const start = new Node({ name: "Start" });
    start.next(first).next(second);
    const graph = describeGraph(new Flow(start, { name: "Top" }));
    expect(graph.nodes[1]?.graph?.nodes[0]?.graph?.nodes[0]?.name).toBe("Check");
    expect(graph.nodes[2]?.graph?.nodes[1]?.graph?.nodes[0]?.name).toBe("Check");
    expect(count(graph)).toBe(8);
  });

  it("describes an empty flow as no nodes", () => {
    expect(describeGraph(new Flow(undefined, { name: "Empty" }))).toEqual({ name: "Empty", nodes: [], edges: [] });
  });
});
