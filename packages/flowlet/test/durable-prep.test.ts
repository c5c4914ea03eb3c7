import { BatchFlow, BatchNode, Flow, MemorySaver, Node, Parallel, ParallelBatchFlow, type Params, Store } from "flowlet";
import { describe, expect, it } from "vitest";

// A prep whose writes a checkpoint already holds is not applied again by a resume mid-batch: the
// batch's prep runs again (to list its items, which may have changed), but its writes are undone.

type Counts = { preps: number; runs: number; seen: number[] };
const fresh = (): Counts => ({ preps: 0, runs: 0, seen: [] });

/** A node that counts its runs, and fails once on item 2 while `failing.on`. */
class Work extends Node<Counts> {
  constructor(readonly failing: { on: boolean }) {
    super({ name: "Work" });
  }
  override prep(_shared: Counts, ctx: { params: Params }) {
    return ctx.params.i as number;
  }
  override exec(i: number) {
    if (i === 2 && this.failing.on) throw new Error("crash on 2");
    return i;
  }
  override post(shared: Counts, _p: unknown, i: number) {
    shared.runs++;
    shared.seen.push(i);
  }
}

function batchFlow(Kind: typeof BatchFlow, failing: { on: boolean }) {
  class Each extends Kind<Counts> {
    override prep(shared: Counts) {
      shared.preps++;
      return [{ i: 1 }, { i: 2 }, { i: 3 }];
    }
  }
  return new Flow(new Each(new Work(failing), { concurrency: 1 }));
}

describe("a resume mid-batch does not apply prep's checkpointed writes twice", () => {
  for (const Kind of [BatchFlow, ParallelBatchFlow]) {
    it(`${Kind.name}, plain shared object`, async () => {
      const failing = { on: true };
      const saver = new MemorySaver();
      await expect(batchFlow(Kind, failing).run(fresh(), { checkpoint: saver, runId: "r" })).rejects.toThrow("crash on 2");
      failing.on = false;
      const { shared } = await batchFlow(Kind, failing).resume("r", { checkpoint: saver });
      expect(shared).toEqual({ preps: 1, runs: 3, seen: [1, 2, 3] });
    });
  }

  it("BatchFlow, Store", async () => {
    const failing = { on: true };
    class Each extends BatchFlow<Store<Counts>> {
      override prep(shared: Store<Counts>) {
        shared.update("preps", (n) => n + 1);
        return [{ i: 1 }, { i: 2 }, { i: 3 }];
      }
    }
    class StoreWork extends Node<Store<Counts>> {
      override prep(_s: Store<Counts>, ctx: { params: Params }) {
        return ctx.params.i as number;
      }
      override exec(i: number) {
        if (i === 2 && failing.on) throw new Error("crash on 2");
        return i;
      }
      override post(shared: Store<Counts>) {
        shared.update("runs", (n) => n + 1);
      }
    }
    const flow = () => new Flow(new Each(new StoreWork()));
    const saver = new MemorySaver();
    await expect(flow().run(new Store(fresh()), { checkpoint: saver, runId: "s" })).rejects.toThrow("crash on 2");
    failing.on = false;
    const { shared } = await flow().resume("s", { checkpoint: saver });
    expect(shared.get("preps")).toBe(1);
    expect(shared.get("runs")).toBe(3);
  });

  it("Parallel, with a prep of its own", async () => {
    const failing = { on: true };
    class Branch extends Node<Counts> {
      constructor(readonly n: number) {
        super({ name: `B${n}` });
      }
      override exec() {
        if (this.n === 2 && failing.on) throw new Error("crash in B2");
      }
      override post(shared: Counts) {
        shared.runs++;
        shared.seen.push(this.n);
      }
    }
    class Fork extends Parallel<Counts> {
      override prep(shared: Counts) {
        shared.preps++;
      }
    }
    const flow = () => new Flow(new Fork([new Branch(1), new Branch(2)], { concurrency: 1 }));
    const saver = new MemorySaver();
    await expect(flow().run(fresh(), { checkpoint: saver, runId: "p" })).rejects.toThrow("crash in B2");
    failing.on = false;
    const { shared } = await flow().resume("p", { checkpoint: saver });
    expect(shared).toEqual({ preps: 1, runs: 2, seen: [1, 2] });
  });

  it("a BatchNode's prep writes stay once, also when a sibling branch records the store mid-batch", async () => {
    let fail = true;
    class Items extends BatchNode<Counts, number, number> {
      override prep(shared: Counts) {
        shared.preps++;
        return [1, 2, 3];
      }
      override async exec(i: number) {
        await new Promise((r) => setTimeout(r, 5 * i));
        if (i === 3 && fail) throw new Error("crash on 3");
        return i;
      }
    }
    class Writer extends Node<Counts> {
      override async exec() {
        await new Promise((r) => setTimeout(r, 2));
      }
      override post(shared: Counts) {
        shared.runs++;
      }
    }
    const flow = () => new Flow(new Parallel([new Items(), new Writer()]));
    const saver = new MemorySaver();
    await expect(flow().run(fresh(), { checkpoint: saver, runId: "n" })).rejects.toThrow("crash on 3");
    fail = false;
    const { shared } = await flow().resume("n", { checkpoint: saver });
    expect(shared.preps).toBe(1);
    expect(shared.runs).toBe(1);
  });
});
