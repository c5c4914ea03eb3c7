import {
  BatchNode,
  CheckpointCorruptError,
  Flow,
  MemorySaver,
  Node,
  type NodeContext,
  ParallelBatchNode,
  RunExistsError,
  RunLockedError,
  Store,
  StoreSchemaError,
  checksumOf,
  readCheckpoint,
} from "flowlet";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Count = { n: number; blob?: string };
class Inc extends Node<Count> {
  constructor(
    readonly until: number,
    readonly gate?: () => Promise<void>,
  ) {
    super({ name: "inc" });
  }
  override async exec() {
    await this.gate?.();
  }
  override post(shared: Count) {
    shared.n++;
    return shared.n < this.until ? "again" : "done";
  }
}
const counter = (until: number, gate?: () => Promise<void>) => {
  const inc = new Inc(until, gate);
  inc.on("again", inc);
  inc.on("done", new Node({ name: "end" }));
  return new Flow(inc, { name: "Counter" });
};

describe("leases: one owner per run", () => {
  it("a second resume of a running run fails at once with RunLockedError, or waits for it with lease.wait", async () => {
    const saver = new MemorySaver();
    let open!: () => void;
    let gate = new Promise<void>((r) => {
      open = r;
    });
    let calls = 0;
    const gated = async () => {
      calls++;
      if (calls === 2) throw new Error("crash");
      if (calls > 2) await gate;
    };
    await expect(counter(3, gated).run({ n: 0 }, { checkpoint: saver, runId: "r" })).rejects.toThrow("crash");
    const a = counter(3, gated).resume("r", { checkpoint: saver });
    await delay(10);
    const started = Date.now();
    await expect(counter(3).resume("r", { checkpoint: saver })).rejects.toBeInstanceOf(RunLockedError);
    expect(Date.now() - started).toBeLessThan(500);
    const waiting = counter(3).resume("r", { checkpoint: saver, lease: { wait: 5_000 } });
    open();
    gate = Promise.resolve();
    expect((await a).shared).toEqual({ n: 3 });
    // The waiter got the lease after the first owner finished: the run is complete, nothing runs twice.
    expect(await waiting).toMatchObject({ status: "completed", shared: { n: 3 } });
  });

  it("two runs with one runId: exactly one runs", async () => {
    const saver = new MemorySaver();
    const ran: number[] = [];
    const flows = [0, 1].map((i) =>
      counter(2, async () => {
        ran.push(i);
        await delay(5);
      }).run({ n: 0 }, { checkpoint: saver, runId: "same" }),
    );
    const outcomes = await Promise.allSettled(flows);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const lost = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason instanceof RunLockedError || lost.reason instanceof RunExistsError).toBe(true);
    expect(new Set(ran).size).toBe(1);
    await expect(counter(2).run({ n: 0 }, { checkpoint: saver, runId: "same" })).rejects.toBeInstanceOf(RunExistsError);
  });

  it("a run that ended before its first record starts over under its id; one with records, or a live owner, is refused", async () => {
    const saver = new MemorySaver();
    let failing = true;
    const flow = counter(2, async () => {
      if (failing) throw new Error("the first step failed");
    });
    await expect(flow.run({ n: 0 }, { checkpoint: saver, runId: "early" })).rejects.toThrow(/the first step failed/);
    expect(await saver.list("early")).toHaveLength(0);
    expect((await saver.run("early"))?.status).toBe("failed");
    failing = false;
    // Nothing to resume from, so running it again is the way on (before, it was RunExistsError here, and resume had nothing either).
    expect(await flow.run({ n: 0 }, { checkpoint: saver, runId: "early" })).toMatchObject({ status: "completed", shared: { n: 2 } });
    await expect(flow.run({ n: 0 }, { checkpoint: saver, runId: "early" })).rejects.toBeInstanceOf(RunExistsError);
    // While the first owner runs its first step (a registry row, no record yet), a second run is locked out.
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const first = counter(2, () => gate).run({ n: 0 }, { checkpoint: saver, runId: "busy" });
    await delay(20);
    await expect(counter(2).run({ n: 0 }, { checkpoint: saver, runId: "busy" })).rejects.toBeInstanceOf(RunLockedError);
    open();
    expect((await first).status).toBe("completed");
  });

  it("a double-clicked approve publishes once", async () => {
    const published: string[] = [];
    class Approve extends Node<{ draft: string }, string, boolean> {
      override prep(shared: { draft: string }) {
        return shared.draft;
      }
      override async exec(_draft: string, ctx: NodeContext) {
        const ok = ctx.interrupt<boolean>({ question: "Publish?" });
        await delay(20);
        return ok;
      }
      override post(_shared: { draft: string }, draft: string, ok: boolean) {
        if (ok) published.push(draft);
      }
    }
    const saver = new MemorySaver();
    expect((await new Flow(new Approve()).run({ draft: "post" }, { checkpoint: saver, runId: "p" })).status).toBe("interrupted");
    const clicks = await Promise.allSettled([1, 2].map(() => new Flow(new Approve()).resume("p", { checkpoint: saver, resumeWith: true })));
    expect(clicks.map((c) => c.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(published).toEqual(["post"]);
  });
});

describe("the registry and the event log", () => {
  it("records running, failed and canceled runs with their error, and node events", async () => {
    const saver = new MemorySaver();
    await counter(2).run({ n: 0 }, { checkpoint: saver, runId: "ok" });
    await expect(
      counter(3, async () => Promise.reject(new Error("boom"))).run({ n: 0 }, { checkpoint: saver, runId: "bad" }),
    ).rejects.toThrow("boom");
    const controller = new AbortController();
    const canceled = counter(5, async () => {
      await delay(5);
    }).run({ n: 0 }, { checkpoint: saver, runId: "stop", signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user stop")), 8);
    await expect(canceled).rejects.toThrow("user stop");
    expect(await saver.run("ok")).toMatchObject({ status: "completed", flow: "Counter", steps: 4, lastNode: "Counter" });
    expect(await saver.run("bad")).toMatchObject({
      status: "failed",
      error: { name: "NodeError", message: expect.stringMatching(/boom/) },
    });
    expect(await saver.run("stop")).toMatchObject({ status: "canceled", error: { message: "user stop" } });
    expect((await saver.runs({ status: ["failed", "canceled"] })).map((r) => r.runId).sort()).toEqual(["bad", "stop"]);
    const types = (await saver.events("ok")).map((e) => `${e.type} ${e.path ?? ""}`);
    expect(types).toContain("nodeStart Counter/inc");
    expect(types).toContain("nodeEnd Counter/end");
    expect(types.filter((t) => t.startsWith("checkpoint")).length).toBe(4);
    expect((await saver.events("bad")).map((e) => e.type)).toContain("error");
  });
});

describe("cost proportional to change", () => {
  it("records a 1 MB store once, then only the changed counter", async () => {
    const saver = new MemorySaver();
    await counter(30).run({ n: 0, blob: "x".repeat(1_000_000) }, { checkpoint: saver, runId: "big" });
    const rows = await saver.list("big");
    expect(rows[0]?.kind).toBe("full");
    const bodies = (await saver.load("big", { seq: rows.at(-1)?.seq })).map((r) => r.body.length);
    expect(bodies[0]).toBeGreaterThan(1_000_000);
    for (const size of bodies.slice(1)) expect(size).toBeLessThan(400);
    expect((await readCheckpoint(saver, "big"))?.shared).toEqual({ n: 30, blob: "x".repeat(1_000_000) });
  });

  it("a Store records the keys written, and the object keys read (they may change in place)", async () => {
    class Push extends Node<Store<{ list: number[]; big: string; n: number }>> {
      override post(shared: Store<{ list: number[]; big: string; n: number }>) {
        shared.get("list").push(shared.get("n"));
        shared.set("n", shared.get("n") + 1);
        return shared.get("n") < 5 ? "again" : "done";
      }
    }
    const push = new Push();
    push.on("again", push);
    push.on("done", new Node());
    const saver = new MemorySaver();
    await new Flow(push).run(new Store({ list: [] as number[], big: "y".repeat(100_000), n: 0 }), { checkpoint: saver, runId: "s" });
    expect((await readCheckpoint(saver, "s"))?.shared).toEqual({ list: [0, 1, 2, 3, 4], big: "y".repeat(100_000), n: 5 });
    const last = await saver.load("s");
    expect(last.slice(1).every((r) => r.body.length < 300)).toBe(true);
  });

  it("keeps disk bounded in a long loop: older records are pruned after each full one", async () => {
    const saver = new MemorySaver();
    await counter(400).run({ n: 0, blob: "z".repeat(2_000) }, { checkpoint: saver, runId: "long" });
    const rows = await saver.list("long");
    expect(rows.at(-1)?.seq).toBe(402);
    expect(rows.filter((r) => r.kind === "full").length).toBeLessThanOrEqual(5);
    expect(rows.length).toBeLessThan(200);
    const all = new MemorySaver();
    await counter(400).run({ n: 0, blob: "z".repeat(2_000) }, { checkpoint: all, runId: "long", retention: "all" });
    expect((await all.list("long")).length).toBe(402);
  });
});

describe("batches by identity", () => {
  it("a changed list reuses finished results where the items now stand, and never misattaches one", async () => {
    let list = ["a.ts", "b.ts", "c.ts", "d.ts"];
    let failOn: string | undefined = "c.ts";
    const ran: string[] = [];
    class Summarize extends BatchNode<{ out?: Record<string, string> }, string, string> {
      override prep() {
        return list;
      }
      override exec(file: string) {
        ran.push(file);
        if (file === failOn) throw new Error(`no ${file}`);
        return `summary of ${file}`;
      }
      override post(shared: { out?: Record<string, string> }, files: string[], results: string[]) {
        shared.out = Object.fromEntries(files.map((f, i) => [f, results[i] as string]));
      }
    }
    const saver = new MemorySaver();
    const flow = () => new Flow(new Summarize({ maxRetries: 1 }));
    await expect(flow().run({}, { checkpoint: saver, runId: "b" })).rejects.toThrow("no c.ts");
    expect(ran).toEqual(["a.ts", "b.ts", "c.ts"]);
    list = ["new.ts", "d.ts", "c.ts", "b.ts", "a.ts"];
    failOn = undefined;
    const result = await flow().resume("b", { checkpoint: saver });
    expect(ran.slice(3)).toEqual(["new.ts", "d.ts", "c.ts"]);
    expect(result.shared.out).toEqual(Object.fromEntries(list.map((f) => [f, `summary of ${f}`])));
  });

  it("equal items are told apart by their place among equals, and a key option names items", async () => {
    const seen: string[] = [];
    class Twice extends BatchNode<{ r?: string[] }, { id: number; v: string }, string> {
      override prep() {
        return [
          { id: 1, v: "same" },
          { id: 2, v: "same" },
        ];
      }
      override exec(item: { id: number; v: string }) {
        seen.push(item.v);
        return item.v;
      }
      override post(shared: { r?: string[] }, _p: unknown, r: string[]) {
        shared.r = r;
      }
    }
    const saver = new MemorySaver();
    const byId = await new Flow(new Twice({ key: (item) => String(item.id) })).run({}, { checkpoint: saver, runId: "k" });
    expect(byId.shared.r).toEqual(["same", "same"]);
  });

  it("a BatchNode's prep writes are not doubled by a resume mid-batch", async () => {
    let fail = true;
    class Prep extends BatchNode<{ log: string[] }, number, number> {
      override prep(shared: { log: string[] }) {
        shared.log.push("prep");
        return [1, 2, 3];
      }
      override exec(i: number) {
        if (i === 3 && fail) throw new Error("crash");
        return i;
      }
    }
    const saver = new MemorySaver();
    await expect(new Flow(new Prep()).run({ log: [] }, { checkpoint: saver, runId: "p" })).rejects.toThrow("crash");
    fail = false;
    const resumed = await new Flow(new Prep()).resume("p", { checkpoint: saver });
    expect(resumed.shared.log).toEqual(["prep"]);
  });

  it("a parallel interrupt is not buried by a sibling that ignores the signal", async () => {
    class Ask extends ParallelBatchNode<{ r?: unknown[] }, number, unknown> {
      override prep() {
        return [1, 2];
      }
      override async exec(i: number, ctx: NodeContext) {
        if (i === 1) return ctx.interrupt({ item: 1 });
        await delay(30); // ignores ctx.signal
        return i;
      }
      override post(shared: { r?: unknown[] }, _p: unknown, r: unknown[]) {
        shared.r = r;
      }
    }
    const saver = new MemorySaver();
    const first = await new Flow(new Ask()).run({}, { checkpoint: saver, runId: "i" });
    expect(first.status).toBe("interrupted");
    await delay(60);
    expect((await saver.list("i")).at(-1)?.status).toBe("interrupted");
    const done = await new Flow(new Ask()).resume("i", { checkpoint: saver, resumeWith: "yes" });
    expect(done.shared.r).toEqual(["yes", 2]);
  });
});

describe("forks, answers, integrity", () => {
  it("forks with an update, recording its parent", async () => {
    const saver = new MemorySaver();
    await counter(5).run({ n: 0 }, { checkpoint: saver, runId: "a" });
    const fork = await counter(5).resume("a", { checkpoint: saver, from: 2, forkAs: "b", update: { n: 3 } });
    expect(fork.shared).toEqual({ n: 5 });
    expect(await saver.run("b")).toMatchObject({ parentRunId: "a", parentSeq: 2, status: "completed" });
    expect((await saver.list("b"))[0]).toMatchObject({ seq: 1, kind: "full" });
    expect((await readCheckpoint(saver, "b", { seq: 1 }))?.shared).toEqual({ n: 3 });
  });

  it("an answer is saved before its node runs again: a crash then does not ask the human again", async () => {
    let crash = true;
    const asked: unknown[] = [];
    class Ask extends Node<{ a?: unknown }> {
      override exec(_p: unknown, ctx: NodeContext) {
        const answer = ctx.interrupt("question?");
        asked.push(answer);
        if (crash) {
          crash = false;
          throw new Error("crash after the answer");
        }
        return answer;
      }
      override post(shared: { a?: unknown }, _p: unknown, answer: unknown) {
        shared.a = answer;
      }
    }
    const saver = new MemorySaver();
    await new Flow(new Ask()).run({}, { checkpoint: saver, runId: "q" });
    await expect(new Flow(new Ask()).resume("q", { checkpoint: saver, resumeWith: 42 })).rejects.toThrow("crash after the answer");
    const done = await new Flow(new Ask()).resume("q", { checkpoint: saver });
    expect(done).toMatchObject({ status: "completed", shared: { a: 42 } });
    expect(asked).toEqual([42, 42]);
  });

  it("a resumed Store keeps its schemas through restore", async () => {
    const schema = { n: z.number().max(3) };
    const saver = new MemorySaver();
    let crash = true;
    const flow = () => {
      const inc = new (class extends Node<Store<{ n: number }>> {
        override post(s: Store<{ n: number }>) {
          s.set("n", s.get("n") + 1);
          if (s.get("n") === 2 && crash) {
            crash = false;
            throw new Error("crash");
          }
          return "again";
        }
      })();
      inc.on("again", inc);
      return new Flow(inc);
    };
    await expect(flow().run(new Store({ n: 0 }, { schema }), { checkpoint: saver, runId: "st" })).rejects.toThrow("crash");
    const resumed = flow().resume("st", { checkpoint: saver, restore: (data) => new Store(data as { n: number }, { schema }) });
    await expect(resumed).rejects.toMatchObject({ cause: expect.any(StoreSchemaError) });
  });

  it("a checkpoint that does not fit the graph is refused, even with a valid checksum", async () => {
    const saver = new MemorySaver();
    await expect(counter(3, async () => Promise.reject(new Error("x"))).run({ n: 0 }, { checkpoint: saver, runId: "v" })).rejects.toThrow();
    await counter(1).run({ n: 0 }, { checkpoint: saver, runId: "w" });
    const lease = await saver.acquire("v", { ttlMs: 1000 });
    const body = JSON.stringify({
      v: 2,
      full: {
        r: { shape: (await readCheckpoint(saver, "w"))?.shape, top: "Counter", sharedKind: "object", params: {} },
        m: { status: "running", node: "x" },
        "f/": { next: 7, steps: 1, action: "again" },
        "s/n": 1,
      },
    });
    const at = new Date().toISOString();
    await saver.append(
      lease,
      [{ runId: "v", seq: 1, at, status: "running", node: "x", kind: "full", checksum: await checksumOf(body), body }],
      {
        runId: "v",
        status: "running",
        flow: "Counter",
        shape: "",
        createdAt: at,
        updatedAt: at,
        steps: 1,
      },
    );
    await saver.release(lease);
    await expect(counter(3).resume("v", { checkpoint: saver })).rejects.toThrow(CheckpointCorruptError);
    await expect(counter(3).resume("v", { checkpoint: saver })).rejects.toThrow(/does not fit the flow: "" holds an impossible position/);
  });
});
