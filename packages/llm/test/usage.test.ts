import { afterEach, describe, expect, it } from "vitest";
import { type UsageEvent, UsageMeter, createLLM } from "../src/index.js";
import { type FakeLLM, startFakeLLM } from "../src/testing/index.js";

const fakes: FakeLLM[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

describe("UsageMeter", () => {
  it("sums calls per model and in total, and prices them by model prefix", () => {
    const meter = new UsageMeter({ "gpt-4o-mini": { input: 0.15, output: 0.6 }, "gpt-4o": { input: 2.5, output: 10 } });
    meter.record({ provider: "openai", model: "gpt-4o-mini-2024-07-18", inputTokens: 1_000_000, outputTokens: 0, totalTokens: 1_000_000 });
    meter.record({ provider: "openai", model: "gpt-4o-mini-2024-07-18", inputTokens: 0, outputTokens: 500_000, totalTokens: 500_000 });
    meter.record({ provider: "openai", model: "gpt-4o", inputTokens: 1000, outputTokens: 1000, totalTokens: 2000 });
    const mini = meter.byModel()["gpt-4o-mini-2024-07-18"];
    expect(mini).toMatchObject({ inputTokens: 1_000_000, outputTokens: 500_000, totalTokens: 1_500_000, calls: 2 });
    expect(mini?.cost).toBeCloseTo(0.45, 10);
    expect(meter.total).toMatchObject({ calls: 3, inputTokens: 1_001_000, outputTokens: 501_000 });
    expect(meter.total.cost).toBeCloseTo(0.4625, 10);
    expect(meter.summary()).toBe("LLM: 3 calls, 1,001,000 input + 501,000 output tokens, $0.4625");
    meter.reset();
    expect(meter.total.calls).toBe(0);
  });

  it("leaves the cost out when a model has no price", () => {
    const meter = new UsageMeter({ "gpt-4o": { input: 1, output: 1 } });
    meter.record({ provider: "openai", model: "llama3.2", inputTokens: 10, outputTokens: 5, totalTokens: 15 });
    expect(meter.total.cost).toBeUndefined();
    expect(meter.summary()).toBe("LLM: 1 call, 10 input + 5 output tokens");
  });

  it("collects usage from every provider through onUsage, per client and per call", async () => {
    const meter = new UsageMeter();
    const perCall: UsageEvent[] = [];
    for (const provider of ["openai", "anthropic", "gemini"] as const) {
      const fake = await startFakeLLM({ provider, model: `${provider}-m` });
      fakes.push(fake);
      fake.enqueue({ text: "a", usage: { inputTokens: 10, outputTokens: 1 } }, { text: "b", usage: { inputTokens: 20, outputTokens: 2 } });
      const llm = createLLM({ ...fake.config, onUsage: meter.record });
      await llm.chat("x");
      for await (const _ of llm.stream("y", { onUsage: (event) => perCall.push(event) })) {
        // drain
      }
    }
    expect(meter.total).toMatchObject({ calls: 6, inputTokens: 90, outputTokens: 9, totalTokens: 99 });
    expect(Object.keys(meter.byModel()).sort()).toEqual(["anthropic-m", "gemini-m", "openai-m"]);
    expect(perCall.map((event) => [event.provider, event.inputTokens, event.outputTokens])).toEqual([
      ["openai", 20, 2],
      ["anthropic", 20, 2],
      ["gemini", 20, 2],
    ]);
  });
});
