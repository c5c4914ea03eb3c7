/** What a durable run records for UIs: the graph in its registry row, per-item events, and what nodes log. */
import {
  BatchFlow,
  ConfigError,
  Flow,
  type GraphDescription,
  MemorySaver,
  Node,
  type NodeContext,
  Parallel,
  ParallelBatchNode,
  type RunEvent,
  describeGraph,
} from "flowlet";
import { describe, expect, it } from "vitest";

type S = { out: number[]; ask?: boolean };

class Square extends ParallelBatchNode<S, number, number> {
  override prep() {
    return [1, 2, 3];
  }
  override async exec(n: number) {
    await new Promise((r) => setTimeout(r, 5 * n));
    return n * n;
  }
  override post(shared: S, _items: unknown, results: number[]) {
    shared.out = results;
  }
}

class Log extends Node<S> {
  override async exec(_: unknown, ctx: NodeContext) {
    await ctx.emit({ token: "not logged" });
    await ctx.emit({ model: "m", inputTokens: 3, prompt: "hi" }, { log: "llm" });
  }
}

function pipeline() {
  const square = new Square({ name: "Square" });
  const each = new BatchFlow<S>(new Node<S>({ name: "Step" }), { name: "Each" });
  each.prep = () => [{ i: 0 }, { i: 1 }];
  square
    .next(each)
    .next(new Parallel<S>([new Node<S>({ name: "A" }), new Node<S>({ name: "B" })], { name: "Both" }))
    .next(new Log({ name: "Log" }));
  return new Flow<S>(square, { name: "Top" });
}

const items = (events: RunEvent[], path: string) =>
  events
    .filter((e) => e.path === path && (e.type === "itemStart" || e.type === "itemEnd"))
    .map((e) => [e.type, (e.data as { item: number }).item]);

describe("a durable run's registry row and event log", () => {
  it("records the graph in the registry when the run starts, and keeps it", async () => {
    const saver = new MemorySaver();
    const flow = pipeline();
    let open = () => {};
    const gate = { promise: new Promise<void>((r) => (open = r)), resolve: () => open() };
    const first = flow.startNode as Square;
    const exec = first.exec.bind(first);
    first.exec = async (n) => {
      await gate.promise;
      return exec(n);
    };
    const running = flow.run({ out: [] }, { checkpoint: saver, runId: "g" });
    await expect.poll(async () => (await saver.run("g"))?.status).toBe("running");
    const graph = JSON.parse((await saver.run("g"))?.graph ?? "null") as GraphDescription;
    expect(graph).toEqual(describeGraph(flow));
    expect(graph.nodes.map((n) => n.kind)).toEqual(["parallelBatch", "batchFlow", "parallel", "node"]);
    gate.resolve();
    expect((await running).status).toBe("completed");
    expect((await saver.run("g"))?.graph).toBe(JSON.stringify(graph));
  });

  it("a fork's registry row has the graph too, and so does a resumed run that had none", async () => {
    const saver = new MemorySaver();
    const flow = pipeline();
    const described = JSON.stringify(describeGraph(flow));
    expect((await flow.run({ out: [] }, { checkpoint: saver, runId: "p", interruptBefore: ["Log"] })).status).toBe("interrupted");
    const from = (await saver.list("p"))[0]?.seq as number;
    await flow.resume("p", { checkpoint: saver, from, forkAs: "p2" });
    expect((await saver.run("p2"))?.graph).toBe(described);
    // A run saved before the registry had graphs gets one when it is resumed.
    const { graph: _graph, ...old } = (await saver.run("p")) as NonNullable<Awaited<ReturnType<MemorySaver["run"]>>>;
    const lease = await saver.acquire("p", { ttlMs: 1000 });
    await saver.append(lease, [], old);
    await saver.release(lease);
    expect((await saver.run("p"))?.graph).toBeUndefined();
    expect((await flow.resume("p", { checkpoint: saver })).status).toBe("completed");
    expect((await saver.run("p"))?.graph).toBe(described);
  });

  it("logs every batch item's start and end with its index, identity and duration; a Parallel's branches too", async () => {
    const saver = new MemorySaver();
    await pipeline().run({ out: [] }, { checkpoint: saver, runId: "i" });
    const events = await saver.events("i");
    const square = items(events, "Top/Square");
    expect(square.filter(([t]) => t === "itemStart").map(([, i]) => i)).toEqual([0, 1, 2]);
    // Run at once, they end in the order of their delays.
    expect(square.filter(([t]) => t === "itemEnd").map(([, i]) => i)).toEqual([0, 1, 2]);
    const end = events.find((e) => e.type === "itemEnd" && e.path === "Top/Square" && (e.data as { item: number }).item === 2);
    expect(end?.data).toMatchObject({ item: 2, key: expect.stringMatching(/^h:/) });
    expect((end?.data as { durationMs?: number } | undefined)?.durationMs).toBeGreaterThanOrEqual(10);
    expect(items(events, "Top/Each")).toEqual([
      ["itemStart", 0],
      ["itemEnd", 0],
      ["itemStart", 1],
      ["itemEnd", 1],
    ]);
    expect(items(events, "Top/Both").map(([t]) => t)).toEqual(["itemStart", "itemStart", "itemEnd", "itemEnd"]);
    // The batch flow's runs are within the batch flow's visit.
    const seqOf = (type: string, path: string) => events.find((e) => e.type === type && e.path === path)?.seq ?? -1;
    expect(seqOf("nodeStart", "Top/Each")).toBeLessThan(seqOf("itemStart", "Top/Each"));
    expect(seqOf("itemEnd", "Top/Each")).toBeLessThan(seqOf("nodeEnd", "Top/Each"));
  });

  it("logs a failed item as failed, and its errors with the item's index", async () => {
    const saver = new MemorySaver();
    class Fails extends ParallelBatchNode<S, number, number> {
      override prep() {
        return [1, 2];
      }
      override exec(n: number) {
        if (n === 2) throw new Error("two");
        return n;
      }
    }
    await expect(new Flow(new Fails({ name: "Fails" }), { name: "F" }).run({ out: [] }, { checkpoint: saver, runId: "f" })).rejects.toThrow(
      "two",
    );
    const events = await saver.events("f");
    expect(events.find((e) => e.type === "itemEnd" && (e.data as { item: number }).item === 1)?.data).toMatchObject({ outcome: "failed" });
    expect(events.find((e) => e.type === "nodeError")?.data).toMatchObject({ item: 1, willRetry: false, message: "two" });
  });

  it("logs what a node emits with a log type, and nothing else it emits", async () => {
    const saver = new MemorySaver();
    await pipeline().run({ out: [] }, { checkpoint: saver, runId: "l" });
    const events = await saver.events("l");
    expect(events.filter((e) => e.type === "llm")).toMatchObject([{ path: "Top/Log", data: { model: "m", inputTokens: 3, prompt: "hi" } }]);
    expect(JSON.stringify(events)).not.toContain("not logged");
  });

  it("refuses a log type of the engine's own, even without checkpoints", async () => {
    class Bad extends Node {
      override exec(_: unknown, ctx: NodeContext) {
        return ctx.emit(1, { log: "nodeEnd" });
      }
    }
    await expect(new Bad().run({})).rejects.toMatchObject({ cause: expect.any(ConfigError) });
  });

  it("costs nothing without checkpoints: an unobserved run logs nothing and builds no event", async () => {
    const seen: unknown[] = [];
    await pipeline().run({ out: [] }, { hooks: { custom: (e) => seen.push(e) } });
    expect(seen).toMatchObject([{ data: { token: "not logged" } }, { log: "llm", data: { model: "m" } }]);
  });
});
