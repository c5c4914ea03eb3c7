/** Flow: running, nesting, the "*" wildcard, errors, the loop guard and run isolation. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { BatchFlow, ConfigError, Flow, FlowletError, MaxStepsExceededError, Node, type NodeContext, NodeError, type Params } from "flowlet";
import { Say, type Trail, captureWarnings, delay, runWarnings } from "./helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Flow", () => {
  it("start() sets the start node and returns it for chaining", async () => {
    const flow = new Flow<Trail>();
    const a = new Say("a");
    expect(flow.start(a)).toBe(a);
    expect(flow.startNode).toBe(a);
    flow.start(new Say("b")).next(new Say("c", "end"));
    const shared: Trail = { trail: [] };
    expect(await flow.run(shared)).toBe("end");
    expect(shared.trail).toEqual(["b", "c"]);
  });

  it("rejects with a ConfigError when it has no start node", async () => {
    const flow = new Flow(undefined, { name: "Empty" });
    await expect(flow.run({})).rejects.toThrow(ConfigError);
    await expect(flow.run({})).rejects.toThrow(`Flow "Empty" has no start node`);
  });

  it("lets a subclass override a flow's post to choose its action", async () => {
    const inner = new (class Decide extends Flow<Trail> {
      override post(_s: Trail, _p: unknown, last: string) {
        return last === "ok" ? "ship" : "hold";
      }
    })(new Say("work", "ok"));
    inner.on("ship", new Say("ship"));
    const shared: Trail = { trail: [] };
    await new Flow(inner).run(shared);
    expect(shared.trail).toEqual(["work", "ship"]);
  });

  it("passes run params, overlaying the flow's own params, to every node as ctx.params", async () => {
    const seen: Params[] = [];
    class Record extends Node {
      override prep(_: unknown, ctx: NodeContext) {
        seen.push(ctx.params);
      }
    }
    const a = new Record();
    a.next(new Record());
    const flow = new Flow(a);
    flow.setParams({ user: "ann", lang: "en" });
    await flow.run({}, { params: { lang: "fr" } });
    expect(seen).toEqual([
      { user: "ann", lang: "fr" },
      { user: "ann", lang: "fr" },
    ]);
  });
});

describe('the "*" wildcard', () => {
  it("is taken when no other edge matches, silently", async () => {
    const router = new Say("router", "something else");
    router.on("a", new Say("A"));
    router.on("*", new Say("anything"));
    const warnings = captureWarnings();
    const shared: Trail = { trail: [] };
    await new Flow(router).run(shared);
    expect(shared.trail).toEqual(["router", "anything"]);
    expect(warnings.spy).not.toHaveBeenCalled();
  });

  it("loses to an exact match, including 'default'", async () => {
    for (const [action, expected] of [
      ["a", "A"],
      [undefined, "D"],
    ] as const) {
      const router = new Say("router", action);
      router.on("*", new Say("anything"));
      router.on("a", new Say("A"));
      router.next(new Say("D"));
      const shared: Trail = { trail: [] };
      await new Flow(router).run(shared);
      expect(shared.trail).toEqual(["router", expected]);
    }
  });
});

describe("errors", () => {
  class Boom extends Node<Trail> {
    constructor(private readonly phase: "prep" | "exec" | "post") {
      super({ name: "Boom", maxRetries: 2 });
    }
    override prep() {
      if (this.phase === "prep") throw new TypeError("prep broke");
    }
    override exec() {
      if (this.phase === "exec") throw new TypeError("exec broke");
    }
    override post() {
      if (this.phase === "post") throw new TypeError("post broke");
    }
  }

  it.each(["prep", "exec", "post"] as const)("wraps a %s failure in NodeError with path, phase, step and cause", async (phase) => {
    const first = new Say("first");
    const inner = new Flow(new Say("warmup"), { name: "Inner" });
    inner.startNode?.next(new Boom(phase));
    first.next(inner);
    const outer = new Flow(first, { name: "Outer" });
    const error = (await outer.run({ trail: [] }).catch((e: unknown) => e)) as NodeError;
    expect(error).toBeInstanceOf(NodeError);
    expect(error).toBeInstanceOf(FlowletError);
    expect(error.path).toBe("Outer/Inner/Boom");
    expect(error.phase).toBe(phase);
    expect(error.step).toBe(2);
    expect(error.cause).toEqual(new TypeError(`${phase} broke`));
    expect(error.message).toBe(`Node "Outer/Inner/Boom" failed in ${phase} at step 2: ${phase} broke`);
  });

  it("wraps once: the outer flows pass a NodeError through unchanged", async () => {
    const inner = new Flow(new Boom("exec"), { name: "Inner" });
    const error = (await new Flow(new Flow(inner, { name: "Middle" }), { name: "Top" })
      .run({ trail: [] })
      .catch((e: unknown) => e)) as NodeError;
    expect(error.path).toBe("Top/Middle/Inner/Boom");
    expect(error.cause).toBeInstanceOf(TypeError);
  });
});

/** Loops on "again" until shared.left reaches 0. */
function countdown(): { flow: Flow<{ left: number }>; tick: Node<{ left: number }> } {
  const tick = new (class Tick extends Node<{ left: number }> {
    override post(shared: { left: number }) {
      shared.left--;
      return shared.left > 0 ? "again" : "done";
    }
  })();
  tick.on("again", tick);
  return { flow: new Flow(tick, { name: "Countdown" }), tick };
}

