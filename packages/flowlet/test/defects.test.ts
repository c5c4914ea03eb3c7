/**
 * One test per known defect of PocketFlow and its ports (see the notes on PocketFlow's semantics),
 * showing Flowlet does not have it. Defects covered in their own area's file:
 * - no concurrency cap (PocketFlow, PocketFlow-TS): batch.test.ts, "respects concurrency";
 * - fixed wait, no backoff (PocketFlow-TS): node.test.ts, "takes a wait function";
 * - no AbortSignal (PocketFlow-TS): cancellation.test.ts; no hooks: hooks.test.ts;
 * - the orchestrator warns for every node with successors (PocketFlow-TS): node.test.ts;
 * - max_retries=0 silently skips exec (PocketFlow): node.test.ts, "rejects maxRetries";
 * - a method named `then` makes nodes thenables (PocoFlow's `.then` in TS): node.test.ts;
 * - a visit counter shared by concurrent runs (BrainyFlow): flow.test.ts, "isolation".
 */
import { describe, expect, it } from "vitest";
import { Flow, MaxStepsExceededError, Node, type NodeContext, ParallelBatchFlow, ParallelBatchNode } from "flowlet";
import { Say, type Trail, delay } from "./helpers.js";

describe("defects of other ports, absent here", () => {
  it("a parent flow branches on its nested flow's last action (lost in PocketFlow-TS)", async () => {
    for (const [verdict, expected, action] of [
      ["approve", "publish", "published"],
      ["reject", "archive", "archived"],
    ] as const) {
      const inner = new Flow(new Say("check"), { name: "Review" });
      inner.startNode?.next(new Say("decide", verdict));
      inner.on("approve", new Say("publish", "published"));
      inner.on("reject", new Say("archive", "archived"));
      const shared: Trail = { trail: [] };
      const last = await new Flow(inner).run(shared);
      expect(shared.trail).toEqual(["check", "decide", expected]);
      expect(last).toBe(action);
    }
  });

  it("parallel items never share a retry counter: 5 items failing twice with maxRetries 3 each see 0, 1, 2", async () => {
    const attempts = new Map<number, number[]>();
    const node = new (class Flaky extends ParallelBatchNode<{ out?: number[] }, number, number> {
      override prep() {
        return [0, 1, 2, 3, 4];
      }
      override async exec(item: number, ctx: NodeContext) {
        attempts.set(item, [...(attempts.get(item) ?? []), ctx.attempt]);
        await delay(5 + item); // interleave the items' attempts
        if (ctx.attempt < 2) throw new Error(`item ${item} attempt ${ctx.attempt}`);
        return item * 10;
      }
      override post(shared: { out?: number[] }, _: unknown, results: number[]) {
        shared.out = results;
      }
    })({ maxRetries: 3 });
    const shared: { out?: number[] } = {};
    await node.run(shared);
    expect(shared.out).toEqual([0, 10, 20, 30, 40]);
    expect([...attempts.entries()].sort(([a], [b]) => a - b)).toEqual([0, 1, 2, 3, 4].map((i) => [i, [0, 1, 2]]));
  });

  it("the runs of a parallel batch flow never share a retry counter either", async () => {
    const attempts: Record<string, number[]> = {};
    const node = new (class Flaky extends Node {
      override async exec(_: unknown, ctx: NodeContext) {
        const run = String(ctx.params.run);
        attempts[run] = [...(attempts[run] ?? []), ctx.attempt];
        await delay(3);
        if (ctx.attempt < 2) throw new Error("again");
      }
    })({ maxRetries: 3 });
    const flow = new (class Runs extends ParallelBatchFlow {
      override prep() {
        return ["a", "b", "c", "d"].map((run) => ({ run }));
      }
    })(node);
    await flow.run({});
    expect(attempts).toEqual({ a: [0, 1, 2], b: [0, 1, 2], c: [0, 1, 2], d: [0, 1, 2] });
  });

  it("a 20-item fan-out into one node is not a loop (BrainyFlow's maxVisits throws)", async () => {
    type Fan = { collected: number[]; total?: number };
    const collect = new (class Collect extends Node<Fan> {
      override post(shared: Fan, _p: unknown, _e: unknown, ctx: NodeContext) {
        shared.collected.push(ctx.params.item as number);
      }
    })();
    const fanOut = new (class FanOut extends ParallelBatchFlow<Fan> {
      override prep() {
        return Array.from({ length: 20 }, (_, item) => ({ item }));
      }
    })(collect, { maxSteps: 1 });
    fanOut.next(
      new (class Sum extends Node<Fan> {
        override post(shared: Fan) {
          shared.total = shared.collected.reduce((a, b) => a + b, 0);
          return "summed";
        }
      })(),
    );
    const shared: Fan = { collected: [] };
    expect(await new Flow(fanOut, { maxSteps: 2 }).run(shared)).toBe("summed");
    expect(shared.collected).toHaveLength(20);
    expect(shared.total).toBe(190);
    // The same with the run option, which overrides every flow's own limit.
    expect(await new Flow(fanOut).run({ collected: [] }, { maxSteps: 2 })).toBe("summed");
  });

  it("a loop that never ends is stopped by maxSteps (PocketFlow and PocketFlow-TS just run)", async () => {
    const spin = new Say("spin", "again");
    spin.on("again", spin);
    const shared: Trail = { trail: [] };
    const error = await new Flow(spin, { name: "Spinner" }).run(shared, { maxSteps: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaxStepsExceededError);
    expect((error as Error).message).toContain('Flow "Spinner" exceeded maxSteps (100)');
    expect(shared.trail).toHaveLength(100);
  });

  it("the shared store is passed as is, never cloned (BrainyFlow's structuredClone drops methods)", async () => {
    class Counter {
      n = 0;
      bump() {
        this.n++;
      }
    }
    type Live = { counter: Counter; notify: (msg: string) => void; list: string[] };
    const seen: string[] = [];
    const shared: Live = { counter: new Counter(), notify: (msg) => seen.push(msg), list: [] };
    const bump = new (class Bump extends Node<Live> {
      override post(s: Live) {
        s.counter.bump();
        s.notify(`bumped to ${s.counter.n}`);
        s.list.push("x");
      }
    })();
    const fan = new (class Fan extends ParallelBatchFlow<Live> {
      override prep() {
        return [{}, {}, {}];
      }
    })(bump);
    await new Flow(fan).run(shared);
    expect(shared.counter).toBeInstanceOf(Counter);
    expect(shared.counter.n).toBe(3);
    expect(shared.list).toEqual(["x", "x", "x"]);
    expect(seen).toEqual(["bumped to 1", "bumped to 2", "bumped to 3"]);
  });
});
