import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ContextLengthError, countTokens, createLLM, MODEL_LIMITS, type ProviderName } from "../src/index.js";
import { type FakeLLM, startFakeLLM } from "../src/testing/index.js";

let fake: FakeLLM | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const providers: ProviderName[] = ["openai", "anthropic", "gemini"];
const LONG = "The quick brown fox jumps over the lazy dog, again and again. ".repeat(200);
const RAW_LENGTH = { openai: "length", anthropic: "max_tokens", gemini: "MAX_TOKENS" } as const;
const RAW_STOP = { openai: "stop", anthropic: "end_turn", gemini: "STOP" } as const;
const RAW_TOOLS = { openai: "tool_calls", anthropic: "tool_use", gemini: "STOP" } as const;

describe.each(providers)("%s: finish reasons", (provider) => {
  it("a reply cut at the output cap ends mid-text with unified length, whole and streamed", async () => {
    fake = await startFakeLLM({ provider });
    fake.respond(() => LONG);
    const llm = createLLM(fake.config);
    const cut = await llm.chat("write", { maxOutputTokens: 50 });
    expect(cut.finishReason).toEqual({ unified: "length", raw: RAW_LENGTH[provider] });
    expect(cut.text.length).toBeLessThan(LONG.length);
    expect(LONG.startsWith(cut.text)).toBe(true);
    expect(cut.usage.outputTokens).toBe(50);

    const stream = llm.stream("write", { maxOutputTokens: 50 });
    let text = "";
    for await (const delta of stream) text += delta;
    const result = await stream.result();
    expect(result.finishReason).toEqual({ unified: "length", raw: RAW_LENGTH[provider] });
    expect(result.text).toBe(text);
    expect(text).toBe(cut.text);
  });

  it("a whole reply is stop, a tool call is tool-calls, a filtered one is content-filter", async () => {
    fake = await startFakeLLM({ provider });
    const filtered = { openai: "content_filter", anthropic: "refusal", gemini: "SAFETY" }[provider];
    fake.enqueue("short", { toolCalls: [{ name: "look", arguments: { q: "x" } }] }, { text: "no", finishReason: filtered });
    const llm = createLLM(fake.config);
    expect((await llm.chat("a")).finishReason).toEqual({ unified: "stop", raw: RAW_STOP[provider] });
    const tools = [{ name: "look", parameters: { type: "object", properties: { q: { type: "string" } } } }];
    const call = await llm.chat("b", { tools });
    expect(call.finishReason.unified).toBe(provider === "gemini" ? "stop" : "tool-calls");
    expect(call.finishReason.raw).toBe(RAW_TOOLS[provider]);
    expect((await llm.chat("c")).finishReason).toEqual({ unified: "content-filter", raw: filtered });
  });

  it("continue() joins a cut reply with its continuation", async () => {
    fake = await startFakeLLM({ provider });
    fake.enqueue({ text: "The first half of a sentence that", finishReason: RAW_LENGTH[provider] }, " ends here.");
    const llm = createLLM(fake.config);
    const cut = await llm.chat("write");
    const whole = await llm.continue("write", cut);
    expect(whole.text).toBe("The first half of a sentence that ends here.");
    expect(whole.finishReason.unified).toBe("stop");
    expect(whole.usage.outputTokens).toBeGreaterThan(cut.usage.outputTokens);
    expect(fake.requests).toHaveLength(2);
    const last = fake.requests[1]!;
    if (provider === "anthropic")
      expect(last.messages.at(-1)).toMatchObject({ role: "assistant", content: "The first half of a sentence that" });
    else expect(last.messages.at(-1)?.role).toBe("user");
  });

  it("tool calls come out of streams, and toolChoice is sent in the provider's form", async () => {
    fake = await startFakeLLM({ provider });
    fake.enqueue({ toolCalls: [{ name: "look", arguments: { q: "oslo", n: 2 } }] });
    const llm = createLLM(fake.config);
    const tools = [{ name: "look", schema: z.object({ q: z.string(), n: z.number() }) }];
    const stream = llm.stream("weather", { tools, toolChoice: { name: "look" } });
    const result = await stream.result();
    expect(result.toolCalls).toMatchObject([{ name: "look", arguments: { q: "oslo", n: 2 } }]);
    const body = fake.requests[0]!.body;
    const expected = {
      openai: { tool_choice: { type: "function", function: { name: "look" } } },
      anthropic: { tool_choice: { type: "tool", name: "look" } },
      gemini: { toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["look"] } } },
    }[provider];
    expect(body).toMatchObject(expected);
  });

  it("a prompt over the context window gets the provider's real 400, as a ContextLengthError", async () => {
    fake = await startFakeLLM({ provider, limits: { contextTokens: 2_000, maxOutputTokens: 500 } });
    fake.respond(() => "never");
    const llm = createLLM(fake.config);
    const error = await llm.chat(LONG).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextLengthError);
    expect(error).toMatchObject({ status: 400, attempts: 1 });
    expect((error as Error).message).toMatch(/maximum context length|prompt is too long|exceeds the maximum number of tokens/);
    expect(fake.requests).toHaveLength(1);
  });
});

