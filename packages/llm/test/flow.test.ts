import { Flow, Node, type NodeContext, ParallelBatchNode } from "flowlet";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type LLM, UsageMeter, createLLM, createLimiter } from "../src/index.js";
import { type FakeLLM, startFakeLLM } from "../src/testing/index.js";

let fake: FakeLLM | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

type Shared = { topic: string; outline?: string[]; sections?: string[] };

class Outline extends Node<Shared, string, string[]> {
  constructor(private readonly llm: LLM) {
    super({ name: "Outline" });
  }
  override prep(shared: Shared) {
    return shared.topic;
  }
  override async exec(topic: string, ctx: NodeContext) {
    const { sections } = await this.llm.structured(`Outline a post about ${topic}.`, z.object({ sections: z.array(z.string()) }), {
      signal: ctx.signal,
    });
    return sections;
  }
  override post(shared: Shared, _topic: string, outline: string[]) {
    shared.outline = outline;
    return undefined;
  }
}

class Write extends ParallelBatchNode<Shared, string, string> {
  constructor(private readonly llm: LLM) {
    super({ name: "Write", concurrency: 50 });
  }
  override prep(shared: Shared) {
    return shared.outline ?? [];
  }
  override async exec(section: string, ctx: NodeContext) {
    return (await this.llm.chat(`Write the section "${section}".`, { signal: ctx.signal })).text;
  }
  override post(shared: Shared, _sections: string[], texts: string[]) {
    shared.sections = texts;
    return undefined;
  }
}

describe("inside a flow", () => {
  it("runs a whole pipeline against a rule-based fake, within a shared limiter, metering usage", async () => {
    fake = await startFakeLLM({ provider: "gemini" });
    let inFlight = 0;
    let peak = 0;
    fake.respond(async (request) => {
      if (request.lastUserText.startsWith("Outline")) {
        return `\`\`\`yaml\nsections:\n${Array.from({ length: 12 }, (_, i) => `  - Part ${i}`).join("\n")}\n\`\`\``;
      }
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      return { text: `Text of ${/"(.*)"/.exec(request.lastUserText)?.[1]}`, usage: { inputTokens: 5, outputTokens: 3 } };
    });
    const meter = new UsageMeter();
    const llm = createLLM({ ...fake.config, limiter: createLimiter({ concurrency: 4 }), onUsage: meter.record });
    const outline = new Outline(llm);
    outline.next(new Write(llm));
    const shared: Shared = { topic: "flows" };
    await new Flow(outline).run(shared);
    expect(shared.sections).toEqual(Array.from({ length: 12 }, (_, i) => `Text of Part ${i}`));
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThanOrEqual(2);
    expect(meter.total.calls).toBe(13);
    expect(meter.summary()).toMatch(/^LLM: 13 calls, /);
  });

  it("cancels in-flight LLM calls when the run is aborted through ctx.signal", async () => {
    fake = await startFakeLLM();
    fake.enqueue("```yaml\nsections: [a, b]\n```", { hang: true }, { hang: true });
    const llm = createLLM(fake.config);
    const outline = new Outline(llm);
    outline.next(new Write(llm));
    const controller = new AbortController();
    const run = new Flow(outline).run({ topic: "t" }, { signal: controller.signal });
    while (fake.requests.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error("user cancelled"));
    await expect(run).rejects.toThrow("user cancelled");
  });
});
