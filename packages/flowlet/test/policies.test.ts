/** Per-node timeouts, retryOn, in-process breakpoints, and parallel branches with a join. */
import { describe, expect, it } from "vitest";
import {
  BatchNode,
  ConfigError,
  Flow,
  Interrupt,
  MemorySaver,
  Node,
  type NodeContext,
  NodeError,
  NodeTimeoutError,
  Parallel,
  toMermaid,
} from "flowlet";
import { delay } from "./helpers.js";

describe("timeout", () => {
  it("fails a 1 s exec with a 50 ms timeout within 500 ms, with NodeTimeoutError, aborting ctx.signal", async () => {
    let reason: unknown;
    const slow = new (class Slow extends Node {
      override async exec(_: unknown, ctx: NodeContext) {
        ctx.signal.addEventListener("abort", () => {
          reason = ctx.signal.reason;
        });
        await delay(1000); // ignores the signal: the timeout must still end the attempt
      }
    })({ timeout: 50 });
    const started = performance.now();
    const error = await new Flow(slow, { name: "F" }).run({}).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(500);
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).cause).toBeInstanceOf(NodeTimeoutError);
    expect((error as NodeError).cause).toMatchObject({ path: "F/Slow", timeoutMs: 50, attempt: 0 });
    expect(reason).toBeInstanceOf(NodeTimeoutError);
  });

  it("retries a timed-out attempt like any failure", async () => {
    const attempts: number[] = [];
    const node = new (class Sometimes extends Node {
      override async exec(_: unknown, ctx: NodeContext) {
        attempts.push(ctx.attempt);
        await delay(ctx.attempt === 0 ? 1000 : 1, ctx.signal);
        return "done";
      }
      override post(_s: unknown, _p: unknown, result: unknown) {
        return String(result);
      }
    })({ timeout: 40, maxRetries: 3 });
    expect(await new Flow(node).run({})).toBe("done");
    expect(attempts).toEqual([0, 1]);
  });

  it("applies to each item of a batch node on its own", async () => {
    const node = new (class Items extends BatchNode<object, number, number> {
      override prep() {
        return [1, 200, 1];
      }
      override async exec(ms: number, ctx: NodeContext) {
        await delay(ms, ctx.signal);
        return ms;
      }
      override execFallback(_ms: number, error: unknown) {
        return error instanceof NodeTimeoutError ? -1 : -2;
      }
      override post(shared: { out?: number[] }, _: unknown, results: number[]) {
        shared.out = results;
      }
    })({ timeout: 30 });
    const shared: { out?: number[] } = {};
    await new Flow(node).run(shared);
    expect(shared.out).toEqual([1, -1, 1]);
  });

  it("rejects a timeout that is not a positive number", () => {
    expect(() => new Node({ timeout: 0 })).toThrow(ConfigError);
    expect(() => new Node({ timeout: Number.NaN })).toThrow(/timeout of node/);
  });
});

describe("retryOn", () => {
  class Transient extends Error {}
  it("retries only the errors it accepts, and goes to the fallback at once for the others", async () => {
    const seen: string[] = [];
    const make = (fail: () => Error) =>
      new (class Call extends Node {
        override exec(_: unknown, ctx: NodeContext) {
          seen.push(`attempt ${ctx.attempt}`);
          throw fail();
        }
        override execFallback(_: unknown, error: unknown) {
          seen.push(`fallback ${(error as Error).message}`);
        }
      })({ maxRetries: 3, retryOn: (error, attempt) => error instanceof Transient && attempt < 5 });
    await new Flow(make(() => new Transient("busy"))).run({});
    expect(seen).toEqual(["attempt 0", "attempt 1", "attempt 2", "fallback busy"]);
    seen.length = 0;
    await new Flow(make(() => new Error("bad request"))).run({});
    expect(seen).toEqual(["attempt 0", "fallback bad request"]);
  });

  it("never retries an Interrupt or a cancelled run, whatever it says", async () => {
    let attempts = 0;
    const ask = new (class Ask extends Node {
      override exec(_: unknown, ctx: NodeContext) {
        attempts++;
        return ctx.interrupt("?");
      }
    })({ maxRetries: 5, retryOn: () => true });
    await expect(new Flow(ask).run({})).rejects.toBeInstanceOf(Interrupt);
    expect(attempts).toBe(1);
  });
});

