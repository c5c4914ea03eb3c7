import { Flow, Node } from "flowlet";
import { afterEach, describe, expect, it } from "vitest";
import { type A2AServer, emitText, serveA2A } from "../src/index.js";
import { TaskState, artifactText, connect, request } from "./a2a-helpers.js";

type Shared = { input: string; output?: string };

/** Emits `input` deltas, yielding to the event loop between them as a model's stream does. */
class Tokens extends Node<Shared, number, string> {
  override prep(shared: Shared) {
    return Number(shared.input);
  }
  override async exec(count: number) {
    let text = "";
    for (let i = 0; i < count; i++) {
      const delta = `t${i} `;
      emitText(delta);
      text += delta;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return text;
  }
  override post(shared: Shared, _: number, text: string) {
    shared.output = text;
  }
}

const servers: A2AServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("streaming many text deltas", () => {
  // The target (bench/src/a2a-deltas.ts measures it): 4,000 deltas in under 1 s, GetTask under 100 ms
  // meanwhile. Timed tests only check generous margins: this one catches the quadratic cost coming back.
  it("4,000 deltas stream in batches, the text arrives whole, and GetTask is answered meanwhile", async () => {
    const server = await serveA2A(new Flow(new Tokens()), { card: { name: "Tokens", description: "Emits many deltas" } });
    servers.push(server);
    const client = await connect(server.url);
    const started = performance.now();
    let taskId = "";
    let updates = 0;
    let streamed = "";
    let done = false;
    const latencies: number[] = [];
    const poll = (async () => {
      while (!done) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (!taskId || done) continue;
        const asked = performance.now();
        await client.getTask({ tenant: "", id: taskId, historyLength: 0 });
        latencies.push(performance.now() - asked);
      }
    })();
    for await (const event of client.sendMessageStream(request("4000"))) {
      const payload = event.payload;
      if (payload?.$case === "task") taskId = payload.value.id;
      if (payload?.$case === "artifactUpdate" && !payload.value.lastChunk) {
        updates++;
        streamed += payload.value.artifact?.parts.map((p) => (p.content?.$case === "text" ? p.content.value : "")).join("") ?? "";
      }
    }
    const tookMs = performance.now() - started;
    done = true;
    await poll;

    const expected = Array.from({ length: 4000 }, (_, i) => `t${i} `).join("");
    expect(streamed).toBe(expected);
    const stored = await client.getTask({ tenant: "", id: taskId, historyLength: undefined });
    expect(stored.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(artifactText(stored)).toBe(expected);
    // Batched: far fewer updates than deltas (one per 50 ms interval, at most).
    expect(updates).toBeLessThan(Math.max(20, tookMs / 50 + 5));
    expect(updates).toBeGreaterThan(0);
    expect(tookMs).toBeLessThan(10_000); // unbatched, this took 35–97 s
    expect(latencies.length).toBeGreaterThan(0);
    expect(Math.max(...latencies)).toBeLessThan(2_000); // unbatched, the server stalled for up to 2.1 s
  }, 60_000);

  it("publishes at once when maxChars are pending, whatever the interval", async () => {
    const server = await serveA2A(new Flow(new Tokens()), {
      card: { name: "Tokens", description: "d" },
      deltas: { intervalMs: 60_000, maxChars: 50 },
    });
    servers.push(server);
    const client = await connect(server.url);
    const sizes: number[] = [];
    for await (const event of client.sendMessageStream(request("100"))) {
      const p = event.payload;
      if (p?.$case === "artifactUpdate" && !p.value.lastChunk) sizes.push(p.value.artifact?.parts[0]?.content?.value.length ?? 0);
    }
    // "t0 " … "t99 ": 390 characters, in pieces of 50 or a delta more (the first goes out alone).
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(390);
    expect(sizes.length).toBeGreaterThan(5);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(54);
  });

  it("refuses bad batching options before listening", async () => {
    await expect(serveA2A(new Flow(new Tokens()), { card: { name: "x", description: "y" }, deltas: { maxChars: 0 } })).rejects.toThrow(
      /deltas.maxChars/,
    );
  });
});
