import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSaver } from "@flowlet/file-saver";
import { BatchFlow, type CheckpointSaver, Flow, MemorySaver, Node, type NodeContext, Parallel, Store } from "flowlet";
import { afterEach, describe, expect, it } from "vitest";

// A flow's own prep, like a batch's, runs again when a run resumes inside the flow (a Flow subclass
// overriding prep, at the top or nested). Its writes, which the records since already hold, are not
// applied a second time.

type Tally = { preps: number; log: string[]; runs: number };
const fresh = (): Tally => ({ preps: 0, log: [], runs: 0 });

/** A flow whose prep increments a counter and appends to a list. */
class Counted extends Flow<Tally> {
  override prep(shared: Tally) {
    shared.preps++;
    shared.log.push(`prep ${this.name}`);
  }
}

type Stop = "interrupt" | "throw" | "abort";

/** A node that stops the run the first time (by `how`), and counts its finished runs. */
class Step extends Node<Tally> {
  constructor(
    name: string,
    readonly stop: { how: Stop | undefined; controller?: AbortController },
  ) {
    super({ name });
  }
  override async exec(_: unknown, ctx: NodeContext) {
    const { how, controller } = this.stop;
    if (how === "interrupt") ctx.interrupt({ ask: this.name });
    if (how === "throw") throw new Error(`crash in ${this.name}`);
    if (how === "abort") {
      controller?.abort(new Error("killed"));
      await new Promise((r) => setTimeout(r, 1));
      if (ctx.signal.aborted) throw ctx.signal.reason;
    }
  }
  override post(shared: Tally) {
    shared.runs++;
    shared.log.push(this.name);
  }
}

