/** BatchNode, ParallelBatchNode, BatchFlow and ParallelBatchFlow. */
import { describe, expect, it } from "vitest";
import {
  BatchFlow,
  BatchNode,
  Flow,
  Node,
  type NodeContext,
  NodeError,
  ParallelBatchFlow,
  ParallelBatchNode,
  type MaybePromise,
  type Params,
} from "flowlet";
import { delay, inFlightMeter } from "./helpers.js";

type Words = { words: Iterable<string> | null; out?: string[] };

describe("BatchNode", () => {
  class Upper extends BatchNode<Words, string, string> {
    override prep(shared: Words) {
      return shared.words;
    }
    override exec(word: string, _ctx: NodeContext): MaybePromise<string> {
      return word.toUpperCase();
    }
    override post(shared: Words, _: unknown, results: string[]) {
      shared.out = results;
      return "upper";
    }
  }

  it("accepts any iterable from prep, and returns post's action", async () => {
    function* gen() {
      yield "a";
      yield "b";
    }
    const cases: [Iterable<string>, string[]][] = [
      [
        ["x", "y", "z"],
        ["X", "Y", "Z"],
      ],
      [new Set(["p", "q", "p"]), ["P", "Q"]],
      [gen(), ["A", "B"]],
      [new Map([["k", 1]]).keys(), ["K"]],
    ];
    for (const [words, expected] of cases) {
      const shared: Words = { words };
      expect(await new Upper().run(shared)).toBe("upper");
      expect(shared.out).toEqual(expected);
    }
  });

  it("runs items one after another, in order", async () => {
    const meter = inFlightMeter();
    const order: string[] = [];
    const node = new (class Seq extends Upper {
      override async exec(word: string) {
        return meter.track(async () => {
          await delay(word === "a" ? 20 : 1);
          order.push(word);
          return word;
        });
      }
    })();
    const shared: Words = { words: ["a", "b", "c"] };
    await node.run(shared);
    expect(order).toEqual(["a", "b", "c"]);
    expect(meter.max).toBe(1);
  });

  it("retries each item on its own and falls back per item", async () => {
    const attempts: Record<string, number[]> = {};
    const node = new (class Fragile extends Upper {
      override exec(word: string, ctx: NodeContext) {
        attempts[word] = [...(attempts[word] ?? []), ctx.attempt];
        if (word === "never") throw new Error("no");
        if (ctx.attempt < word.length - 1) throw new Error("not yet");
        return word.toUpperCase();
      }
      override execFallback(word: string) {
        return `<${word}>`;
      }
    })({ maxRetries: 3 });
    const shared: Words = { words: ["a", "bb", "never", "ccc"] };
    await node.run(shared);
    expect(shared.out).toEqual(["A", "BB", "<never>", "CCC"]);
    expect(attempts).toEqual({ a: [0], bb: [0, 1], never: [0, 1, 2], ccc: [0, 1, 2] });
  });
});

/** Sleeps `ms` per item, measuring how many items are in flight. */
class Sleepy extends ParallelBatchNode<{ items: number[]; out?: number[] }, number, number> {
  readonly meter = inFlightMeter();
  constructor(
    private readonly ms: number,
    options: ConstructorParameters<typeof ParallelBatchNode>[0] = {},
  ) {
    super(options);
  }
  override prep(shared: { items: number[] }) {
    return shared.items;
  }
  override exec(item: number, ctx: NodeContext) {
    return this.meter.track(async () => {
      await delay(this.ms, ctx.signal);
      return item * 10;
    });
  }
  override post(shared: { out?: number[] }, _: unknown, results: number[]) {
    shared.out = results;
  }
}