describe("breakpoints (in one process; across processes: breakpoints-restart.test.ts)", () => {
  const build = (ran: string[]) => {
    const step = (name: string) =>
      new (class extends Node {
        override exec() {
          ran.push(name);
        }
      })({ name });
    const draft = step("Draft");
    draft.next(step("Review")).next(step("Publish"));
    return new Flow(draft, { name: "Pipeline" });
  };

  it("interruptBefore pauses before the node, with a checkpoint, and resume runs it", async () => {
    const ran: string[] = [];
    const saver = new MemorySaver();
    const paused = await build(ran).run({}, { checkpoint: saver, runId: "b", interruptBefore: ["Publish"] });
    expect(paused).toMatchObject({ status: "interrupted", payload: { breakpoint: "before", node: "Pipeline/Publish" } });
    expect(ran).toEqual(["Draft", "Review"]);
    const done = await build(ran).resume("b", { checkpoint: saver, interruptBefore: ["Publish"] });
    expect(done.status).toBe("completed");
    expect(ran).toEqual(["Draft", "Review", "Publish"]);
    expect((await saver.list("b")).map((c) => c.status)).toEqual(["running", "running", "interrupted", "running", "completed"]);
  });

  it("interruptAfter pauses once the node is saved, by path too; resume goes on from the next node", async () => {
    const ran: string[] = [];
    const saver = new MemorySaver();
    const paused = await build(ran).run({}, { checkpoint: saver, runId: "a", interruptAfter: ["Pipeline/Draft"] });
    expect(paused).toMatchObject({ status: "interrupted", payload: { breakpoint: "after", node: "Pipeline/Draft" } });
    expect(ran).toEqual(["Draft"]);
    const done = await build(ran).resume("a", { checkpoint: saver });
    expect(done.status).toBe("completed");
    expect(ran).toEqual(["Draft", "Review", "Publish"]);
  });

  it("without a checkpoint saver, a breakpoint rejects the run with Interrupt, as ctx.interrupt does", async () => {
    const ran: string[] = [];
    await expect(build(ran).run({}, { interruptBefore: ["Review"] })).rejects.toBeInstanceOf(Interrupt);
    expect(ran).toEqual(["Draft"]);
  });
});

describe("Parallel", () => {
  type Research = { web?: string; docs?: string; expert?: string; summary?: string };
  const branch = (key: keyof Research, ms: number, ran: string[], failOnce?: Set<string>) =>
    new (class extends Node<Research> {
      override async exec(_: unknown, ctx: NodeContext) {
        ran.push(key);
        await delay(ms, ctx.signal);
        if (failOnce?.delete(key)) throw new Error(`${key} broke`);
        return `${key} result`;
      }
      override post(shared: Research, _p: unknown, result: unknown) {
        shared[key] = String(result);
      }
    })({ name: key });

  const build = (ran: string[], failOnce?: Set<string>, ms = { web: 60, docs: 60, expert: 60 }) => {
    const branches = [branch("web", ms.web, ran), branch("docs", ms.docs, ran, failOnce), branch("expert", ms.expert, ran)];
    const research = new Parallel<Research>(branches, { name: "Research" });
    research.next(
      new (class Summarize extends Node<Research> {
        override post(shared: Research) {
          shared.summary = [shared.web, shared.docs, shared.expert].join(" + ");
        }
      })(),
    );
    return new Flow(research, { name: "Flow" });
  };

  it("runs different branches at once, joins, then goes on to the next node", async () => {
    const ran: string[] = [];
    const starts: string[] = [];
    const shared: Research = {};
    const started = performance.now();
    await build(ran).run(shared, { hooks: { nodeStart: (e) => void starts.push(e.path) } });
    expect(performance.now() - started).toBeLessThan(170); // three 60 ms branches, at once
    expect(shared.summary).toBe("web result + docs result + expert result");
    expect(starts).toEqual(["Flow", "Flow/Research", "Flow/Research/web", "Flow/Research/docs", "Flow/Research/expert", "Flow/Summarize"]);
  });

  it("checkpoints each branch on its own: a resumed run runs only the branches that had not finished", async () => {
    const ran: string[] = [];
    const saver = new MemorySaver();
    // web finishes first; docs then fails, which aborts expert mid-way.
    const ms = { web: 5, docs: 60, expert: 2000 };
    await expect(build(ran, new Set(["docs"]), ms).run({}, { checkpoint: saver, runId: "p" })).rejects.toThrow(/docs broke/);
    expect(ran.sort()).toEqual(["docs", "expert", "web"]);
    ran.length = 0;
    const result = await build(ran, undefined, { ...ms, expert: 5 }).resume("p", { checkpoint: saver });
    expect(result.shared.summary).toBe("web result + docs result + expert result");
    expect(ran.sort()).toEqual(["docs", "expert"]);
  });

  it("is drawn as a subgraph of its branches, and takes only nodes", () => {
    const chart = toMermaid(build([]));
    expect(chart).toContain('subgraph N0["Research"]');
    expect(chart).toContain('["web"]');
    expect(() => new Parallel([])).toThrow(ConfigError);
  });
});
