/**
 * Conformance with PocketFlow (Python): each describe block ports the behaviours one of its test
 * files checks (flow basic, composition, batch node, batch flow, fallback, async, parallel batch
 * node and flow), with Flowlet's own cases. Where Flowlet deliberately differs, the test says so.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { BatchFlow, BatchNode, Flow, Node, type NodeContext, NodeError, ParallelBatchFlow, ParallelBatchNode, type Params } from "flowlet";
import { captureWarnings, delay } from "./helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
});

type Counter = { current?: number; log?: string[] };

/** Sets the counter. */
class SetTo extends Node<Counter> {
  constructor(private readonly value: number) {
    super({ name: `SetTo${value}` });
  }
  override post(shared: Counter) {
    shared.current = this.value;
  }
}

/** Adds to the counter. */
class Add extends Node<Counter> {
  constructor(private readonly amount: number) {
    super({ name: `Add${amount}` });
  }
  override post(shared: Counter) {
    shared.current = (shared.current ?? 0) + this.amount;
  }
}

/** Multiplies the counter. */
class Times extends Node<Counter> {
  constructor(private readonly factor: number) {
    super({ name: `Times${factor}` });
  }
  override post(shared: Counter) {
    shared.current = (shared.current ?? 0) * this.factor;
  }
}

/** Branches on the counter's sign. */
class Sign extends Node<Counter> {
  override post(shared: Counter) {
    return (shared.current ?? 0) >= 0 ? "positive" : "negative";
  }
}

/** Returns a fixed action. */
class Emit extends Node<Counter> {
  constructor(private readonly action: string | undefined) {
    super({ name: `Emit(${action})` });
  }
  override post(shared: Counter) {
    shared.log = [...(shared.log ?? []), this.name];
    return this.action;
  }
}

describe("flow basic", () => {
  it("runs a flow whose start node was set with start()", async () => {
    const flow = new Flow<Counter>();
    flow.start(new SetTo(5));
    const shared: Counter = {};
    expect(await flow.run(shared)).toBe("default");
    expect(shared.current).toBe(5);
  });

  it("chains from start(): start(a).next(b).next(c) runs a, b, c in order", async () => {
    const flow = new Flow<Counter>();
    flow.start(new SetTo(3)).next(new Add(5)).next(new Times(2));
    const shared: Counter = {};
    expect(await flow.run(shared)).toBe("default");
    expect(shared.current).toBe(16);
  });

  it("runs a sequence wired with next() and started from the constructor", async () => {
    const first = new SetTo(3);
    first.next(new Add(5)).next(new Times(2));
    const shared: Counter = {};
    await new Flow(first).run(shared);
    expect(shared.current).toBe(16);
  });

  it.each([
    [7, 17],
    [-7, -27],
  ])("branches on the action: start %i ends at %i", async (start, end) => {
    const sign = new Sign();
    sign.on("positive", new Add(10));
    sign.on("negative", new Add(-20));
    const flow = new Flow<Counter>();
    flow.start(new SetTo(start)).next(sign);
    const shared: Counter = {};
    expect(await flow.run(shared)).toBe("default");
    expect(shared.current).toBe(end);
  });

  it("loops until a node returns an action with no edge, and run() resolves to that action", async () => {
    const check = new (class Check extends Node<Counter> {
      override post(shared: Counter) {
        return (shared.current ?? 0) < 0 ? "cycle_done" : "again";
      }
    })();
    const subtract = new Add(-3);
    check.on("again", subtract).next(check);
    const flow = new Flow(new SetTo(10));
    flow.startNode?.next(check);
    const warnings = captureWarnings();
    const shared: Counter = {};
    expect(await flow.run(shared)).toBe("cycle_done");
    expect(shared.current).toBe(-2); // 10 → 7 → 4 → 1 → -2
    expect(warnings.messages()).toEqual(["Flow ends: 'cycle_done' not found in ['again']"]);
  });

  it("warns with PocketFlow's text when the default edge is missing (undefined means 'default')", async () => {
    const start = new Emit(undefined);
    start.on("specific_action", new Emit("never"));
    const warnings = captureWarnings();
    const shared: Counter = {};
    expect(await new Flow(start).run(shared)).toBe("default");
    expect(warnings.messages()).toEqual(["Flow ends: 'default' not found in ['specific_action']"]);
    expect(shared.log).toEqual(["Emit(undefined)"]);
  });

  it("warns when a named action is missing, and resolves to it", async () => {
    const start = new Emit("specific_action");
    start.next(new Emit("never"));
    const warnings = captureWarnings();
    expect(await new Flow(start).run({})).toBe("specific_action");
    expect(warnings.messages()).toEqual(["Flow ends: 'specific_action' not found in ['default']"]);
  });

  it("lists every known action in the warning", async () => {
    const start = new Emit("x");
    start.on("a", new Emit("a"));
    start.on("b", new Emit("b"));
    const warnings = captureWarnings();
    await new Flow(start).run({});
    expect(warnings.messages()).toEqual(["Flow ends: 'x' not found in ['a', 'b']"]);
  });

  it("ends silently when the last node has no successors at all", async () => {
    const warnings = captureWarnings();
    expect(await new Flow(new Emit("whatever")).run({})).toBe("whatever");
    expect(warnings.spy).not.toHaveBeenCalled();
  });
});

