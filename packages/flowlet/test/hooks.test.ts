/** Hooks: what each one receives, nested paths, and hooks that throw. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { BatchFlow, Flow, type Hooks, Node, type NodeContext, ParallelBatchNode } from "flowlet";
import { delay } from "./helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Records every hook call as a compact line. */
function recorder() {
  const events: string[] = [];
  const hooks: Hooks = {
    nodeStart: (e) => void events.push(`start ${e.path} #${e.step}`),
    nodeEnd: (e) => void events.push(`end ${e.path} #${e.step} -> ${e.action}`),
    nodeError: (e) => void events.push(`error ${e.path} attempt ${e.attempt} retry ${e.willRetry}: ${(e.error as Error).message}`),
    flowEnd: (e) => void events.push(`flowEnd ${e.path} steps ${e.steps} -> ${e.action}`),
  };
  return { events, hooks };
}

class Step extends Node {
  constructor(
    name: string,
    private readonly action?: string,
  ) {
    super({ name });
  }
  override post() {
    return this.action;
  }
}

/** Outer: Load → Inner(Draft → Polish) → Save */
function pipeline() {
  const draft = new Step("Draft");
  draft.next(new Step("Polish", "polished"));
  const inner = new Flow(draft, { name: "Inner" });
  const load = new Step("Load");
  load.next(inner).on("polished", new Step("Save", "saved"));
  return new Flow(load, { name: "Outer" });
}

describe("hooks", () => {
  it("reports every node's start and end, and each flow's end, with nested paths", async () => {
    const { events, hooks } = recorder();
    expect(await pipeline().run({}, { hooks })).toBe("saved");
    expect(events).toEqual([
      "start Outer #1",
      "start Outer/Load #1",
      "end Outer/Load #1 -> default",
      "start Outer/Inner #2",
      "start Outer/Inner/Draft #1",
      "end Outer/Inner/Draft #1 -> default",
      "start Outer/Inner/Polish #2",
      "end Outer/Inner/Polish #2 -> polished",
      "flowEnd Outer/Inner steps 2 -> polished",
      "end Outer/Inner #2 -> polished",
      "start Outer/Save #3",
      "end Outer/Save #3 -> saved",
      "flowEnd Outer steps 3 -> saved",
      "end Outer #1 -> saved",
    ]);
  });

  it("names the node and gives its params in each payload", async () => {
    const starts: unknown[] = [];
    const node = new Step("Greet");
    await new Flow(node, { name: "F" }).run({}, { params: { lang: "fr" }, hooks: { nodeStart: (e) => void starts.push(e) } });
    expect(starts).toContainEqual({ node: "Greet", path: "F/Greet", step: 1, params: { lang: "fr" } });
  });

  it("measures nodeEnd's durationMs", async () => {
    const durations: Record<string, number> = {};
    const slow = new (class Slow extends Node {
      override async exec() {
        await delay(40);
      }
    })();
    await new Flow(slow).run(
      {},
      {
        hooks: {
          nodeEnd: (e) => {
            durations[e.path] = e.durationMs;
          },
        },
      },
    );
    expect(durations["Flow/Slow"]).toBeGreaterThanOrEqual(35);
    expect(durations["Flow/Slow"]).toBeLessThan(1000);
    expect(durations.Flow).toBeGreaterThanOrEqual(durations["Flow/Slow"] ?? Number.NaN);
  });

  it("reports each failed attempt with attempt and willRetry", async () => {
    const { events, hooks } = recorder();
    const flaky = new (class Flaky extends Node {
      override exec(_: unknown, ctx: NodeContext) {
        throw new Error(`fail ${ctx.attempt}`);
      }
      override execFallback() {
        return "saved by fallback";
      }
    })({ maxRetries: 3 });
    await new Flow(flaky, { name: "F" }).run({}, { hooks });
    expect(events.filter((e) => e.startsWith("error"))).toEqual([
      "error F/Flaky attempt 0 retry true: fail 0",
      "error F/Flaky attempt 1 retry true: fail 1",
      "error F/Flaky attempt 2 retry false: fail 2",
    ]);
    expect(events).toContain("end F/Flaky #1 -> default");
  });

  it("reports prep and post failures once, before the run rejects", async () => {
    const { events, hooks } = recorder();
    const broken = new (class Broken extends Node {
      override post() {
        throw new Error("cannot save");
      }
    })({ maxRetries: 3 });
    await expect(new Flow(broken, { name: "F" }).run({}, { hooks })).rejects.toThrow(/cannot save/);
    expect(events.filter((e) => e.startsWith("error"))).toEqual(["error F/Broken attempt 0 retry false: cannot save"]);
    expect(events.some((e) => e.startsWith("flowEnd"))).toBe(false);
  });

  it("reports the batch item of a failed attempt", async () => {
    const items: unknown[] = [];
    const node = new (class Items extends ParallelBatchNode<object, number, number> {
      override prep() {
        return [10, 11, 12];
      }
      override exec(n: number, ctx: NodeContext) {
        if (n === 11 && ctx.attempt === 0) throw new Error("once");
        return n;
      }
    })({ maxRetries: 2 });
    await new Flow(node).run({}, { hooks: { nodeError: (e) => void items.push([e.item, e.attempt, e.willRetry]) } });
    expect(items).toEqual([[1, 0, true]]);
  });

  it("accepts hooks as a Flow option, seeing everything inside that flow, next to the run's hooks", async () => {
    const own = recorder();
    const run = recorder();
    const inner = new Flow(new Step("Leaf"), { name: "Inner", hooks: own.hooks });
    await new Flow(inner, { name: "Outer" }).run({}, { hooks: run.hooks });
    expect(own.events).toEqual([
      "start Outer/Inner/Leaf #1",
      "end Outer/Inner/Leaf #1 -> default",
      "flowEnd Outer/Inner steps 1 -> default",
    ]);
    expect(run.events).toEqual(expect.arrayContaining(own.events));
    expect(run.events).toContain("flowEnd Outer steps 1 -> default");
  });

  it("reports each run of a batch flow's sub-flow", async () => {
    const { events, hooks } = recorder();
    const batch = new (class Twice extends BatchFlow {
      override prep() {
        return [{ i: 1 }, { i: 2 }];
      }
    })(new Step("Leaf", "leafed"), { name: "Batch" });
    await batch.run({}, { hooks });
    expect(events.filter((e) => e.startsWith("flowEnd"))).toEqual(["flowEnd Batch steps 1 -> leafed", "flowEnd Batch steps 1 -> leafed"]);
  });
});

