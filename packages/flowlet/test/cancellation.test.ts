/** Cancellation with an AbortSignal: node boundaries, in-flight work, retry waits, batches. */
import { describe, expect, it } from "vitest";
import { Flow, Node, type NodeContext, ParallelBatchFlow, ParallelBatchNode } from "flowlet";
import { type Trail, delay } from "./helpers.js";

/** Records its name in prep, then works `ms` in exec, ignoring the signal unless told to honour it. */
class Work extends Node<Trail, void, void> {
  constructor(
    name: string,
    private readonly ms: number,
    private readonly honourSignal = false,
  ) {
    super({ name });
  }
  override prep(shared: Trail) {
    shared.trail.push(this.name);
  }
  override async exec(_: void, ctx: NodeContext) {
    await delay(this.ms, this.honourSignal ? ctx.signal : undefined);
  }
}

const reason = new Error("user pressed stop");

function abortAfter(ms: number, why: unknown = reason): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(why), ms);
  return controller.signal;
}

describe("cancellation", () => {
  it("rejects with the signal's reason at the next node boundary", async () => {
    const a = new Work("a", 50);
    a.next(new Work("b", 0)).next(new Work("c", 0));
    const shared: Trail = { trail: [] };
    await expect(new Flow(a).run(shared, { signal: abortAfter(10) })).rejects.toBe(reason);
    expect(shared.trail).toEqual(["a"]); // a finished its work; b never started
  });

  it("aborts ctx.signal for in-flight work, so it stops at once", async () => {
    const a = new Work("a", 5000, true);
    a.next(new Work("b", 0));
    const shared: Trail = { trail: [] };
    const started = performance.now();
    await expect(new Flow(a).run(shared, { signal: abortAfter(20) })).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(shared.trail).toEqual(["a"]);
  });

  it("uses the AbortError DOMException when abort() is given no reason", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    const error = await new Flow(new Work("a", 5000, true)).run({ trail: [] }, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(controller.signal.reason);
    expect((error as DOMException).name).toBe("AbortError");
  });

  it("interrupts a retry wait at once, without another attempt or the fallback", async () => {
    let attempts = 0;
    let fellBack = false;
    const node = new (class Retry extends Node {
      override exec() {
        attempts++;
        throw new Error("flaky");
      }
      override execFallback() {
        fellBack = true;
      }
    })({ maxRetries: 3, wait: 10_000 });
    const started = performance.now();
    await expect(new Flow(node).run({}, { signal: abortAfter(30) })).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(attempts).toBe(1);
    expect(fellBack).toBe(false);
  });

  it("runs nothing when the signal is already aborted", async () => {
    const shared: Trail = { trail: [] };
    await expect(new Flow(new Work("a", 0)).run(shared, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(shared.trail).toEqual([]);
  });

  it("stops a nested flow at its next inner node boundary", async () => {
    const inner = new Flow(new Work("in1", 40), { name: "Inner" });
    inner.startNode?.next(new Work("in2", 0));
    inner.next(new Work("after", 0));
    const shared: Trail = { trail: [] };
    await expect(new Flow(inner).run(shared, { signal: abortAfter(10) })).rejects.toBe(reason);
    expect(shared.trail).toEqual(["in1"]);
  });

  it("aborts the ctx.signal of every in-flight item of a parallel batch", async () => {
    const aborted: number[] = [];
    const node = new (class Items extends ParallelBatchNode<object, number, number> {
      override prep() {
        return [0, 1, 2, 3];
      }
      override async exec(item: number, ctx: NodeContext) {
        ctx.signal.addEventListener("abort", () => aborted.push(item));
        await delay(5000, ctx.signal);
        return item;
      }
    })();
    const started = performance.now();
    await expect(new Flow(node).run({}, { signal: abortAfter(20) })).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(aborted.sort()).toEqual([0, 1, 2, 3]);
  });

  it("stops the runs of a parallel batch flow at their next node boundary", async () => {
    const first = new Work("first", 40);
    first.next(new Work("second", 0));
    const batch = new (class Three extends ParallelBatchFlow<Trail> {
      override prep() {
        return [{ i: 0 }, { i: 1 }, { i: 2 }];
      }
    })(first);
    const shared: Trail = { trail: [] };
    await expect(new Flow(batch).run(shared, { signal: abortAfter(10) })).rejects.toBe(reason);
    await delay(60);
    expect(shared.trail).toEqual(["first", "first", "first"]);
  });

  it("gives parallel items an aborted ctx.signal when the run was cancelled before they started", async () => {
    const controller = new AbortController();
    const signals: boolean[] = [];
    const node = new (class LateItems extends ParallelBatchNode<object, number, number> {
      override prep() {
        controller.abort(reason); // e.g. the user cancels while prep is still reading inputs
        return [0, 1, 2];
      }
      override exec(item: number, ctx: NodeContext) {
        signals.push(ctx.signal.aborted);
        return item;
      }
    })();
    await expect(new Flow(node).run({}, { signal: controller.signal })).rejects.toBe(reason);
    expect(signals.every((aborted) => aborted)).toBe(true);
  });

  it("runs no sub-flow of a parallel batch flow once the run is cancelled", async () => {
    const controller = new AbortController();
    const shared: Trail = { trail: [] };
    const batch = new (class CancelledInPrep extends ParallelBatchFlow<Trail> {
      override prep() {
        controller.abort(reason);
        return [{ i: 0 }, { i: 1 }];
      }
    })(new Work("sub", 0));
    batch.next(new Work("after", 0));
    await expect(new Flow(batch).run(shared, { signal: controller.signal })).rejects.toBe(reason);
    expect(shared.trail).toEqual([]);
  });

  it("cancels one run without touching another run of the same flow", async () => {
    const a = new Work("a", 30, true);
    a.next(new Work("b", 0));
    const flow = new Flow(a);
    const cancelled: Trail = { trail: [] };
    const kept: Trail = { trail: [] };
    const [first, second] = await Promise.allSettled([
      flow.run(cancelled, { signal: abortAfter(10) }),
      flow.run(kept, { signal: new AbortController().signal }),
    ]);
    expect(first).toEqual({ status: "rejected", reason });
    expect(second).toEqual({ status: "fulfilled", value: "default" });
    expect(cancelled.trail).toEqual(["a"]);
    expect(kept.trail).toEqual(["a", "b"]);
  });
});
