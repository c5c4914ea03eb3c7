/** Node: lifecycle, retries, fallback, options, params, ctx, wiring and node.run. */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  BatchNode,
  BatchFlow,
  ConfigError,
  Flow,
  FlowletError,
  Node,
  NodeContext,
  NodeError,
  ParallelBatchFlow,
  ParallelBatchNode,
} from "flowlet";
import { captureWarnings, delay } from "./helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
});

type Log = { calls: string[] };

describe("lifecycle", () => {
  it("calls prep, exec, post in order, handing each the previous result", async () => {
    const seen: unknown[] = [];
    const shared = { question: "six times seven?", answer: 0 };
    const node = new (class Answer extends Node<typeof shared, string, number> {
      override prep(s: typeof shared, ctx: NodeContext) {
        seen.push(["prep", s, ctx instanceof NodeContext]);
        return s.question;
      }
      override exec(q: string) {
        seen.push(["exec", q]);
        return 42;
      }
      override post(s: typeof shared, q: string, a: number) {
        seen.push(["post", q, a]);
        s.answer = a;
        return "answered";
      }
    })();
    expect(await node.run(shared)).toBe("answered");
    expect(seen).toEqual([
      ["prep", shared, true],
      ["exec", "six times seven?"],
      ["post", "six times seven?", 42],
    ]);
    expect(shared.answer).toBe(42);
  });

  it("accepts any mix of sync and async methods", async () => {
    for (const asyncMask of [0, 1, 2, 3, 4, 5, 6, 7]) {
      const wrap = <T>(bit: number, value: T) => ((asyncMask & bit) !== 0 ? delay(1).then(() => value) : value);
      const node = new (class Mixed extends Node<Log, number, number> {
        override prep() {
          return wrap(1, 20);
        }
        override exec(n: number) {
          return wrap(2, n + 1);
        }
        override post(shared: Log, p: number, e: number) {
          shared.calls.push(`${p}->${e}`);
          return wrap(4, `mask${asyncMask}`);
        }
      })();
      const shared: Log = { calls: [] };
      expect(await node.run(shared)).toBe(`mask${asyncMask}`);
      expect(shared.calls).toEqual(["20->21"]);
    }
  });

  it("treats a post that returns undefined as the 'default' action", async () => {
    expect(await new Node().run({})).toBe("default");
    const asyncPost = new (class extends Node {
      override async post() {
        return undefined;
      }
    })();
    expect(await asyncPost.run({})).toBe("default");
  });
});

describe("options", () => {
  it("defaults to one attempt, no wait, and the class name", () => {
    class Summarize extends Node {}
    const node = new Summarize();
    expect(node.maxRetries).toBe(1);
    expect(node.wait).toBe(0);
    expect(node.name).toBe("Summarize");
    expect(new Summarize({ name: "Short" }).name).toBe("Short");
    expect(new Flow(node).name).toBe("Flow");
    expect(new Flow(node, { name: "Pipeline" }).name).toBe("Pipeline");
  });

  it.each([0, -1, Number.NaN, 1.5])("rejects maxRetries %s with a ConfigError naming the node", (maxRetries) => {
    class Fetch extends Node {}
    const make = [
      () => new Fetch({ maxRetries }),
      () => new BatchNode({ maxRetries, name: "Fetch" }),
      () => new ParallelBatchNode({ maxRetries, name: "Fetch" }),
    ];
    for (const construct of make) {
      expect(construct).toThrow(ConfigError);
      expect(construct).toThrow(/maxRetries of node "Fetch" must be an integer ≥ 1/);
    }
  });

  it.each([0, -2, Number.NaN])("rejects concurrency and maxSteps of %s", (bad) => {
    expect(() => new ParallelBatchNode({ concurrency: bad })).toThrow(ConfigError);
    expect(() => new ParallelBatchFlow(new Node(), { concurrency: bad })).toThrow(/concurrency/);
    expect(() => new Flow(new Node(), { maxSteps: bad })).toThrow(/maxSteps/);
  });
});

