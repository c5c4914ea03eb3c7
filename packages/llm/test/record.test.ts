/** `record: ctx`: every request of an LLM call lands in a checkpointed run's event log, without the key. */
import { Flow, MemorySaver, Node, type NodeContext } from "flowlet";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type LLM, type LLMCallRecord, createLLM } from "../src/index.js";
import { type FakeLLM, startFakeLLM } from "../src/testing/index.js";

let fake: FakeLLM | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

type Shared = { answer?: string; facts?: string[]; streamed?: string };

class Ask extends Node<Shared> {
  constructor(private readonly llm: LLM) {
    super({ name: "Ask" });
  }
  override async exec(_: unknown, ctx: NodeContext) {
    const reply = await this.llm.chat(`My key is ${fake?.config.apiKey}. Say hi.`, { signal: ctx.signal, record: ctx });
    const { facts } = await this.llm.structured("List facts.", z.object({ facts: z.array(z.string()) }), { record: ctx });
    let streamed = "";
    for await (const part of this.llm.stream("Stream it.", { record: ctx })) streamed += part;
    await this.llm.embed(["a", "b"], { record: ctx });
    await this.llm.chat("Not recorded.");
    return { answer: reply.text, facts, streamed };
  }
  override post(shared: Shared, _: unknown, out: Required<Shared>) {
    Object.assign(shared, out);
  }
}

describe("recording calls to the run's event log", () => {
  it("records chat, structured (each re-ask), stream and embed requests as llm events of the node", async () => {
    fake = await startFakeLLM({ provider: "openai", model: "m-1" });
    // In order: the chat, a bad structured reply and its re-ask, the stream.
    const replies = ["hi", "no facts here", "```yaml\nfacts:\n  - one\n```", "streamed reply"];
    fake.respond(() => replies.shift() ?? "?");
    const saver = new MemorySaver();
    const llm = createLLM({ ...fake.config, prices: { "m-": { input: 1, output: 2 } } });
    const result = await new Flow<Shared>(new Ask(llm), { name: "Chat" }).run({}, { checkpoint: saver, runId: "r" });
    expect(result.status).toBe("completed");
    const calls = (await saver.events("r")).filter((e) => e.type === "llm");
    expect(calls.map((e) => [(e.data as LLMCallRecord).call, e.path])).toEqual([
      ["chat", "Chat/Ask"],
      ["chat", "Chat/Ask"],
      ["chat", "Chat/Ask"],
      ["stream", "Chat/Ask"],
      ["embed", "Chat/Ask"],
    ]);
    const first = calls[0]?.data as LLMCallRecord;
    expect(first).toMatchObject({ provider: "openai", model: "m-1", finishReason: "stop", reply: "hi" });
    expect(first.inputTokens).toBeGreaterThan(0);
    expect(first.cost).toBeCloseTo((first.inputTokens * 1 + first.outputTokens * 2) / 1e6, 12);
    expect(first.durationMs).toBeGreaterThanOrEqual(0);
    expect(first.prompt?.[0]?.content).toBe("My key is [redacted]. Say hi.");
    expect(calls[3]?.data).toMatchObject({ reply: "streamed reply" });
    expect(calls[4]?.data).toMatchObject({ texts: 2, outputTokens: 0 });
    expect(calls[4]?.data).not.toHaveProperty("prompt");
    expect(JSON.stringify(await saver.events("r"))).not.toContain(fake.config.apiKey);
  });

  it("works the same in a run without checkpoints, where nothing is logged", async () => {
    fake = await startFakeLLM();
    fake.respond(() => "```yaml\nfacts: [x]\n```");
    const llm = createLLM(fake.config);
    const shared: Shared = {};
    await new Flow<Shared>(new Ask(llm), { name: "Chat" }).run(shared);
    expect(shared.facts).toEqual(["x"]);
  });
});