describe("composition", () => {
  it("runs a flow as a node, followed by a plain node", async () => {
    const inner = new Flow(new SetTo(5));
    inner.startNode?.next(new Add(10));
    inner.next(new Times(2));
    const shared: Counter = {};
    await new Flow(inner).run(shared);
    expect(shared.current).toBe(30);
  });

  it("nests flows three levels deep", async () => {
    const innermost = new Flow(new SetTo(5));
    innermost.startNode?.next(new Add(3));
    const middle = new Flow(innermost);
    innermost.next(new Times(4));
    const outer = new Flow(middle);
    const shared: Counter = {};
    await outer.run(shared);
    expect(shared.current).toBe(32);
  });

  it("chains a flow into another flow", async () => {
    const first = new Flow(new SetTo(10));
    first.startNode?.next(new Add(10));
    const second = new Flow(new Times(2));
    first.next(second);
    const shared: Counter = {};
    await new Flow(first).run(shared);
    expect(shared.current).toBe(40);
  });

  it("lets the outer flow branch on the inner flow's last action", async () => {
    const inner = new Flow(new SetTo(100), { name: "Inner" });
    inner.startNode?.next(new Emit("inner_done"));
    inner.on("other", new Emit("took A"));
    inner.on("inner_done", new Emit("took B"));
    const shared: Counter = {};
    const last = await new Flow(inner).run(shared);
    expect(shared.current).toBe(100);
    expect(shared.log).toEqual(["Emit(inner_done)", "Emit(took B)"]);
    expect(last).toBe("took B");
  });
});

type Numbers = { input: number[]; chunk: number; sums?: number[]; total?: number };

/** Sums each chunk of `shared.input`. */
class ChunkSum extends BatchNode<Numbers, number[], number> {
  override prep(shared: Numbers) {
    const chunks: number[][] = [];
    for (let i = 0; i < shared.input.length; i += shared.chunk) chunks.push(shared.input.slice(i, i + shared.chunk));
    return chunks;
  }
  override exec(chunk: number[]) {
    return chunk.reduce((a, b) => a + b, 0);
  }
  override post(shared: Numbers, _chunks: unknown, sums: number[]) {
    shared.sums = sums;
  }
}

