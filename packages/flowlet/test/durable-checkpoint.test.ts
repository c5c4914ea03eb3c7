import {
  BatchFlow,
  CheckpointMismatchError,
  CheckpointNotFoundError,
  ConfigError,
  Flow,
  Interrupt,
  MemorySaver,
  Node,
  type NodeContext,
  ParallelBatchNode,
  RunExistsError,
  SnapshotError,
} from "flowlet";
import { describe, expect, it } from "vitest";

type Shared = { log: string[]; out?: unknown };

/** Records each exec in `ran` (outside the shared store, as a side effect would be), and can fail once. */
class Step extends Node<Shared> {
  constructor(
    name: string,
    readonly ran: string[],
    readonly failOnce = new Set<string>(),
  ) {
    super({ name });
  }
  override exec() {
    this.ran.push(this.name);
    if (this.failOnce.delete(this.name)) throw new Error(`${this.name} broke`);
  }
  override post(shared: Shared) {
    shared.log.push(this.name);
  }
}

function line(names: string[], ran: string[], failOnce: Set<string>): Flow<Shared> {
  const nodes = names.map((n) => new Step(n, ran, failOnce));
  nodes.reduce((a, b) => a.next(b));
  return new Flow(nodes[0], { name: "Line" });
}

describe("checkpoints and resume", () => {
  it("resumes after a failure without re-running completed nodes, in a newly built flow", async () => {
    const ran: string[] = [];
    const saver = new MemorySaver();
    const failOnce = new Set(["c"]);
    await expect(line(["a", "b", "c", "d"], ran, failOnce).run({ log: [] }, { checkpoint: saver, runId: "r" })).rejects.toThrow(/c broke/);
    expect(ran).toEqual(["a", "b", "c"]);

    // A fresh build of the same graph, as another process would make.
    const result = await line(["a", "b", "c", "d"], ran, failOnce).resume("r", { checkpoint: saver });
    expect(result).toMatchObject({ status: "completed", action: "default", shared: { log: ["a", "b", "c", "d"] } });
    expect(ran).toEqual(["a", "b", "c", "c", "d"]);
  });

  it("restores into the object given, replacing what was there", async () => {
    const saver = new MemorySaver();
    const failOnce = new Set(["b"]);
    await expect(line(["a", "b"], [], failOnce).run({ log: [] }, { checkpoint: saver, runId: "r" })).rejects.toThrow();
    const target: Shared & { stale?: boolean } = { log: ["junk"], stale: true };
    const result = await line(["a", "b"], [], failOnce).resume("r", { checkpoint: saver, shared: target });
    expect(result.shared).toBe(target);
    expect(target).toEqual({ log: ["a", "b"] });
  });

  it("resumes inside a nested flow", async () => {
    const ran: string[] = [];
    const failOnce = new Set(["i2"]);
    const build = () => {
      const inner = line(["i1", "i2", "i3"], ran, failOnce);
      const first = new Step("o1", ran);
      first.next(inner).next(new Step("o2", ran));
      return new Flow(first, { name: "Outer" });
    };
    const saver = new MemorySaver();
    await expect(build().run({ log: [] }, { checkpoint: saver, runId: "n" })).rejects.toThrow(/i2 broke/);
    const result = await build().resume("n", { checkpoint: saver });
    expect(result.shared.log).toEqual(["o1", "i1", "i2", "i3", "o2"]);
    expect(ran).toEqual(["o1", "i1", "i2", "i2", "i3", "o2"]);
  });

  it("does not redo finished items of a parallel batch", async () => {
    const runs = new Map<number, number>();
    let failing = true;
    class Square extends ParallelBatchNode<Shared, number, number> {
      override prep() {
        return [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
      }
      override async exec(i: number) {
        runs.set(i, (runs.get(i) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, i === 7 ? 30 : 2));
        if (i === 7 && failing) throw new Error("item 7 broke");
        return i * i;
      }
      override post(shared: Shared, _items: unknown, squares: number[]) {
        shared.out = squares;
      }
    }
    const saver = new MemorySaver();
    await expect(new Flow(new Square({ concurrency: 3 })).run({ log: [] }, { checkpoint: saver, runId: "b" })).rejects.toThrow(
      /item 7 broke/,
    );
    const doneBefore = [...runs.keys()].filter((i) => i !== 7);
    failing = false;
    const result = await new Flow(new Square({ concurrency: 3 })).resume("b", { checkpoint: saver });
    expect(result.shared.out).toEqual([0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
    for (const i of doneBefore) expect(runs.get(i), `item ${i}`).toBe(1);
    expect(runs.get(7)).toBe(2);
  });

  it("does not redo finished runs of a batch flow, nor finished nodes inside the one that failed", async () => {
    const ran: string[] = [];
    const failOnce = new Set(["2:second"]);
    class Item extends Node<Shared> {
      override exec(_: unknown, ctx: NodeContext) {
        const label = `${ctx.params.i}:${this.name}`;
        ran.push(label);
        if (failOnce.delete(label)) throw new Error(`${label} broke`);
      }
      override post(shared: Shared, _p: unknown, _e: unknown, ctx: NodeContext) {
        shared.log.push(`${ctx.params.i}:${this.name}`);
      }
    }
    class Each extends BatchFlow<Shared> {
      override prep() {
        return [0, 1, 2, 3].map((i) => ({ i }));
      }
    }
    const build = () => {
      const first = new Item({ name: "first" });
      first.next(new Item({ name: "second" }));
      return new Flow(new Each(first));
    };
    const saver = new MemorySaver();
    await expect(build().run({ log: [] }, { checkpoint: saver, runId: "bf" })).rejects.toThrow(/2:second broke/);
    const result = await build().resume("bf", { checkpoint: saver });
    expect(result.shared.log).toEqual(["0:first", "0:second", "1:first", "1:second", "2:first", "2:second", "3:first", "3:second"]);
    expect(ran.filter((l) => l === "2:first")).toHaveLength(1);
    expect(ran.filter((l) => l === "2:second")).toHaveLength(2);
  });

  it("refuses to resume with a flow of another shape", async () => {
    const saver = new MemorySaver();
    await expect(line(["a", "b"], [], new Set(["b"])).run({ log: [] }, { checkpoint: saver, runId: "s" })).rejects.toThrow();
    await expect(line(["a", "x"], [], new Set()).resume("s", { checkpoint: saver })).rejects.toThrow(CheckpointMismatchError);
    await expect(line(["a", "b", "c"], [], new Set()).resume("s", { checkpoint: saver })).rejects.toThrow(/another shape/);
  });

  it("says clearly when there is nothing to resume, or the run id is taken", async () => {
    const saver = new MemorySaver();
    await expect(line(["a"], [], new Set()).resume("nope", { checkpoint: saver })).rejects.toThrow(CheckpointNotFoundError);
    await line(["a"], [], new Set()).run({ log: [] }, { checkpoint: saver, runId: "taken" });
    await expect(line(["a"], [], new Set()).run({ log: [] }, { checkpoint: saver, runId: "taken" })).rejects.toThrow(RunExistsError);
  });

  it("resuming a completed run returns its result without running anything", async () => {
    const ran: string[] = [];
    const saver = new MemorySaver();
    await line(["a", "b"], ran, new Set()).run({ log: [] }, { checkpoint: saver, runId: "done" });
    const again = await line(["a", "b"], ran, new Set()).resume("done", { checkpoint: saver });
    expect(again).toMatchObject({ status: "completed", action: "default", shared: { log: ["a", "b"] } });
    expect(ran).toEqual(["a", "b"]);
  });

  it("fails loudly, naming the key, when the shared store holds what JSON would lose", async () => {
    const saver = new MemorySaver();
    const shared = { log: [] as string[], client: { send: () => {} } };
    await expect(new Flow(new Step("a", [])).run(shared, { checkpoint: saver, runId: "u" })).rejects.toThrow(SnapshotError);
    await expect(new Flow(new Step("a", [])).run(shared, { checkpoint: saver, runId: "u2" })).rejects.toThrow(/shared\.client\.send/);
  });

  it("time travel: lists the steps, and forks a run from an earlier one", async () => {
    const ran: string[] = [];
    const saver = new MemorySaver();
    await line(["a", "b", "c"], ran, new Set()).run({ log: [] }, { checkpoint: saver, runId: "t" });
    const history = await saver.list("t");
    expect(history.map((h) => [h.seq, h.status, h.node])).toEqual([
      [1, "running", "Line/a"],
      [2, "running", "Line/b"],
      [3, "running", "Line/c"],
      [4, "completed", "Line"],
    ]);
    const fork = await line(["a", "b", "c"], ran, new Set()).resume("t", { checkpoint: saver, from: 1, forkAs: "t2" });
    expect(fork.shared.log).toEqual(["a", "b", "c"]);
    expect(ran).toEqual(["a", "b", "c", "b", "c"]);
    expect((await saver.list("t")).length).toBe(4);
    expect((await saver.list("t2")).length).toBe(3);
    expect((await saver.run("t2"))?.parentSeq).toBe(1);
    // Without forkAs, the run continues under its own id, after its latest step.
    await line(["a", "b", "c"], ran, new Set()).resume("t", { checkpoint: saver, from: 2 });
    expect((await saver.list("t")).map((h) => h.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("human in the loop", () => {
  type Review = { draft: string; verdicts: string[]; published?: boolean };
  const visits: string[] = [];
  class Approve extends Node<Review, string, string[]> {
    override prep(shared: Review) {
      return shared.draft;
    }
    override exec(draft: string, ctx: NodeContext) {
      visits.push(draft);
      const first = ctx.interrupt<string>({ question: "Publish?", draft });
      const second = ctx.interrupt<string>({ question: "Really?" });
      return [first, second];
    }
    override post(shared: Review, _d: string, verdicts: string[]) {
      shared.verdicts = verdicts;
      shared.published = verdicts.every((v) => v === "yes");
    }
  }
  const build = () => {
    const write = new (class Write extends Node<Review> {
      override post(shared: Review) {
        shared.draft = "Hello, world";
      }
    })();
    write.next(new Approve());
    return new Flow(write);
  };

  it("pauses at each interrupt with its payload, and feeds the answers back in order", async () => {
    const saver = new MemorySaver();
    const first = await build().run({ draft: "", verdicts: [] }, { checkpoint: saver, runId: "h" });
    expect(first).toMatchObject({ status: "interrupted", payload: { question: "Publish?", draft: "Hello, world" } });
    const second = await build().resume("h", { checkpoint: saver, resumeWith: "yes" });
    expect(second).toMatchObject({ status: "interrupted", payload: { question: "Really?" } });
    const done = await build().resume("h", { checkpoint: saver, resumeWith: "yes" });
    expect(done).toMatchObject({ status: "completed", shared: { verdicts: ["yes", "yes"], published: true } });
    // Each answer is saved (a "running" record) before the node that asked runs again.
    expect((await saver.list("h")).map((h) => h.status)).toEqual([
      "running",
      "interrupted",
      "running",
      "interrupted",
      "running",
      "running",
      "completed",
    ]);
  });

  it("a node visited again in a loop asks again, rather than reusing its earlier answer", async () => {
    type Loop = { drafts: number; approved?: boolean };
    class Work extends Node<Loop> {
      override post(shared: Loop) {
        shared.drafts++;
      }
    }
    class Ask extends Node<Loop, unknown, boolean> {
      override exec(_: unknown, ctx: NodeContext) {
        return ctx.interrupt<boolean>({ q: "ok?" });
      }
      override post(shared: Loop, _p: unknown, ok: boolean) {
        shared.approved = ok;
        return ok ? "yes" : "no";
      }
    }
    const build = () => {
      const work = new Work();
      const ask = work.next(new Ask());
      ask.on("no", work);
      return new Flow(work, { maxSteps: 20 });
    };
    const saver = new MemorySaver();
    expect((await build().run({ drafts: 0 }, { checkpoint: saver, runId: "loop" })).status).toBe("interrupted");
    const second = await build().resume("loop", { checkpoint: saver, resumeWith: false });
    expect(second).toMatchObject({ status: "interrupted", shared: { drafts: 2, approved: false } });
    const warnings: string[] = [];
    const third = await build().resume("loop", { checkpoint: saver, resumeWith: true, onWarning: (w) => void warnings.push(w.message) });
    expect(third).toMatchObject({ status: "completed", shared: { drafts: 2, approved: true } });
    expect(warnings).toEqual(["Flow ends: 'yes' not found in ['no']"]);
  });

  it("refuses resumeWith for a run that is not waiting for input", async () => {
    const saver = new MemorySaver();
    await line(["a"], [], new Set()).run({ log: [] }, { checkpoint: saver, runId: "x" });
    await expect(line(["a"], [], new Set()).resume("x", { checkpoint: saver, resumeWith: 1 })).rejects.toThrow(ConfigError);
  });

  it("without a checkpoint saver, an interrupt rejects the run with Interrupt, saying what to do", async () => {
    const run = build().run({ draft: "", verdicts: [] });
    await expect(run).rejects.toBeInstanceOf(Interrupt);
    await expect(build().run({ draft: "", verdicts: [] })).rejects.toThrow(/^A node interrupted the run.*checkpoint, runId/);
  });

  it("an item of a parallel batch asks for itself, and the finished items are not redone", async () => {
    const runs: number[] = [];
    class Label extends ParallelBatchNode<Shared, number, string> {
      override prep() {
        return [0, 1, 2];
      }
      override async exec(i: number, ctx: NodeContext) {
        runs.push(i);
        return i === 1 ? ctx.interrupt<string>({ item: i }) : `auto-${i}`;
      }
      override post(shared: Shared, _i: unknown, labels: string[]) {
        shared.out = labels;
      }
    }
    const saver = new MemorySaver();
    const paused = await new Flow(new Label()).run({ log: [] }, { checkpoint: saver, runId: "pb" });
    expect(paused).toMatchObject({ status: "interrupted", payload: { item: 1 } });
    const done = await new Flow(new Label()).resume("pb", { checkpoint: saver, resumeWith: "by hand" });
    expect(done.shared.out).toEqual(["auto-0", "by hand", "auto-2"]);
    expect(runs.filter((i) => i === 1)).toHaveLength(2);
    expect(runs.filter((i) => i === 0)).toHaveLength(1);
  });

  it("is not retried as a failure", async () => {
    let attempts = 0;
    class Ask extends Node<Shared> {
      override exec(_: unknown, ctx: NodeContext) {
        attempts++;
        return ctx.interrupt("?");
      }
    }
    const r = await new Flow(new Ask({ maxRetries: 5 })).run({ log: [] }, { checkpoint: new MemorySaver(), runId: "i" });
    expect(r.status).toBe("interrupted");
    expect(attempts).toBe(1);
  });
});
