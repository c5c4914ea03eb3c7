import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type LLM, LLMError, LLMNetworkError, LLMTimeoutError, type ProviderName, createLLM } from "../src/index.js";
import { type FakeLLM, type FakeReply, startFakeLLM } from "../src/testing/index.js";

// Deterministic: a failure names its seed and case, and reruns the same replies.
const SEED = 19;
const CASES = 1_000;

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const providers: ProviderName[] = ["openai", "anthropic", "gemini"];

function validReply(provider: ProviderName, text: string): Record<string, unknown> {
  if (provider === "openai") {
    return {
      id: "x",
      object: "chat.completion",
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    };
  }
  if (provider === "anthropic")
    return {
      id: "x",
      type: "message",
      role: "assistant",
      model: "m",
      content: [{ type: "text", text }],
      stop_reason: "end_turn",
      usage: { input_tokens: 1, output_tokens: 1 },
    };
  return {
    candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason: "STOP" }],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1 },
    modelVersion: "m",
  };
}

function generator(seed: number) {
  const next = random(seed);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const nested = (n: number) => pick(["[", "{", '{"a":', "- ", "a: "]).repeat(n);
  const garbage = (n: number) => Array.from({ length: n }, () => String.fromCharCode(int(0xffff))).join("");
  // Thunks: only the value picked is built.
  const oddValue = (): unknown =>
    pick<() => unknown>([
      () => null,
      () => 0,
      () => -1,
      () => 3.5,
      () => true,
      () => "",
      () => "text",
      () => [],
      () => [1, "a", null],
      () => ({}),
      () => ({ text: 5 }),
      () => garbage(20),
      () => "x".repeat(100_000),
      () => nested(3_000),
    ])();
  const texts = () =>
    pick<() => string>([
      () => "```yaml\nname: a\nfiles: [1, 2]\n```",
      () => "```yaml\nname: [unclosed\n",
      () => '```json\n{"name": "a", "files": [1,',
      () => nested(int(20_000) + 1_000),
      () => `${nested(5_000)}${"]".repeat(5_000)}`,
      () => garbage(int(500)),
      () => "name: a\nfiles: [x]",
      () => "~~~\n".repeat(2_000),
      () => "```".repeat(3_000),
    ])();

  /** Replaces one field, at a random depth, with a value of the wrong type. */
  function mutate(value: unknown, depth: number): unknown {
    if (depth === 0 || value === null || typeof value !== "object") return oddValue();
    const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    if (keys.length === 0) return oddValue();
    const key = pick(keys);
    (copy as Record<string, unknown>)[key] = next() < 0.3 ? oddValue() : mutate((copy as Record<string, unknown>)[key], depth - 1);
    if (next() < 0.2) delete (copy as Record<string, unknown>)[pick(keys)];
    return copy;
  }

  function sse(provider: ProviderName): FakeReply {
    const valid = JSON.stringify(
      provider === "anthropic"
        ? { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "hi" } }
        : validReply(provider, "hi"),
    );
    const events = Array.from({ length: int(6) + 1 }, () =>
      pick([
        `data: ${valid}\n\n`,
        `data: ${JSON.stringify(mutate(JSON.parse(valid), 4))}\n\n`,
        `data: ${valid.slice(0, int(valid.length))}\n\n`,
        `data: ${garbage(40)}\n\n`,
        `event: ${garbage(5)}\ndata: [1,2]\n\n`,
        `data: ${JSON.stringify({ type: "content_block_start", index: int(5000) - 10, content_block: { type: "tool_use", name: oddValue(), input: oddValue() } })}\n\n`,
        `data: ${JSON.stringify({ choices: [{ delta: { tool_calls: [{ index: oddValue(), function: { name: "t", arguments: oddValue() } }] } }] })}\n\n`,
        "data: [DONE]\n\n",
        ": comment\n\n",
      ]),
    );
    return { stream: { raw: events } };
  }

  return function reply(provider: ProviderName, streamed: boolean): FakeReply {
    if (streamed && next() < 0.6) return sse(provider);
    const kind = int(7);
    if (kind === 0) return { body: garbage(int(2_000)) };
    if (kind === 1) {
      const whole = JSON.stringify(validReply(provider, texts()));
      return { body: whole.slice(0, int(whole.length)) };
    }
    if (kind === 2) return { body: JSON.stringify(mutate(validReply(provider, texts()), int(6) + 1)) };
    if (kind === 3 && provider === "openai") {
      const parts = Array.from({ length: int(5) }, () =>
        pick([{ type: "text", text: texts() }, { type: "image_url", image_url: { url: "x" } }, { text: 5 }, null, "raw", oddValue()]),
      );
      const body = validReply(provider, "");
      (body.choices as Array<{ message: Record<string, unknown> }>)[0]!.message.content = parts;
      return { body: JSON.stringify(body) };
    }
    if (kind === 4) return { body: `${nested(int(20_000) + 1_000)}${next() < 0.5 ? "]".repeat(1_000) : ""}` };
    if (kind === 5) return { body: JSON.stringify(validReply(provider, `${texts()}${"z".repeat(int(100_000))}`)) };
    return {
      body: pick([
        "null",
        "[]",
        '""',
        "0",
        "true",
        "{}",
        '{"error": null}',
        '{"choices": []}',
        '{"content": {}}',
        '{"candidates": [null]}',
      ]),
    };
  };
}