describe("limits", () => {
  it("come from the table for known models, from config or the environment when given, else a small default", () => {
    const gpt = createLLM({ provider: "openai", model: "gpt-4o-2024-08-06", apiKey: "k" });
    expect(gpt.limits).toMatchObject({
      contextTokens: 128_000,
      maxOutputTokens: 16_384,
      defaultOutputTokens: 16_384,
      maxInputTokens: 111_616,
      source: "table",
    });
    expect(gpt.limitsFor("claude-sonnet-4-5-20250929")).toMatchObject(MODEL_LIMITS["claude-sonnet-4-5"]!);
    const local = createLLM({ provider: "openai", model: "llama3.2", baseURL: "http://localhost:11434/v1" });
    expect(local.limits).toMatchObject({ contextTokens: 8_192, maxOutputTokens: 4_096, source: "default" });
    const tuned = createLLM({ provider: "openai", model: "llama3.2", baseURL: "http://localhost:11434/v1", contextTokens: 32_768 });
    expect(tuned.limits).toMatchObject({ contextTokens: 32_768, maxOutputTokens: 4_096, source: "config" });
    const env = {
      FLOWLET_LLM_PROVIDER: "openai",
      FLOWLET_LLM_BASE_URL: "http://localhost:8080/v1",
      FLOWLET_LLM_MODEL: "qwen",
      FLOWLET_LLM_CONTEXT_TOKENS: "65536",
      FLOWLET_LLM_MAX_OUTPUT_TOKENS: "8192",
    };
    expect(createLLM({ env }).limits).toMatchObject({
      contextTokens: 65_536,
      maxOutputTokens: 8_192,
      defaultOutputTokens: 8_192,
      source: "env",
    });
    expect(() => createLLM({ env: { ...env, FLOWLET_LLM_CONTEXT_TOKENS: "lots" } })).toThrow(
      /FLOWLET_LLM_CONTEXT_TOKENS must be a whole number/,
    );
  });

  it("every request carries an output cap fitted to the model and what the prompt leaves", async () => {
    fake = await startFakeLLM({ provider: "anthropic", limits: { contextTokens: 20_000, maxOutputTokens: 8_000 } });
    fake.respond(() => "ok");
    const llm = createLLM(fake.config);
    await llm.chat("short");
    expect(fake.requests[0]!.body.max_tokens).toBe(8_000);
    const prompt = "word ".repeat(14_000);
    await llm.chat(prompt);
    const cap = fake.requests[1]!.body.max_tokens as number;
    expect(cap).toBeLessThan(8_000);
    expect(cap + countTokens(prompt, "gpt-4o")).toBeLessThanOrEqual(20_000);
    await llm.chat("short", { maxOutputTokens: 123 });
    expect(fake.requests[2]!.body.max_tokens).toBe(123);
  });

  it("structured() re-asks a cut reply with a larger cap instead of parsing it", async () => {
    fake = await startFakeLLM({ limits: { contextTokens: 100_000, maxOutputTokens: 4_000 } });
    const items = Array.from({ length: 60 }, (_, i) => `  - item number ${i} with a few words`).join("\n");
    fake.respond(() => `\`\`\`yaml\nitems:\n${items}\n\`\`\``);
    const llm = createLLM(fake.config);
    const result = await llm.structured("list", z.object({ items: z.array(z.string()) }), { maxOutputTokens: 200 });
    expect(result.items).toHaveLength(60);
    expect(fake.requests.map((request) => request.body.max_tokens)).toEqual([200, 400, 800]);
    // Each re-ask is the original question again, not a growing conversation.
    expect(fake.requests[2]!.messages).toHaveLength(1);
  });

  it("structured() asks for a shorter result when the cap cannot grow", async () => {
    fake = await startFakeLLM({ limits: { contextTokens: 100_000, maxOutputTokens: 300 } });
    fake.enqueue({ text: "```yaml\nitems:\n  - a\n  - b", finishReason: "length" }, "```yaml\nitems: [a]\n```");
    const llm = createLLM(fake.config);
    expect(await llm.structured("list", z.object({ items: z.array(z.string()) }))).toEqual({ items: ["a"] });
    expect(fake.requests[1]!.lastUserText).toMatch(/cut off at the output limit/);
  });
});