describe("ParallelBatchNode", () => {
  it("runs items concurrently: 5 × 100 ms take well under 300 ms", async () => {
    const node = new Sleepy(100);
    const shared = { items: [1, 2, 3, 4, 5], out: undefined as number[] | undefined };
    const started = performance.now();
    await node.run(shared);
    expect(performance.now() - started).toBeLessThan(300);
    expect(shared.out).toEqual([10, 20, 30, 40, 50]);
    expect(node.meter.max).toBe(5);
  });

  it("respects concurrency: 6 × 50 ms at 2 at a time take about 150 ms", async () => {
    const node = new Sleepy(50, { concurrency: 2 });
    const shared = { items: [1, 2, 3, 4, 5, 6], out: undefined as number[] | undefined };
    const started = performance.now();
    await node.run(shared);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThan(140);
    expect(elapsed).toBeLessThan(400);
    expect(node.meter.max).toBe(2);
    expect(shared.out).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it("never exceeds the limit with uneven item durations", async () => {
    const node = new (class Uneven extends Sleepy {
      override exec(item: number, ctx: NodeContext) {
        return this.meter.track(async () => {
          await delay((item * 7) % 13, ctx.signal);
          return item;
        });
      }
    })(0, { concurrency: 3 });
    const shared = { items: Array.from({ length: 40 }, (_, i) => i), out: undefined as number[] | undefined };
    await node.run(shared);
    expect(node.meter.max).toBe(3);
    expect(shared.out).toEqual(shared.items);
  });

  it("keeps input order when items finish in reverse", async () => {
    const node = new (class Reverse extends Sleepy {
      override async exec(item: number) {
        await delay(60 - item * 10);
        return item;
      }
    })(0);
    const shared = { items: [0, 1, 2, 3, 4, 5], out: undefined as number[] | undefined };
    await node.run(shared);
    expect(shared.out).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("on a failure after that item's retries, rejects with it and aborts the other in-flight items", async () => {
    const aborted: number[] = [];
    const tries: number[] = [];
    const node = new (class Failing extends Sleepy {
      override async exec(item: number, ctx: NodeContext) {
        if (item === 2) {
          tries.push(ctx.attempt);
          await delay(20);
          throw new RangeError("item 2 is bad");
        }
        try {
          await delay(1000, ctx.signal);
        } catch (error) {
          aborted.push(item);
          throw error;
        }
        return item;
      }
    })(0, { maxRetries: 2 });
    const started = performance.now();
    const error = (await node.run({ items: [0, 1, 2, 3] }).catch((e: unknown) => e)) as NodeError;
    expect(performance.now() - started).toBeLessThan(500);
    expect(error).toBeInstanceOf(NodeError);
    expect(error.phase).toBe("exec");
    expect(error.cause).toEqual(new RangeError("item 2 is bad"));
    expect(tries).toEqual([0, 1]);
    await delay(5);
    expect(aborted.sort()).toEqual([0, 1, 3]);
  });

  it("cuts short a sibling's retry wait: after one item fails, the others make no further attempt", async () => {
    const attempts: Record<number, number[]> = {};
    const node = new (class Waiting extends Sleepy {
      override async exec(item: number, ctx: NodeContext): Promise<number> {
        attempts[item] = [...(attempts[item] ?? []), ctx.attempt];
        await delay(item === 0 ? 20 : 1);
        throw new Error(`item ${item} failed`);
      }
    })(0, { maxRetries: 2, wait: (_attempt, error) => ((error as Error).message === "item 0 failed" ? 0 : 150) });
    const error = (await node.run({ items: [0, 1] }).catch((e: unknown) => e)) as NodeError;
    expect((error.cause as Error).message).toBe("item 0 failed");
    await delay(200);
    expect(attempts[1]).toEqual([0]);
  });

  it("starts no new item once one has failed", async () => {
    const started: number[] = [];
    const node = new (class Stop extends Sleepy {
      override async exec(item: number) {
        started.push(item);
        await delay(5);
        if (item === 1) throw new Error("stop");
        return item;
      }
    })(0, { concurrency: 2 });
    await expect(node.run({ items: [0, 1, 2, 3, 4, 5] })).rejects.toThrow(NodeError);
    await delay(30);
    expect(started.length).toBeLessThanOrEqual(3);
  });
});

type Jobs = { done: string[] };

/** Records `ctx.params.job` after a short pause. */
class Job extends Node<Jobs> {
  readonly meter = inFlightMeter();
  override async prep(shared: Jobs, ctx: NodeContext) {
    await this.meter.track(() => delay(50));
    shared.done.push(String(ctx.params.job));
    return undefined;
  }
  override post(_: Jobs, _p: unknown, _e: unknown, ctx: NodeContext) {
    return `finished ${ctx.params.job}`;
  }
}

class EachJob extends BatchFlow<Jobs> {
  override prep() {
    return ["a", "b", "c", "d", "e", "f"].map((job) => ({ job }));
  }
}

describe("BatchFlow", () => {
  it("runs the sub-flow once per params object, in order, and post gets each run's last action", async () => {
    let actions: string[] = [];
    const flow = new (class Collect extends EachJob {
      override post(_: Jobs, _p: unknown, runs: string[]) {
        actions = runs;
        return "collected";
      }
    })(new Job());
    const shared: Jobs = { done: [] };
    expect(await flow.run(shared)).toBe("collected");
    expect(shared.done).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(actions).toEqual(["finished a", "finished b", "finished c", "finished d", "finished e", "finished f"]);
  });

  it("merges {...flow params, ...item} and lets items override", async () => {
    const seen: Params[] = [];
    const leaf = new (class Leaf extends Node {
      override prep(_: unknown, ctx: NodeContext) {
        seen.push(ctx.params);
      }
    })();
    const flow = new (class Two extends BatchFlow {
      override prep() {
        return [{ n: 1 }, { n: 2, lang: "de" }];
      }
    })(leaf);
    await flow.run({}, { params: { lang: "en", user: "ann" } });
    expect(seen).toEqual([
      { lang: "en", user: "ann", n: 1 },
      { lang: "de", user: "ann", n: 2 },
    ]);
  });

  it("runs nothing for null or undefined and resolves 'default'", async () => {
    for (const none of [null, undefined, []]) {
      const job = new Job();
      const shared: Jobs = { done: [] };
      const flow = new (class Nothing extends BatchFlow<Jobs> {
        override prep() {
          return none;
        }
      })(job);
      expect(await flow.run(shared)).toBe("default");
      expect(shared.done).toEqual([]);
    }
  });
});

describe("ParallelBatchFlow", () => {
  it("runs the sub-flows concurrently, and post still gets the actions in input order", async () => {
    let actions: string[] = [];
    const job = new Job();
    const flow = new (class Collect extends ParallelBatchFlow<Jobs> {
      override prep() {
        return ["a", "b", "c", "d", "e", "f"].map((job) => ({ job }));
      }
      override post(_: Jobs, _p: unknown, runs: string[]) {
        actions = runs;
      }
    })(job);
    const shared: Jobs = { done: [] };
    const started = performance.now();
    await flow.run(shared);
    expect(performance.now() - started).toBeLessThan(250); // sequentially: 300 ms
    expect(job.meter.max).toBe(6);
    expect(shared.done.sort()).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(actions).toEqual(["finished a", "finished b", "finished c", "finished d", "finished e", "finished f"]);
  });

  it("respects concurrency: 6 runs × 50 ms at 2 at a time take about 150 ms", async () => {
    const job = new Job();
    const flow = new (class Limited extends ParallelBatchFlow<Jobs> {
      override prep() {
        return ["a", "b", "c", "d", "e", "f"].map((job) => ({ job }));
      }
    })(job, { concurrency: 2 });
    const started = performance.now();
    await flow.run({ done: [] });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThan(140);
    expect(elapsed).toBeLessThan(400);
    expect(job.meter.max).toBe(2);
  });

  it("rejects with the failing run's NodeError and stops the sibling runs at their next node", async () => {
    const reached: string[] = [];
    const first = new (class First extends Node {
      override async exec(_: unknown, ctx: NodeContext) {
        await delay(ctx.params.job === "bad" ? 10 : 40);
        if (ctx.params.job === "bad") throw new Error("bad job");
      }
    })();
    first.next(
      new (class Second extends Node {
        override prep(_: unknown, ctx: NodeContext) {
          reached.push(String(ctx.params.job));
        }
      })(),
    );
    const flow = new (class Three extends ParallelBatchFlow {
      override prep() {
        return [{ job: "ok1" }, { job: "bad" }, { job: "ok2" }];
      }
    })(first, { name: "Jobs" });
    const error = (await new Flow(flow, { name: "Main" }).run({}).catch((e: unknown) => e)) as NodeError;
    expect(error).toBeInstanceOf(NodeError);
    expect(error.path).toBe("Main/Jobs/First");
    expect((error.cause as Error).message).toBe("bad job");
    await delay(60);
    expect(reached).toEqual([]);
  });
});

describe("batches inside flows", () => {
  it("a batch node is one step of its flow, and the flow continues after it", async () => {
    const batch = new (class Squares extends ParallelBatchNode<{ sum?: number }, number, number> {
      override prep() {
        return [1, 2, 3];
      }
      override exec(n: number) {
        return n * n;
      }
      override post(shared: { sum?: number }, _: unknown, squares: number[]) {
        shared.sum = squares.reduce((a, b) => a + b, 0);
        return "summed";
      }
    })();
    batch.on(
      "summed",
      new (class Done extends Node<{ sum?: number }> {
        override post() {
          return "done";
        }
      })(),
    );
    const shared: { sum?: number } = {};
    expect(await new Flow(batch, { maxSteps: 2 }).run(shared)).toBe("done");
    expect(shared.sum).toBe(14);
  });
});