class Total extends Node<Numbers, number[], number> {
  override prep(shared: Numbers) {
    return shared.sums ?? [];
  }
  override exec(sums: number[]) {
    return sums.reduce((a, b) => a + b, 0);
  }
  override post(shared: Numbers, _: number[], total: number) {
    shared.total = total;
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("batch node", () => {
  it("maps exec over chunks and hands post the results in order", async () => {
    const shared: Numbers = { input: range(25), chunk: 10 };
    await new ChunkSum().run(shared);
    expect(shared.sums).toEqual([45, 145, 110]);
  });

  it.each([
    ["even chunks", 100, 10],
    ["uneven chunks", 97, 10],
    ["a chunk size that does not divide", 50, 7],
    ["size-1 chunks", 12, 1],
    ["empty input", 0, 5],
  ])("map-reduces with %s", async (_label, length, chunk) => {
    const map = new ChunkSum();
    map.next(new Total());
    const shared: Numbers = { input: range(length), chunk };
    await new Flow(map).run(shared);
    expect(shared.total).toBe(range(length).reduce((a, b) => a + b, 0));
    expect(shared.sums).toHaveLength(Math.ceil(length / chunk));
  });

  it("treats a prep of null or undefined as no items", async () => {
    for (const none of [null, undefined]) {
      const seen: unknown[] = [];
      const node = new (class extends BatchNode<object, number, number> {
        override prep() {
          return none;
        }
        override exec(item: number) {
          seen.push(item);
          return item;
        }
        override post(_s: object, _p: unknown, results: number[]) {
          seen.push(results);
        }
      })();
      await node.run({});
      expect(seen).toEqual([[]]);
    }
  });
});

type BatchStore = { inputs: Record<string, number>; results: Record<string, number> };

/** Doubles the input named by `ctx.params.key`. */
class Double extends Node<BatchStore, number, number> {
  override prep(shared: BatchStore, ctx: NodeContext) {
    return shared.inputs[ctx.params.key as string] ?? Number.NaN;
  }
  override exec(value: number, ctx: NodeContext) {
    if (ctx.params.key === "bad") throw new RangeError("bad key");
    return value * 2 * ((ctx.params.multiplier as number | undefined) ?? 1);
  }
  override post(shared: BatchStore, _: number, result: number, ctx: NodeContext) {
    shared.results[ctx.params.key as string] = result;
  }
}

/** A BatchFlow over every key of `shared.inputs`. */
class EachKey extends BatchFlow<BatchStore> {
  override prep(shared: BatchStore) {
    return Object.keys(shared.inputs).map((key) => ({ key }));
  }
}

describe("batch flow", () => {
  it("runs the sub-flow once per params object", async () => {
    const shared: BatchStore = { inputs: { a: 1, b: 2, c: 3 }, results: {} };
    await new EachKey(new Double()).run(shared);
    expect(shared.results).toEqual({ a: 2, b: 4, c: 6 });
  });

  it("does nothing for empty input", async () => {
    const shared: BatchStore = { inputs: {}, results: {} };
    expect(await new EachKey(new Double()).run(shared)).toBe("default");
    expect(shared.results).toEqual({});
  });

  it("handles a single item", async () => {
    const shared: BatchStore = { inputs: { only: 21 }, results: {} };
    await new EachKey(new Double()).run(shared);
    expect(shared.results).toEqual({ only: 42 });
  });

  it("propagates an error of one run (wrapped in NodeError, the original as cause)", async () => {
    const shared: BatchStore = { inputs: { a: 1, bad: 2, c: 3 }, results: {} };
    const error = await new EachKey(new Double()).run(shared).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).cause).toBeInstanceOf(RangeError);
    expect(shared.results).toEqual({ a: 2 }); // sequential: c never ran
  });

  it("runs a multi-node sub-flow per item", async () => {
    const add = new (class AddOne extends Node<BatchStore> {
      override post(shared: BatchStore, _p: unknown, _e: unknown, ctx: NodeContext) {
        shared.results[ctx.params.key as string] = (shared.results[ctx.params.key as string] ?? 0) + 1;
      }
    })();
    const double = new Double();
    double.next(add);
    const shared: BatchStore = { inputs: { a: 1, b: 5 }, results: {} };
    await new EachKey(double).run(shared);
    expect(shared.results).toEqual({ a: 3, b: 11 });
  });

  it("merges the flow's own params under each item's", async () => {
    const flow = new EachKey(new Double());
    flow.setParams({ multiplier: 10, key: "overridden by each item" });
    const shared: BatchStore = { inputs: { a: 1, b: 2 }, results: {} };
    await flow.run(shared);
    expect(shared.results).toEqual({ a: 20, b: 40 });
  });

  it("merges params of nested batch flows (outer groups, inner items)", async () => {
    type Groups = { groups: Record<string, number[]>; results: Record<string, number[]> };
    const seen: Params[] = [];
    const item = new (class Item extends Node<Groups, number, number> {
      override prep(shared: Groups, ctx: NodeContext) {
        seen.push(ctx.params);
        return shared.groups[ctx.params.group as string]?.[ctx.params.item as number] ?? Number.NaN;
      }
      override exec(value: number) {
        return value * 2;
      }
      override post(shared: Groups, _: number, doubled: number, ctx: NodeContext) {
        const group = ctx.params.group as string;
        shared.results[group] = [...(shared.results[group] ?? []), doubled];
      }
    })();
    const inner = new (class Items extends BatchFlow<Groups> {
      override prep(shared: Groups, ctx: NodeContext) {
        return (shared.groups[ctx.params.group as string] ?? []).map((_, i) => ({ item: i }));
      }
    })(item);
    const outer = new (class GroupsFlow extends BatchFlow<Groups> {
      override prep(shared: Groups) {
        return Object.keys(shared.groups).map((group) => ({ group }));
      }
    })(inner);
    outer.setParams({ run: "r1" });
    const shared: Groups = { groups: { A: [1, 2], B: [3, 4] }, results: {} };
    await outer.run(shared);
    expect(shared.results).toEqual({ A: [2, 4], B: [6, 8] });
    expect(seen).toContainEqual({ run: "r1", group: "B", item: 1 });
  });
});

