import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Task } from "@a2a-js/sdk";
import { ServerCallContext } from "@a2a-js/sdk/server";
import { Flow, Node } from "flowlet";
import { describe, expect, it } from "vitest";
import { MemoryTaskStore, serveA2A } from "../src/index.js";
import { asTask, connect, request } from "./a2a-helpers.js";

type Shared = { input: string; output?: string };
class Echo extends Node<Shared> {
  override post(shared: Shared) {
    shared.output = `echo: ${shared.input}`;
  }
}

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
function heapMB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** Heap growth from 2,000 to 10,000 tasks saved into `store`, each a copy of a real task with its own id. */
async function growth(store: MemoryTaskStore, template: Task): Promise<number> {
  const context = new ServerCallContext();
  const save = async (from: number, to: number) => {
    for (let n = from; n < to; n++) await store.save({ ...template, id: `task-${n}` }, context);
  };
  await save(0, 2_000);
  const at2k = heapMB();
  await save(2_000, 10_000);
  return heapMB() - at2k;
}

describe("the default task store over 10,000 tasks", () => {
  it("keeps at most maxTasks, and the heap stays flat from 2,000 to 10,000 tasks", async () => {
    // Real tasks, as the SDK stores them after a run over HTTP, are the template.
    const served = new MemoryTaskStore({ maxTasks: 500 });
    const server = await serveA2A(new Flow(new Echo()), { card: { name: "Echo", description: "e" }, taskStore: served });
    let template: Task | undefined;
    try {
      const client = await connect(server.url);
      for (let n = 0; n < 20; n++) {
        const sent = asTask(await client.sendMessage(request(`message ${n} ${"x".repeat(200)}`)));
        template = await served.load(sent.id, new ServerCallContext());
      }
    } finally {
      await server.close();
    }
    if (!template) throw new Error("no task was stored");

    const bounded = new MemoryTaskStore({ maxTasks: 500 });
    const boundedGrowth = await growth(bounded, template);
    expect(bounded.size).toBe(500);
    expect(boundedGrowth).toBeLessThan(3);

    // The same measurement catches an unbounded store: 8,000 more tasks hold megabytes.
    const unbounded = new MemoryTaskStore({ maxTasks: 1_000_000 });
    const unboundedGrowth = await growth(unbounded, template);
    expect(unbounded.size).toBe(10_000);
    expect(unboundedGrowth).toBeGreaterThan(4 * boundedGrowth + 5);
  }, 60_000);
});