const Schema = z.object({ name: z.string(), files: z.array(z.number()) });

describe("fuzz: malformed HTTP-200 replies over real HTTP", () => {
  const fakes = new Map<ProviderName, FakeLLM>();
  const clients = new Map<ProviderName, LLM>();
  beforeAll(async () => {
    for (const provider of providers) {
      const fake = await startFakeLLM({ provider });
      fakes.set(provider, fake);
      clients.set(provider, createLLM({ ...fake.config, retry: { baseDelayMs: 1, maxDelayMs: 2 }, timeoutMs: 10_000 }));
    }
  });
  afterAll(async () => {
    await Promise.all([...fakes.values()].map((fake) => fake.close()));
  });

  it(`${CASES} replies end in the package's own errors, never a network error, and are not retried`, async () => {
    const reply = generator(SEED);
    const pickCall = random(SEED + 1);
    const strays: string[] = [];
    const outcomes = new Map<string, number>();
    let calls = 0;
    for (let index = 0; index < CASES; index += 10) {
      // Ten at a time: concurrency without swamping two CPUs.
      await Promise.all(
        Array.from({ length: 10 }, async (_, offset) => {
          const provider = providers[(index + offset) % 3] as ProviderName;
          const llm = clients.get(provider) as LLM;
          const fake = fakes.get(provider) as FakeLLM;
          const mode = Math.floor(pickCall() * 3);
          fake.enqueue(reply(provider, mode === 2));
          calls++;
          try {
            if (mode === 0) await llm.chat("q", { tools: [{ name: "t", parameters: { type: "object" } }] });
            else if (mode === 1) await llm.structured("q", Schema, { maxAttempts: 1 });
            else await llm.stream("q").result();
            outcomes.set("ok", (outcomes.get("ok") ?? 0) + 1);
          } catch (error) {
            const name = (error as Error)?.name ?? typeof error;
            outcomes.set(name, (outcomes.get(name) ?? 0) + 1);
            if (!(error instanceof LLMError) || error instanceof LLMNetworkError || error instanceof LLMTimeoutError) {
              strays.push(
                `case ${index + offset} (${provider}, mode ${mode}): ${name}: ${String((error as Error)?.message).slice(0, 200)}`,
              );
            }
          }
        }),
      );
    }
    if (process.env.FUZZ_REPORT) console.log(Object.fromEntries(outcomes));
    expect(strays).toEqual([]);
    const requests = [...fakes.values()].reduce((sum, fake) => sum + fake.requests.length, 0);
    expect(requests).toBe(calls); // one request per call: malformed replies are not retried
    expect(outcomes.get("LLMResponseError")).toBeGreaterThan(100);
    expect(outcomes.get("StructuredOutputError")).toBeGreaterThan(10);
  }, 60_000);
});