type Attempts = { results: { attempts: number; result: string }[]; final?: unknown };
/** What exec and the fallback share for one run: prep makes a fresh one per run. */
type Tally = { attempts: number };

/** Fails its first `failures` attempts; post records how many attempts were made and the result. */
class Flaky extends Node<Attempts, Tally, string> {
  constructor(
    private readonly failures: number,
    maxRetries: number,
    private readonly withFallback = true,
  ) {
    super({ maxRetries });
  }
  override prep() {
    return { attempts: 0 };
  }
  override exec(tally: Tally, ctx: NodeContext) {
    tally.attempts++;
    if (ctx.attempt < this.failures) throw new TypeError(`attempt ${ctx.attempt} failed`);
    return "success";
  }
  override execFallback(_: Tally, error: unknown, ctx: NodeContext) {
    if (!this.withFallback) throw error;
    return `fallback${ctx.attempt}`;
  }
  override post(shared: Attempts, tally: Tally, result: string) {
    shared.results.push({ attempts: tally.attempts, result });
  }
}

describe("fallback", () => {
  it("does not call the fallback when exec succeeds", async () => {
    const shared: Attempts = { results: [] };
    await new Flaky(0, 3).run(shared);
    expect(shared.results).toEqual([{ attempts: 1, result: "success" }]);
  });

  it("calls the fallback after maxRetries failed attempts", async () => {
    const shared: Attempts = { results: [] };
    await new Flaky(5, 2).run(shared);
    expect(shared.results).toEqual([{ attempts: 2, result: "fallback1" }]);
  });

  it("retries before falling back, and succeeds if an attempt does", async () => {
    const shared: Attempts = { results: [] };
    await new Flaky(2, 3).run(shared);
    expect(shared.results).toEqual([{ attempts: 3, result: "success" }]);
    const again: Attempts = { results: [] };
    await new Flaky(3, 3).run(again);
    expect(again.results).toEqual([{ attempts: 3, result: "fallback2" }]);
  });

  it("passes the fallback's value on to post and to later nodes", async () => {
    const flaky = new Flaky(9, 1);
    flaky.next(
      new (class Read extends Node<Attempts> {
        override prep(shared: Attempts) {
          shared.final = shared.results.map((r) => r.result);
        }
      })(),
    );
    const shared: Attempts = { results: [] };
    await new Flow(flaky).run(shared);
    expect(shared.final).toEqual(["fallback0"]);
  });

  it("rethrows by default: the run rejects with the last error as cause", async () => {
    const shared: Attempts = { results: [] };
    const error = await new Flow(new Flaky(9, 2, false)).run(shared).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).cause).toEqual(new TypeError("attempt 1 failed"));
    expect(shared.results).toEqual([]);
  });

  it("does the same with async exec and fallback", async () => {
    const node = new (class AsyncFlaky extends Node<Attempts, Tally, string> {
      override async prep() {
        await delay(1);
        return { attempts: 0 };
      }
      override async exec(tally: Tally, ctx: NodeContext): Promise<string> {
        tally.attempts++;
        await delay(1);
        throw new Error(`async ${ctx.attempt}`);
      }
      override async execFallback(_: Tally, error: unknown) {
        await delay(1);
        return `async_fallback after ${(error as Error).message}`;
      }
      override async post(shared: Attempts, tally: Tally, result: string) {
        shared.results.push({ attempts: tally.attempts, result });
        return "done";
      }
    })({ maxRetries: 3 });
    const shared: Attempts = { results: [] };
    expect(await node.run(shared)).toBe("done");
    expect(shared.results).toEqual([{ attempts: 3, result: "async_fallback after async 2" }]);
  });
});