/** The stopping step B runs after A, inside a Counted flow: the top flow, or one nested in a plain flow. */
function build(nested: boolean, stop: Step["stop"]): Flow<Tally> {
  const a = new Step("A", { how: undefined });
  a.next(new Step("B", stop));
  const inner = new Counted(a, { name: "Inner" });
  if (!nested) return inner;
  const before = new Step("Before", { how: undefined });
  before.next(inner);
  return new Flow(before, { name: "Outer" });
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const savers: Record<string, () => CheckpointSaver> = {
  MemorySaver: () => new MemorySaver(),
  FileSaver: () => {
    const dir = mkdtempSync(join(tmpdir(), "flowlet-flow-prep-"));
    dirs.push(dir);
    return new FileSaver(dir, { fsync: false });
  },
};

describe("a resume inside a flow does not apply the flow's prep twice", () => {
  for (const [saverName, makeSaver] of Object.entries(savers)) {
    for (const nested of [false, true]) {
      for (const how of ["interrupt", "throw", "abort"] as const) {
        it(`${saverName}, ${nested ? "nested" : "top-level"} flow, after ${how === "interrupt" ? "an interrupt" : how === "throw" ? "a failure" : "an abort"}`, async () => {
          const saver = makeSaver();
          const controller = new AbortController();
          const stop: Step["stop"] = { how, controller };
          const first = build(nested, stop).run(fresh(), { checkpoint: saver, runId: "r", signal: controller.signal });
          if (how === "interrupt") expect((await first).status).toBe("interrupted");
          else await expect(first).rejects.toThrow(how === "throw" ? "crash in B" : "killed");
          stop.how = undefined;
          const { status, shared } = await build(nested, stop).resume("r", {
            checkpoint: saver,
            ...(how === "interrupt" ? { resumeWith: "ok" } : {}),
          });
          expect(status).toBe("completed");
          const ran = nested ? ["Before", "prep Inner", "A", "B"] : ["prep Inner", "A", "B"];
          expect(shared).toEqual({ preps: 1, log: ran, runs: ran.length - 1 });
        });
      }
    }
  }

  it("a Store: the flow's prep writes stay once", async () => {
    class StoreCounted extends Flow<Store<Tally>> {
      override prep(shared: Store<Tally>) {
        shared.update("preps", (n) => n + 1);
        shared.update("log", (l) => [...l, "prep"]);
      }
    }
    let fail = true;
    class Work extends Node<Store<Tally>> {
      override exec() {
        if (fail && this.name === "B") throw new Error("crash in B");
      }
      override post(shared: Store<Tally>) {
        shared.update("runs", (n) => n + 1);
      }
    }
    const flow = () => {
      const a = new Work({ name: "A" });
      a.next(new Work({ name: "B" }));
      const before = new Work({ name: "Before" });
      before.next(new StoreCounted(a, { name: "Inner" }));
      return new Flow(before);
    };
    const saver = new MemorySaver();
    await expect(flow().run(new Store(fresh()), { checkpoint: saver, runId: "s" })).rejects.toThrow("crash in B");
    fail = false;
    const { shared } = await flow().resume("s", { checkpoint: saver });
    expect(shared.toJSON()).toEqual({ preps: 1, log: ["prep"], runs: 3 });
  });

  for (const where of ["between two visits", "inside the second visit"] as const) {
    it(`a flow visited again in a loop runs its prep again, once per visit (a crash ${where})`, async () => {
      let fail = true;
      /** Fails the first time it runs after the second prep. */
      class Gate extends Node<Tally, number> {
        constructor(
          name: string,
          readonly crashes: boolean,
        ) {
          super({ name });
        }
        override prep(shared: Tally) {
          return shared.preps;
        }
        override exec(preps: number) {
          if (this.crashes && fail && preps === 2) throw new Error(`crash in ${this.name}`);
        }
        override post(shared: Tally) {
          shared.log.push(this.name);
          return this.name === "Check" ? (shared.preps < 3 ? "again" : "done") : undefined;
        }
      }
      const flow = () => {
        const a = new Gate("A", false);
        a.next(new Gate("B", where === "inside the second visit"));
        const inner = new Counted(a, { name: "Inner" });
        const check = new Gate("Check", where === "between two visits");
        inner.next(check);
        check.on("again", inner);
        check.on("done", new Node({ name: "End" }));
        return new Flow(inner, { name: "Loop" });
      };
      const saver = new MemorySaver();
      await expect(flow().run(fresh(), { checkpoint: saver, runId: "l" })).rejects.toThrow("crash in");
      fail = false;
      const { shared } = await flow().resume("l", { checkpoint: saver });
      expect(shared.preps).toBe(3);
      const visit = ["prep Inner", "A", "B", "Check"];
      expect(shared.log).toEqual([...visit, ...visit, ...visit]);
    });
  }
});

describe("in a parallel region, prep's writes are told from a sibling's", () => {
  it("a sibling's write not yet recorded when a batch's prep runs is not undone on resume", async () => {
    type Shared = { preps: number; runs: number; sib?: string };
    let failing = true;
    // A sibling branch that writes the store in its prep (not recorded: the branch has not finished),
    // and then fails, the first time, while the batch is mid-way.
    class Sibling extends Node<Shared> {
      override prep(shared: Shared) {
        shared.sib = failing ? "first run" : "second run";
      }
      override async exec() {
        await new Promise((r) => setTimeout(r, 30));
        if (failing) throw new Error("crash in Sibling");
      }
    }
    class Work extends Node<Shared> {
      override async exec(_: unknown, ctx: NodeContext) {
        if (ctx.params.i === 2) await new Promise((r) => setTimeout(r, failing ? 500 : 0));
        if (ctx.signal.aborted) throw ctx.signal.reason;
      }
      override post(shared: Shared) {
        shared.runs++;
      }
    }
    class Items extends BatchFlow<Shared> {
      override prep(shared: Shared) {
        shared.preps++;
        return [{ i: 1 }, { i: 2 }];
      }
    }
    const flow = () => new Flow(new Parallel([new Sibling(), new Items(new Work())]));
    const saver = new MemorySaver();
    await expect(flow().run({ preps: 0, runs: 0 }, { checkpoint: saver, runId: "par" })).rejects.toThrow("crash in Sibling");
    failing = false;
    const { shared } = await flow().resume("par", { checkpoint: saver });
    // Before: "sib" was counted as prep's, and set back to "first run" when the batch opened again.
    expect(shared).toEqual({ preps: 1, runs: 2, sib: "second run" });
  });

  it("a flow branch's prep writes, recorded by a sibling before the flow's first step, stay once", async () => {
    let failing = true;
    class Slow extends Node<Tally> {
      override async exec() {
        await new Promise((r) => setTimeout(r, 30));
        if (failing) throw new Error("crash in Slow");
      }
      override post(shared: Tally) {
        shared.runs++;
      }
    }
    class Quick extends Node<Tally> {
      override post(shared: Tally) {
        shared.log.push("Quick");
      }
    }
    // Quick's record (it finishes first) holds the flow's prep writes; the flow itself has recorded no step yet.
    const flow = () => new Flow(new Parallel([new Counted(new Slow(), { name: "Inner" }), new Quick()]));
    const saver = new MemorySaver();
    await expect(flow().run(fresh(), { checkpoint: saver, runId: "branch" })).rejects.toThrow("crash in Slow");
    failing = false;
    const { shared } = await flow().resume("branch", { checkpoint: saver });
    expect(shared).toEqual({ preps: 1, log: ["prep Inner", "Quick"], runs: 1 });
  });
});