describe("loop guard", () => {
  it("allows exactly maxSteps steps", async () => {
    const { flow } = countdown();
    flow.maxSteps = 5;
    const shared = { left: 5 };
    const warnings = runWarnings();
    expect(await flow.run(shared, warnings)).toBe("done");
    expect(shared.left).toBe(0);
    expect(warnings.messages()).toEqual(["Flow ends: 'done' not found in ['again']"]);
  });

  it("rejects with MaxStepsExceededError one step past maxSteps (Flow option)", async () => {
    const { tick } = countdown();
    const flow = new Flow(tick, { maxSteps: 4, name: "Countdown" });
    const shared = { left: 5 };
    const error = (await flow.run(shared).catch((e: unknown) => e)) as MaxStepsExceededError;
    expect(error).toBeInstanceOf(MaxStepsExceededError);
    expect(error).toMatchObject({ path: "Countdown", maxSteps: 4 });
    expect(error.message).toMatch(/exceeded maxSteps \(4\)/);
    expect(shared.left).toBe(1); // four steps ran, the fifth did not
  });

  it("takes maxSteps as a run option, overriding every flow's own, nested ones too", async () => {
    const { flow } = countdown();
    flow.maxSteps = 1000;
    const outer = new Flow(flow, { name: "Outer", maxSteps: 1000 });
    const error = (await outer.run({ left: 10_000 }, { maxSteps: 50 }).catch((e: unknown) => e)) as MaxStepsExceededError;
    expect(error).toBeInstanceOf(MaxStepsExceededError);
    expect(error).toMatchObject({ path: "Outer/Countdown", maxSteps: 50 });
    const warnings = runWarnings();
    expect(await countdown().flow.run({ left: 60 }, { maxSteps: 60, ...warnings })).toBe("done");
    expect(warnings.messages()).toEqual(["Flow ends: 'done' not found in ['again']"]);
  });

  it("is off by default: a 10,000-step loop runs to its end", async () => {
    const shared = { left: 10_000 };
    const warnings = runWarnings();
    expect(await countdown().flow.run(shared, warnings)).toBe("done");
    expect(shared.left).toBe(0);
    expect(warnings.messages()).toEqual(["Flow ends: 'done' not found in ['again']"]); // and no manySteps warning at 10,000
  });

  it.each([-1, Number.NaN, 2.5])("rejects a run option maxSteps of %s rather than running unguarded", async (maxSteps) => {
    const { flow } = countdown();
    const shared = { left: 100 };
    const error = await flow.run(shared, { maxSteps }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(shared.left).toBe(100); // rejected before any node ran
  });
});

describe("isolation of concurrent runs", () => {
  it("runs one Flow 100 times at once without mixing params, retries or step counts", async () => {
    type Run = { id: number; seenIds: unknown[]; left: number };
    const work = new (class Work extends Node<Run, null, null> {
      override async exec(_: null, ctx: NodeContext) {
        await delay((Number(ctx.params.id) * 7) % 5);
        if (ctx.attempt < Number(ctx.params.id) % 3) throw new Error("transient");
        return null;
      }
      override execFallback(): never {
        throw new Error("unreachable: every run succeeds within 3 attempts");
      }
      override post(shared: Run, _p: null, _e: null, ctx: NodeContext) {
        shared.seenIds.push(ctx.params.id);
        shared.left--;
        return shared.left > 0 ? "again" : undefined;
      }
    })({ maxRetries: 3, name: "Work" });
    work.on("again", work);
    const flow = new Flow(work, { maxSteps: 4 });
    const runs: Run[] = Array.from({ length: 100 }, (_, id) => ({ id, seenIds: [], left: 4 }));
    const warnings = runWarnings();
    const actions = await Promise.all(runs.map((shared) => flow.run(shared, { params: { id: shared.id }, ...warnings })));
    expect(actions).toEqual(runs.map(() => "default"));
    expect(warnings.messages()).toEqual(runs.map(() => "Flow ends: 'default' not found in ['again']"));
    for (const run of runs) {
      expect(run.seenIds).toEqual([run.id, run.id, run.id, run.id]);
      expect(run.left).toBe(0);
    }
    expect(flow.params).toEqual({});
  });

  it("keeps retry attempts per run when runs interleave", async () => {
    const attempts = new Map<unknown, number[]>();
    const node = new (class Retry extends Node {
      override async exec(_: unknown, ctx: NodeContext) {
        const list = attempts.get(ctx.params.run) ?? [];
        attempts.set(ctx.params.run, [...list, ctx.attempt]);
        await delay(5);
        if (ctx.attempt < 2) throw new Error("again");
      }
    })({ maxRetries: 3 });
    const flow = new Flow(node);
    await Promise.all(Array.from({ length: 20 }, (_, run) => flow.run({}, { params: { run } })));
    expect(attempts.size).toBe(20);
    for (const list of attempts.values()) expect(list).toEqual([0, 1, 2]);
  });

  it("counts steps per run: 100 concurrent 3-step runs pass a maxSteps of 3", async () => {
    const a = new Say("a");
    a.next(new Say("b")).next(new Say("c"));
    const flow = new Flow(a, { maxSteps: 3 });
    const shareds = Array.from({ length: 100 }, () => ({ trail: [] as string[] }));
    await Promise.all(shareds.map((s) => flow.run(s)));
    for (const s of shareds) expect(s.trail).toEqual(["a", "b", "c"]);
  });

  it("gives each BatchFlow item its own params, even inside concurrent runs", async () => {
    const seen: string[] = [];
    const leaf = new (class Leaf extends Node {
      override async prep(_: unknown, ctx: NodeContext) {
        await delay(1);
        seen.push(`${ctx.params.run}:${ctx.params.item}`);
      }
    })();
    const batch = new (class Items extends BatchFlow {
      override prep() {
        return [{ item: "x" }, { item: "y" }];
      }
    })(leaf);
    await Promise.all([1, 2, 3].map((run) => batch.run({}, { params: { run } })));
    expect(seen.sort()).toEqual(["1:x", "1:y", "2:x", "2:y", "3:x", "3:y"]);
  });
});