describe("async flow", () => {
  class AsyncSet extends Node<Counter, number, number> {
    constructor(private readonly value: number) {
      super({ name: "AsyncSet" });
    }
    override async prep() {
      await delay(1);
      return this.value;
    }
    override async exec(value: number) {
      await delay(1);
      return value;
    }
    override async post(shared: Counter, _: number, value: number) {
      shared.current = value;
      return "number_set";
    }
  }

  it("runs an async node directly and resolves to its action", async () => {
    const shared: Counter = {};
    expect(await new AsyncSet(42).run(shared)).toBe("number_set");
    expect(shared.current).toBe(42);
  });

  it("mixes async and sync nodes in one flow, and branches on async actions", async () => {
    const start = new AsyncSet(-4);
    const sign = new Sign();
    start.on("number_set", sign);
    sign.on("positive", new Emit("went positive"));
    sign.on("negative", new Emit("went negative"));
    const shared: Counter = {};
    expect(await new Flow(start).run(shared)).toBe("went negative");
    expect(shared.log).toEqual(["Emit(went negative)"]);
  });
});

describe("parallel batch node", () => {
  class Slow extends ParallelBatchNode<{ input: number[]; output?: number[] }, number, number> {
    override prep(shared: { input: number[] }) {
      return shared.input;
    }
    override async exec(n: number) {
      if (n < 0) throw new RangeError(`negative ${n}`);
      await delay(n % 2 === 0 ? 100 : 50);
      return n * 2;
    }
    override post(shared: { output?: number[] }, _: number[], results: number[]) {
      shared.output = results;
    }
  }

  it("keeps input order while later items finish first, and runs them concurrently", async () => {
    const finished: number[] = [];
    const node = new (class Tracked extends Slow {
      override async exec(n: number) {
        const result = await super.exec(n);
        finished.push(n);
        return result;
      }
    })();
    const shared = { input: [0, 1, 2, 3, 4] };
    const started = performance.now();
    await node.run(shared);
    const elapsed = performance.now() - started;
    expect((shared as { output?: number[] }).output).toEqual([0, 2, 4, 6, 8]);
    expect(finished.indexOf(1)).toBeLessThan(finished.indexOf(0));
    expect(finished.indexOf(3)).toBeLessThan(finished.indexOf(2));
    expect(elapsed).toBeLessThan(300); // sequentially: 400 ms
  });

  it("handles empty, single and 100-item inputs", async () => {
    for (const input of [[], [7], range(100).map((i) => i * 2 + 1)]) {
      const shared: { input: number[]; output?: number[] } = { input };
      await new Slow().run(shared);
      expect(shared.output).toEqual(input.map((n) => n * 2));
    }
  });

  it("rejects when an item fails", async () => {
    const error = await new Slow().run({ input: [1, -2, 3] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).cause).toEqual(new RangeError("negative -2"));
  });
});