/** Throws on its first `failures` attempts; records each attempt's ctx. */
class Flaky extends Node<Log, string, string> {
  attempts: NodeContext[] = [];
  constructor(
    private readonly failures: number,
    options: ConstructorParameters<typeof Node>[0] = {},
  ) {
    super(options);
  }
  override prep(shared: Log) {
    shared.calls.push("prep");
    return "input";
  }
  override exec(input: string, ctx: NodeContext) {
    this.attempts.push(ctx);
    if (ctx.attempt < this.failures) throw new Error(`fail ${ctx.attempt}`);
    return `${input} ok`;
  }
  override post(shared: Log, _: string, result: string) {
    shared.calls.push(`post ${result}`);
  }
}

describe("retries and fallback", () => {
  it("retries only exec, with a 0-based ctx.attempt", async () => {
    const node = new Flaky(2, { maxRetries: 3 });
    const shared: Log = { calls: [] };
    await node.run(shared);
    expect(node.attempts.map((c) => c.attempt)).toEqual([0, 1, 2]);
    expect(shared.calls).toEqual(["prep", "post input ok"]);
  });

  it("waits `wait` ms between attempts", async () => {
    const node = new Flaky(2, { maxRetries: 3, wait: 40 });
    const started = performance.now();
    await node.run({ calls: [] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });

  it("takes a wait function of the failed attempt and its error, for backoff", async () => {
    const asked: [number, string][] = [];
    const node = new Flaky(3, {
      maxRetries: 4,
      wait: (attempt, error) => {
        asked.push([attempt, (error as Error).message]);
        return 1;
      },
    });
    await node.run({ calls: [] });
    expect(asked).toEqual([
      [0, "fail 0"],
      [1, "fail 1"],
      [2, "fail 2"],
    ]);
  });

  it("turns the fallback's value into execRes, and calls it with the last error and attempt", async () => {
    const node = new (class Safe extends Flaky {
      override execFallback(input: string, error: unknown, ctx: NodeContext) {
        return `${input} fell back after ${(error as Error).message} at attempt ${ctx.attempt}`;
      }
    })(5, { maxRetries: 2 });
    const shared: Log = { calls: [] };
    await node.run(shared);
    expect(shared.calls).toEqual(["prep", "post input fell back after fail 1 at attempt 1"]);
  });

  it("does not retry prep or post: their errors reject at once", async () => {
    for (const phase of ["prep", "post"] as const) {
      let calls = 0;
      const node = new (class Broken extends Node {
        override prep() {
          if (phase === "prep") {
            calls++;
            throw new Error("no input");
          }
        }
        override post() {
          if (phase === "post") {
            calls++;
            throw new Error("no output");
          }
        }
      })({ maxRetries: 5 });
      const error = await node.run({}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NodeError);
      expect((error as NodeError).phase).toBe(phase);
      expect(calls).toBe(1);
    }
  });
});

describe("params and ctx", () => {
  it("has empty params by default; setParams replaces them, returns the node, and reaches ctx.params", async () => {
    let seen: unknown;
    const node = new (class P extends Node {
      override exec(_: unknown, ctx: NodeContext) {
        seen = ctx.params;
      }
    })();
    expect(node.params).toEqual({});
    expect(node.setParams({ lang: "fr" })).toBe(node);
    expect(node.params).toEqual({ lang: "fr" });
    await node.run({});
    expect(seen).toEqual({ lang: "fr" });
    node.setParams({ tone: "dry" });
    await node.run({});
    expect(seen).toEqual({ tone: "dry" });
  });

  it("overlays run params on the node's own, without changing node.params", async () => {
    let seen: unknown;
    const node = new (class P extends Node {
      override prep(_: unknown, ctx: NodeContext) {
        seen = ctx.params;
      }
    })();
    node.setParams({ lang: "fr", tone: "dry" });
    await node.run({}, { params: { lang: "de" } });
    expect(seen).toEqual({ lang: "de", tone: "dry" });
    expect(node.params).toEqual({ lang: "fr", tone: "dry" });
  });

  it("gives prep, exec, post and the fallback a ctx with an AbortSignal", async () => {
    const ctxs: NodeContext[] = [];
    const node = new (class C extends Node {
      override prep(_: unknown, ctx: NodeContext) {
        ctxs.push(ctx);
      }
      override exec(_: unknown, ctx: NodeContext) {
        ctxs.push(ctx);
        throw new Error("x");
      }
      override execFallback(_: unknown, _e: unknown, ctx: NodeContext) {
        ctxs.push(ctx);
      }
      override post(_: unknown, _p: unknown, _e: unknown, ctx: NodeContext) {
        ctxs.push(ctx);
      }
    })();
    await node.run({});
    expect(ctxs).toHaveLength(4);
    for (const ctx of ctxs) {
      expect(ctx.signal).toBeInstanceOf(AbortSignal);
      expect(ctx.signal.aborted).toBe(false);
      expect(ctx.attempt).toBe(0);
    }
  });
});

describe("wiring", () => {
  it("next() wires the default action and returns its argument, so chains read left to right", () => {
    const [a, b, c] = [new Node({ name: "a" }), new Node({ name: "b" }), new Node({ name: "c" })];
    expect(a.next(b)).toBe(b);
    expect(b.next(c, "go")).toBe(c);
    expect(a.successors.get("default")).toBe(b);
    expect(b.successors.get("go")).toBe(c);
    const d = new Node();
    const warnings = captureWarnings();
    expect(a.next(new Node()).next(d)).toBe(d);
    expect(warnings.messages()).toEqual([`flowlet: overwriting successor for action 'default' of "a".`]);
  });

  it("on(action, node) is next(node, action), and chains too", () => {
    const [a, b, c] = [new Node(), new Node(), new Node()];
    expect(a.on("retry", b).on("done", c)).toBe(c);
    expect(a.successors.get("retry")).toBe(b);
    expect(b.successors.get("done")).toBe(c);
    expect(a.successors.has("default")).toBe(false);
  });

  it("warns when re-wiring an action, and keeps the new edge", () => {
    const warnings = captureWarnings();
    const a = new Node({ name: "Router" });
    const [first, second] = [new Node(), new Node()];
    a.on("x", first);
    expect(warnings.spy).not.toHaveBeenCalled();
    a.on("x", second);
    expect(warnings.messages()).toEqual([`flowlet: overwriting successor for action 'x' of "Router".`]);
    expect(a.successors.get("x")).toBe(second);
  });

  it("rejects a non-string action", () => {
    const a = new Node();
    expect(() => a.next(new Node(), 3 as unknown as string)).toThrow(FlowletError);
  });

  it("has no method named then: awaiting a node or flow calls nothing and yields it", async () => {
    const touched: string[] = [];
    class Probe extends Node {
      override prep() {
        touched.push("prep");
      }
    }
    const nodes = [
      new Probe(),
      new Flow(new Probe()),
      new BatchNode(),
      new ParallelBatchNode(),
      new BatchFlow(new Probe()),
      new ParallelBatchFlow(new Probe()),
    ];
    for (const node of nodes) {
      expect("then" in node).toBe(false);
      expect(await node).toBe(node);
      expect(await Promise.resolve(node)).toBe(node);
    }
    expect(touched).toEqual([]);
  });
});

describe("node.run", () => {
  it("runs the node alone and warns when it has successors", async () => {
    const ran: string[] = [];
    class Step extends Node<{ ran: string[] }> {
      override post() {
        ran.push(this.name);
        return "next";
      }
    }
    const a = new Step({ name: "A" });
    a.on("next", new Step({ name: "B" }));
    const warnings = captureWarnings();
    expect(await a.run({ ran })).toBe("next");
    expect(ran).toEqual(["A"]);
    expect(warnings.messages()).toEqual([`flowlet: node "A" won't run its successors. Use a Flow.`]);
  });

  it("does not warn for a node without successors, nor for nodes run inside a flow", async () => {
    const warnings = captureWarnings();
    const a = new Node();
    await a.run({});
    a.next(new Node()).next(new Node());
    await new Flow(a).run({});
    expect(warnings.spy).not.toHaveBeenCalled();
  });

  it("rejects with NodeError naming the node, phase and step", async () => {
    const node = new (class Boom extends Node {
      override exec() {
        throw new SyntaxError("bad json");
      }
    })();
    const error = (await node.run({}).catch((e: unknown) => e)) as NodeError;
    expect(error).toBeInstanceOf(NodeError);
    expect(error).toMatchObject({ path: "Boom", phase: "exec", step: 1 });
    expect(error.cause).toBeInstanceOf(SyntaxError);
    expect(error.message).toBe(`Node "Boom" failed in exec at step 1: bad json`);
  });
});
