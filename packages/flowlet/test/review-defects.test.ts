/**
 * The defects found in review of the core (issue #11), one test each. Every test here failed
 * before its fix.
 */
import { describe, expect, it } from "vitest";
import {
  BatchNode,
  ConfigError,
  Flow,
  type FlowletWarning,
  MaxStepsExceededError,
  MemorySaver,
  Node,
  type NodeContext,
  NodeError,
  ParallelBatchNode,
  Store,
  type StandardSchemaV1,
  toMermaid,
} from "flowlet";
import { delay } from "./helpers.js";

const positive: StandardSchemaV1<unknown, number> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate: (value) => (typeof value === "number" && value > 0 ? { value } : { issues: [{ message: "must be positive" }] }),
  },
};

describe("review defects (issue #11)", () => {
  it("1. a Store schema violation in post is a NodeError naming node, phase and step, and nodeError fires", async () => {
    type S = { count: number };
    const write = new (class Write extends Node<Store<S>> {
      override post(shared: Store<S>) {
        shared.set("count", -1);
      }
    })();
    const first = new Node<Store<S>>({ name: "First" });
    first.next(write);
    const errors: string[] = [];
    const shared = new Store<S>({ count: 1 }, { schema: { count: positive } });
    const error = await new Flow(first, { name: "F" })
      .run(shared, { hooks: { nodeError: (e) => void errors.push(`${e.path} ${(e.error as Error).name}`) } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect(error).toMatchObject({ path: "F/Write", phase: "post", step: 2 });
    expect((error as NodeError).cause).toMatchObject({ name: "StoreSchemaError", key: "count" });
    expect(errors).toEqual(["F/Write StoreSchemaError"]);
  });

  it("2. a runaway loop of synchronous nodes is cancelled by its signal within a few ms", async () => {
    let visits = 0;
    const spin = new (class Spin extends Node {
      override post() {
        visits++;
        return "again";
      }
    })();
    spin.on("again", spin);
    const started = performance.now();
    // maxSteps only bounds the test if the signal is never seen.
    const error = await new Flow(spin).run({}, { signal: AbortSignal.timeout(50), maxSteps: 5_000_000 }).catch((e: unknown) => e);
    const took = performance.now() - started;
    expect((error as DOMException).name).toBe("TimeoutError");
    expect(visits).toBeLessThan(5_000_000);
    expect(took).toBeLessThan(1000); // generous: the abort itself lands within a few ms of the timer
  });

  it("3. a sequential BatchNode starts no item after an abort", async () => {
    const started: number[] = [];
    const node = new (class Items extends BatchNode<object, number, number> {
      override prep() {
        return Array.from({ length: 10 }, (_, i) => i);
      }
      override async exec(i: number) {
        started.push(i);
        if (i === 1) controller.abort(new Error("stop")); // e.g. the user presses stop during item 1
        await delay(20); // ignores the signal, as much user code does
        return i;
      }
    })();
    const controller = new AbortController();
    await expect(new Flow(node).run({}, { signal: controller.signal })).rejects.toThrow("stop");
    await delay(60);
    expect(started).toEqual([0, 1]);
  });

  it("4. an abort during the last node of a flow rejects the run, and is not saved as completed", async () => {
    const build = (controller: AbortController) => {
      const first = new Node({ name: "First" });
      first.next(
        new (class Last extends Node {
          override exec() {
            controller.abort(new Error("stop"));
          }
        })(),
      );
      return new Flow(first);
    };
    const plain = new AbortController();
    await expect(build(plain).run({}, { signal: plain.signal })).rejects.toThrow("stop");

    const saver = new MemorySaver();
    const durable = new AbortController();
    await expect(build(durable).run({}, { signal: durable.signal, checkpoint: saver, runId: "r" })).rejects.toThrow("stop");
    expect((await saver.list("r")).map((c) => c.status)).not.toContain("completed");
  });

  it("5. a loop that re-enters its enclosing flow is held to that flow's maxSteps", async () => {
    let visits = 0;
    const again = new (class Again extends Node {
      override post() {
        visits++;
        return visits < 5000 ? "again" : "stop"; // bounds the test if maxSteps is escaped
      }
    })();
    const pipeline = new Flow(again, { name: "Pipeline", maxSteps: 50 });
    again.on("again", pipeline);
    const error = await new Flow(pipeline, { name: "Top" }).run({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaxStepsExceededError);
    expect(visits).toBeLessThanOrEqual(50);
  });

  describe("6. toMermaid", () => {
    it("draws a sub-flow reached twice once", () => {
      // Reached from the top flow, and from inside another sub-flow of it.
      const sub = new Flow(new Node({ name: "Inner" }), { name: "Sub" });
      const wrap = new Flow(sub, { name: "Wrap" });
      const a = new Node({ name: "A" });
      a.next(wrap);
      a.on("other", sub);
      const chart = toMermaid(new Flow(a, { name: "Top" }));
      expect(chart.split("\n").filter((l) => l.includes("subgraph") && l.includes('"Sub"'))).toHaveLength(1);
      expect(chart.split("\n").filter((l) => l.includes('["Inner"]'))).toHaveLength(1);
    });

    it("draws a flow that contains itself without overflowing the stack", () => {
      const step = new Node({ name: "Step" });
      const self = new Flow(step, { name: "Self" });
      step.on("again", self);
      const chart = toMermaid(self);
      expect(chart).toContain('["Step"]');
      expect(chart).toMatch(/-->\|"again"\|/);
    });

    it("gives empty and anonymous names a valid label, and escapes backticks and pipes", () => {
      const anonymous = new (class extends Node {})();
      anonymous.next(new Node({ name: "" })).on("a`b|c", new Node({ name: "x`y" }));
      const chart = toMermaid(new Flow(anonymous, { name: "F" }));
      expect(chart).not.toContain('[""]');
      expect(chart).not.toContain("`");
      expect(chart).toContain('"x#96;y"');
      expect(chart).toContain('|"a#96;b#124;c"|');
    });
  });

  it("7. wiring a function as a successor (PocoFlow's hook style) is a ConfigError that says what to do", () => {
    const node = new Node({ name: "A" });
    const wire = () => node.on("node_start", (() => {}) as unknown as Node);
    expect(wire).toThrow(ConfigError);
    expect(wire).toThrow(/hooks: \{ nodeStart/);
    expect(() => node.next({} as Node)).toThrow(ConfigError);
  });

  it("8. many retry waits on one signal print no MaxListenersExceededWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      class Flaky extends ParallelBatchNode<object, number, number> {
        override prep() {
          return Array.from({ length: 30 }, (_, i) => i);
        }
        override exec(i: number, ctx: NodeContext) {
          if (ctx.attempt === 0) throw new Error("once");
          return i;
        }
      }
      // Runs without a signal share one internally; batch items share their pool's.
      await Promise.all(Array.from({ length: 15 }, () => new Flow(new Flaky({ maxRetries: 2, wait: 5 })).run({})));
      await new Flow(new Flaky({ maxRetries: 2, wait: 5 })).run({}, { signal: new AbortController().signal });
      await delay(10); // process warnings are emitted on a later tick
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });

  it("9. a run past 10,000 steps of one flow without maxSteps warns once, loudly; maxSteps silences it", async () => {
    const countdown = () => {
      const tick = new (class Tick extends Node<{ left: number }> {
        override post(shared: { left: number }) {
          return --shared.left > 0 ? "again" : "done";
        }
      })();
      tick.on("again", tick);
      tick.on("done", new Node({ name: "Done" }));
      return tick;
    };
    const warnings: FlowletWarning[] = [];
    expect(await new Flow(countdown(), { name: "Loop" }).run({ left: 30_000 }, { onWarning: (w) => void warnings.push(w) })).toBe(
      "default",
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: "manySteps", path: "Loop" });
    expect(warnings[0]?.message).toMatch(/10,000 steps.*maxSteps/);

    const quiet: FlowletWarning[] = [];
    await new Flow(countdown(), { maxSteps: Number.POSITIVE_INFINITY }).run({ left: 30_000 }, { onWarning: (w) => void quiet.push(w) });
    await new Flow(countdown()).run({ left: 30_000 }, { maxSteps: 40_000, onWarning: (w) => void quiet.push(w) });
    expect(quiet).toEqual([]);
  });

  it("the 'Flow ends' warning goes to onWarning instead of the console", async () => {
    const node = new Node({ name: "A" });
    node.on("yes", new Node());
    const warnings: FlowletWarning[] = [];
    await new Flow(node, { name: "F" }).run({}, { onWarning: (w) => void warnings.push(w) });
    expect(warnings).toEqual([{ code: "flowEnds", path: "F/A", message: "Flow ends: 'default' not found in ['yes']" }]);
  });
});
