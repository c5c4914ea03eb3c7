/** flow.stream: every event type, their order, live custom events, backpressure, early break, errors. */
import { describe, expect, it } from "vitest";
import {
  Flow,
  type FlowEvent,
  MemorySaver,
  Node,
  type NodeContext,
  NodeError,
  ParallelBatchNode,
  Store,
  StreamOverflowError,
} from "flowlet";
import { delay } from "./helpers.js";

/** Emits what it is told, in exec. */
class Say extends Node {
  constructor(
    name: string,
    private readonly words: string[],
  ) {
    super({ name });
  }
  override async exec(_: unknown, ctx: NodeContext) {
    for (const word of this.words) await ctx.emit(word);
  }
}

async function collect(events: AsyncIterable<FlowEvent>): Promise<FlowEvent[]> {
  const all: FlowEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

const brief = (e: FlowEvent) => {
  switch (e.type) {
    case "nodeStart":
    case "nodeEnd":
      return `${e.type} ${e.path}`;
    case "custom":
      return `custom ${e.path} ${String(e.data)}`;
    case "end":
      return `end ${JSON.stringify(e.result)}`;
    default:
      return e.type;
  }
};

describe("flow.stream", () => {
  it("yields nodeStart, custom and nodeEnd of every node, nested flows included, in order, then end", async () => {
    const inner = new Flow(new Say("B", ["b1", "b2"]), { name: "Inner" });
    const a = new Say("A", ["a1"]);
    a.next(inner);
    const events = await collect(new Flow(a, { name: "Top" }).stream({}));
    expect(events.map(brief)).toEqual([
      "nodeStart Top",
      "nodeStart Top/A",
      "custom Top/A a1",
      "nodeEnd Top/A",
      "nodeStart Top/Inner",
      "nodeStart Top/Inner/B",
      "custom Top/Inner/B b1",
      "custom Top/Inner/B b2",
      "nodeEnd Top/Inner/B",
      "nodeEnd Top/Inner",
      "nodeEnd Top",
      'end {"status":"completed","action":"default"}',
    ]);
    expect(events[2]).toMatchObject({ type: "custom", node: "A", step: 1, data: "a1" });
    expect(events[3]).toMatchObject({ type: "nodeEnd", node: "A", step: 1, action: "default" });
  });

  it("delivers a custom event while its node is still running", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const node = new (class Waits extends Node {
      override async exec(_: unknown, ctx: NodeContext) {
        void ctx.emit("waiting for you");
        await released; // only the consumer, having seen the event, resolves this
        return "released";
      }
      override post(_s: unknown, _p: unknown, result: unknown) {
        return String(result);
      }
    })();
    const seen: string[] = [];
    for await (const event of new Flow(node).stream({})) {
      seen.push(event.type);
      if (event.type === "custom") release();
      if (event.type === "end") expect(event.result).toEqual({ status: "completed", action: "released" });
    }
    expect(seen).toEqual(["nodeStart", "nodeStart", "custom", "nodeEnd", "nodeEnd", "end"]);
  });

  it("holds a fast producer to a slow consumer: at most `buffer` events wait, for emits and for steps", async () => {
    let emitted = 0;
    let read = 0;
    let most = 0;
    const burst = new (class Burst extends Node {
      override async exec(_: unknown, ctx: NodeContext) {
        for (let i = 0; i < 2000; i++) {
          emitted++;
          most = Math.max(most, emitted - read);
          await ctx.emit(i);
        }
      }
    })();
    // Then a loop of 300 synchronous nodes, each producing events the engine itself emits.
    let ticks = 0;
    const tick = new (class Tick extends Node {
      override post() {
        emitted += 2; // its nodeStart and nodeEnd
        most = Math.max(most, emitted - read);
        return ++ticks < 300 ? "again" : "done";
      }
    })();
    tick.on("again", tick);
    tick.on("done", new Node({ name: "Done" }));
    burst.next(tick);
    for await (const event of new Flow(burst, { maxSteps: 1000 }).stream({}, { buffer: 16 })) {
      if (event.type === "custom" || ((event.type === "nodeStart" || event.type === "nodeEnd") && event.node === "Tick")) read++;
      if (read % 50 === 0) await delay(1);
    }
    expect(read).toBe(2000 + 600);
    expect(most).toBeLessThanOrEqual(16 + 3);
  });

  it("refuses un-awaited emits past 16 × buffer with StreamOverflowError, rather than buffer without bound", async () => {
    const flood = new (class Flood extends Node {
      override exec(_: unknown, ctx: NodeContext) {
        for (let i = 0; i < 10_000; i++) void ctx.emit(i);
      }
    })();
    const stream = new Flow(flood).stream({}, { buffer: 8 });
    let count = 0;
    const error = await (async () => {
      for await (const _ of stream) {
        count++;
        await delay(1);
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).cause).toBeInstanceOf(StreamOverflowError);
    expect(count).toBeLessThanOrEqual(8 * 16 + 2);
  });

  it("aborts the run when the consumer breaks out: the running node's ctx.signal fires", async () => {
    let aborted: unknown;
    let after = false;
    const slow = new (class Slow extends Node {
      override async exec(_: unknown, ctx: NodeContext) {
        ctx.signal.addEventListener("abort", () => {
          aborted = ctx.signal.reason;
        });
        await ctx.emit("started");
        await delay(5000, ctx.signal);
      }
    })();
    slow.next(
      new (class After extends Node {
        override prep() {
          after = true;
        }
      })(),
    );
    const started = performance.now();
    for await (const event of new Flow(slow).stream({})) if (event.type === "custom") break;
    await delay(20);
    expect((aborted as DOMException).name).toBe("AbortError");
    expect(after).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("throws the same NodeError that run rejects with, after streaming each failed attempt as an error event", async () => {
    const build = () =>
      new Flow(
        new (class Flaky extends Node {
          override exec(_: unknown, ctx: NodeContext) {
            throw new Error(`attempt ${ctx.attempt}`);
          }
        })({ maxRetries: 2 }),
        { name: "F" },
      );
    const ran = await build()
      .run({})
      .catch((e: unknown) => e);
    const types: string[] = [];
    const streamed = await (async () => {
      for await (const event of build().stream({})) {
        types.push(event.type);
        if (event.type === "error") expect(event).toMatchObject({ path: "F/Flaky", willRetry: event.attempt === 0 });
      }
    })().catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(NodeError);
    expect((streamed as NodeError).message).toBe((ran as NodeError).message);
    expect(types).toEqual(["nodeStart", "nodeStart", "error", "error"]);
  });

  it("streams checkpoint and interrupt events, and ends with the interrupted result", async () => {
    const write = new Node({ name: "Write" });
    write.next(
      new (class Approve extends Node {
        override exec(_: unknown, ctx: NodeContext) {
          return ctx.interrupt({ question: "Publish?" });
        }
      })(),
    );
    const events = await collect(new Flow(write, { name: "Review" }).stream({}, { checkpoint: new MemorySaver(), runId: "s" }));
    const tail = events.filter((e) => e.type !== "nodeStart");
    expect(tail.map((e) => e.type)).toEqual(["nodeEnd", "checkpoint", "interrupt", "checkpoint", "end"]);
    expect(tail[1]).toEqual({ type: "checkpoint", runId: "s", seq: 1, node: "Review/Write", status: "running" });
    expect(tail[2]).toEqual({ type: "interrupt", path: "Review/Approve", payload: { question: "Publish?" } });
    expect(tail[3]).toMatchObject({ type: "checkpoint", seq: 2, status: "interrupted" });
    expect(tail[4]).toEqual({ type: "end", result: { status: "interrupted", payload: { question: "Publish?" }, runId: "s" } });
  });

  it("tells batch items and nested flows apart: item index and path on custom events", async () => {
    const items = new (class Items extends ParallelBatchNode<object, number, number> {
      override prep() {
        return [10, 20, 30];
      }
      override async exec(n: number, ctx: NodeContext) {
        await ctx.emit(n);
        return n;
      }
    })();
    const inner = new Flow(items, { name: "Inner" });
    const custom = (await collect(new Flow(inner, { name: "Top" }).stream({}))).filter((e) => e.type === "custom");
    expect(custom.map((e) => [e.path, e.item, e.data])).toEqual([
      ["Top/Inner/Items", 0, 10],
      ["Top/Inner/Items", 1, 20],
      ["Top/Inner/Items", 2, 30],
    ]);
  });

  it("streams store updates when asked: the keys each node changed, for a plain object and a Store", async () => {
    type S = { question: string; answer?: string; log: string[] };
    class Answer extends Node<S | Store<S>> {
      override post(shared: S | Store<S>) {
        if (shared instanceof Store) shared.set("answer", "42");
        else {
          shared.answer = "42";
          shared.log.push("answered");
        }
      }
    }
    const plain = await collect(new Flow(new Answer()).stream({ question: "?", log: [] }, { storeUpdates: true }));
    expect(plain.filter((e) => e.type === "store")).toEqual([
      { type: "store", node: "Answer", path: "Flow/Answer", step: 1, keys: ["answer", "log"], values: { answer: "42", log: ["answered"] } },
    ]);
    const store = new Store<S>({ question: "?", log: [] });
    const typed = await collect(new Flow(new Answer()).stream(store, { storeUpdates: true }));
    expect(typed.filter((e) => e.type === "store").map((e) => e.type === "store" && e.keys)).toEqual([["answer"]]);
    const off = await collect(new Flow(new Answer()).stream({ question: "?", log: [] }));
    expect(off.some((e) => e.type === "store")).toBe(false);
  });

  it("gives ctx.emit's data to the custom hook of a plain run, and does nothing with no one listening", async () => {
    const seen: unknown[] = [];
    await new Flow(new Say("A", ["x", "y"])).run({}, { hooks: { custom: (e) => void seen.push(e.data) } });
    expect(seen).toEqual(["x", "y"]);
    expect(await new Flow(new Say("A", ["x"])).run({})).toBe("default");
  });
});