describe("a hook that throws", () => {
  it("goes to hooks.hookError, and the run goes on", async () => {
    const reported: [string, string][] = [];
    const hooks: Hooks = {
      nodeStart: () => {
        throw new Error("tracer down");
      },
      nodeEnd: () => Promise.reject(new Error("async tracer down")),
      flowEnd: () => {
        throw new Error("flowEnd broke");
      },
      hookError: (error, hook) => void reported.push([hook, (error as Error).message]),
    };
    expect(await pipeline().run({}, { hooks })).toBe("saved");
    await delay(1);
    expect(reported.filter(([hook]) => hook === "nodeStart")).toHaveLength(6); // Outer, Load, Inner, Draft, Polish, Save
    expect(reported.filter(([hook]) => hook === "nodeEnd")).toHaveLength(6); // Outer, Load, Inner, Draft, Polish, Save
    expect(reported).toContainEqual(["flowEnd", "flowEnd broke"]);
    expect(reported).toContainEqual(["nodeEnd", "async tracer down"]);
  });

  it("goes to console.error when there is no hookError, or when hookError throws too", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const hooks: Hooks = {
      nodeError: () => {
        throw new Error("nodeError broke");
      },
    };
    const flaky = new (class Flaky extends Node {
      override exec(_: unknown, ctx: NodeContext) {
        if (ctx.attempt === 0) throw new Error("once");
        return "ok";
      }
      override post(_s: unknown, _p: unknown, result: unknown) {
        return String(result);
      }
    })({ maxRetries: 2 });
    expect(await new Flow(flaky).run({}, { hooks })).toBe("ok");
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors.mock.calls[0]?.[0]).toBe("flowlet: hook nodeError threw; the run goes on.");
    expect(errors.mock.calls[0]?.[1]).toEqual(new Error("nodeError broke"));

    errors.mockClear();
    const withBrokenReporter: Hooks = {
      nodeStart: () => {
        throw new Error("start broke");
      },
      hookError: () => {
        throw new Error("reporter broke");
      },
    };
    expect(await new Flow(new Step("Only", "only")).run({}, { hooks: withBrokenReporter })).toBe("only");
    expect(errors).toHaveBeenCalledTimes(2); // one per nodeStart: the flow's and the node's
  });
});