describe("parallel batch flow", () => {
  type Batches = { batches: number[][]; processed: Record<number, number[]>; total?: number };

  class Process extends Node<Batches, number[], number[]> {
    override prep(shared: Batches, ctx: NodeContext) {
      return shared.batches[ctx.params.batch as number] ?? [];
    }
    override async exec(batch: number[]) {
      await delay(100);
      if (batch.includes(-1)) throw new RangeError("bad batch");
      return batch.map((n) => n * 2);
    }
    override post(shared: Batches, _: number[], doubled: number[], ctx: NodeContext) {
      shared.processed[ctx.params.batch as number] = doubled;
    }
  }

  class Sum extends Node<Batches> {
    override post(shared: Batches) {
      shared.total = Object.values(shared.processed)
        .flat()
        .reduce((a, b) => a + b, 0);
    }
  }

  class EachBatch extends ParallelBatchFlow<Batches> {
    override prep(shared: Batches) {
      return shared.batches.map((_, batch) => ({ batch }));
    }
  }

  it("runs the sub-flow per batch concurrently, then the next node", async () => {
    for (const batches of [
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [[1], [2, 3, 4], [5, 6], [7, 8, 9, 10]],
    ]) {
      const each = new EachBatch(new Process());
      each.next(new Sum());
      const shared: Batches = { batches, processed: {} };
      const started = performance.now();
      await new Flow(each).run(shared);
      expect(performance.now() - started).toBeLessThan(250); // sequentially: ≥ 300 ms
      expect(Object.values(shared.processed)).toEqual(batches.map((b) => b.map((n) => n * 2)));
      expect(shared.total).toBe(batches.flat().reduce((a, b) => a + b * 2, 0));
    }
  });

  it("rejects when one sub-flow fails", async () => {
    const shared: Batches = { batches: [[1], [-1], [3]], processed: {} };
    const error = await new EachBatch(new Process()).run(shared).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).cause).toEqual(new RangeError("bad batch"));
  });

  it("nests parallel batch flows, each run seeing its own merged params", async () => {
    type Groups = { groups: Record<string, number[]>; results: Record<string, number[]> };
    const item = new (class Item extends Node<Groups, number, number> {
      override prep(shared: Groups, ctx: NodeContext) {
        return shared.groups[ctx.params.group as string]?.[ctx.params.item as number] ?? Number.NaN;
      }
      override async exec(value: number) {
        await delay(Math.random() * 10);
        return value * 2;
      }
      override post(shared: Groups, _: number, doubled: number, ctx: NodeContext) {
        const group = ctx.params.group as string;
        shared.results[group] = [...(shared.results[group] ?? []), doubled];
      }
    })();
    const inner = new (class Items extends ParallelBatchFlow<Groups> {
      override prep(shared: Groups, ctx: NodeContext) {
        return (shared.groups[ctx.params.group as string] ?? []).map((_, i) => ({ item: i }));
      }
    })(item);
    const outer = new (class GroupsFlow extends ParallelBatchFlow<Groups> {
      override prep(shared: Groups) {
        return Object.keys(shared.groups).map((group) => ({ group }));
      }
    })(inner);
    const shared: Groups = { groups: { A: [1, 2, 3], B: [4, 5], C: [6] }, results: {} };
    await outer.run(shared);
    const sorted = Object.fromEntries(Object.entries(shared.results).map(([g, r]) => [g, r.sort((a, b) => a - b)]));
    expect(sorted).toEqual({ A: [2, 4, 6], B: [8, 10], C: [12] });
  });
});
