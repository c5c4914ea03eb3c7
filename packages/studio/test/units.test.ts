import { describe, expect, it } from "vitest";
import { diffJSON } from "../src/server/diff.js";
import { BatchFlow, Flow, Node, Parallel, ParallelBatchNode, describeGraph } from "flowlet";
import { idOf, toMermaid } from "../src/client/graph.js";
import { buildTimeline } from "../src/client/timeline-model.js";
import { redact } from "../src/server/redact.js";

describe("diffJSON", () => {
  it("lists one change for a one-field change in a big store", () => {
    const big = { items: Array.from({ length: 1000 }, (_, i) => ({ i })), counter: 1 };
    expect(diffJSON(big, { ...big, counter: 2 })).toEqual([{ path: ["counter"], kind: "changed", before: 1, after: 2 }]);
  });
  it("tells added, removed and changed keys and array items apart", () => {
    expect(diffJSON({ a: 1, b: [1, 2], c: { d: "x" } }, { b: [1, 3, 4], c: { d: "x" }, e: null })).toEqual([
      { path: ["a"], kind: "removed", before: 1 },
      { path: ["b", 1], kind: "changed", before: 2, after: 3 },
      { path: ["b", 2], kind: "added", after: 4 },
      { path: ["e"], kind: "added", after: null },
    ]);
  });
});

describe("redact", () => {
  it("hides values under secret names and credential-shaped strings, and keeps token counts", () => {
    expect(
      redact({
        apiKey: "abc",
        headers: { Authorization: "Bearer abcdefghijkl", "x-api-key": "k" },
        note: "called with sk-proj-abcdefghijklmnop today",
        inputTokens: 12,
        tokens: 40,
        nested: [{ password: "hunter2" }],
      }),
    ).toEqual({
      apiKey: "[redacted]",
      headers: { Authorization: "[redacted]", "x-api-key": "[redacted]" },
      note: "called with [redacted] today",
      inputTokens: 12,
      tokens: 40,
      nested: [{ password: "[redacted]" }],
    });
  });
});

describe("buildTimeline", () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
  const event = (seq: number, ms: number, type: string, path: string, data?: unknown) => ({
    runId: "r",
    seq,
    at: at(ms),
    type,
    path,
    data,
  });

  it("puts batch items, and visits that overlap, on lanes of their own; counts retries", () => {
    const events = [
      event(1, 0, "nodeStart", "F"),
      event(2, 0, "nodeStart", "F/Items", { item: 0 }),
      event(3, 5, "nodeStart", "F/Items", { item: 1 }),
      event(4, 20, "nodeEnd", "F/Items", { item: 0, action: "default", durationMs: 20 }),
      event(5, 30, "nodeEnd", "F/Items", { item: 1, action: "default", durationMs: 25 }),
      event(6, 30, "nodeStart", "F/A"),
      event(7, 31, "nodeStart", "F/B"),
      event(8, 35, "nodeError", "F/B", { attempt: 1 }),
      event(9, 40, "nodeEnd", "F/A", { action: "next", durationMs: 10 }),
      event(10, 45, "nodeEnd", "F/B", { action: "done", durationMs: 14 }),
      event(11, 46, "nodeEnd", "F", { action: "done", durationMs: 46 }),
    ];
    const checkpoints = [
      { runId: "r", seq: 1, at: at(41), status: "running" as const, node: "F/A", kind: "full" as const, checksum: "" },
      { runId: "r", seq: 2, at: at(46), status: "running" as const, node: "F/B", kind: "delta" as const, checksum: "" },
    ];
    const timeline = buildTimeline(checkpoints, events, () => false, Date.UTC(2026, 0, 1) + 50);
    expect(timeline.lanes).toEqual(["flow F", "main", "parallel 2", "item 0", "item 1"]);
    expect(timeline.spans.find((s) => s.path === "F/B")).toMatchObject({ lane: "parallel 2", retries: 1, failed: false });
    expect(timeline.steps.map((s) => [s.seq, s.action, s.durationMs, s.retries])).toEqual([
      [1, "next", 10, 0],
      [2, "done", 14, 1],
    ]);
  });

  it("draws the engine's per-item events as one lane per item, failures and retries included", () => {
    const events = [
      event(1, 0, "nodeStart", "F/Sq"),
      event(2, 1, "itemStart", "F/Sq", { item: 0, key: "h:a" }),
      event(3, 1, "itemStart", "F/Sq", { item: 1, key: "h:b" }),
      event(4, 3, "nodeError", "F/Sq", { item: 1, attempt: 0, willRetry: true }),
      event(5, 9, "itemEnd", "F/Sq", { item: 0, key: "h:a", durationMs: 8 }),
      event(6, 12, "itemEnd", "F/Sq", { item: 1, key: "h:b", durationMs: 11 }),
      event(7, 13, "itemStart", "F/Sq", { item: 2, key: "h:c" }),
      event(8, 15, "itemEnd", "F/Sq", { item: 2, key: "h:c", durationMs: 2, outcome: "failed" }),
    ];
    const timeline = buildTimeline([], events, () => false, Date.UTC(2026, 0, 1) + 20);
    expect(timeline.lanes).toEqual(["main", "Sq item 0", "Sq item 1", "Sq item 2"]);
    const items = timeline.spans.filter((s) => s.lane !== "main");
    expect(items.map((s) => [s.label, s.end === undefined ? undefined : s.end - s.start, s.retries, s.failed])).toEqual([
      ["item 0", 8, 0, false],
      ["item 1", 11, 1, false],
      ["item 2", 2, 0, true],
    ]);
    // The node's own visit is still open: it has not ended yet.
    expect(timeline.spans.find((s) => s.lane === "main")).toMatchObject({ path: "F/Sq", end: undefined });
  });
});

describe("the graph drawing", () => {
  it("draws nested flows as subgraphs and marks batch kinds, one box per node", () => {
    class Step extends Node {}
    class Items extends ParallelBatchNode {}
    const inner = new Step();
    inner.next(new Items());
    const sub = new Flow(inner, { name: "Inner" });
    const perItem = new BatchFlow(new Step(), { name: "PerItem" });
    const start = new Step();
    start.next(sub).on("again", start);
    sub.next(perItem);
    const graph = describeGraph(new Flow(start, { name: "Top" }));
    const drawn = toMermaid(JSON.parse(JSON.stringify(graph)), "Top");
    expect(drawn.count).toBe(6); // Step, Inner (Step, Items), PerItem (Step)
    expect(drawn.text.match(/subgraph/g)).toHaveLength(2);
    expect(drawn.text).toContain('"Items · parallelBatch"');
    expect(drawn.text).toContain('"PerItem · batchFlow"');
    expect(drawn.text).toContain('-->|"again"|');
    expect(idOf(drawn, "Top/Inner/Items")).toBe([...drawn.ids].find(([path]) => path === "Top/Inner/Items")?.[1]);
    expect(idOf(drawn, "Top/PerItem[3]/Step")).toBeDefined();
  });

  it("draws a Parallel's branches inside it, and a flow inside itself as one box", () => {
    const step = new Node({ name: "Step" });
    const loop = new Flow(step, { name: "Loop" });
    step.on("deeper", loop);
    const both = new Parallel([new Node({ name: "A" }), loop], { name: "Both" });
    const drawn = toMermaid(JSON.parse(JSON.stringify(describeGraph(new Flow(both, { name: "Top" })))), "Top");
    expect(drawn.count).toBe(5); // Both (A, Loop (Step, Loop ↻))
    expect(drawn.text).toContain('subgraph n0["Both · parallel"]');
    expect(drawn.text).toContain('"Loop ↻"');
  });
});
