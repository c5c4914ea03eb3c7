import { afterEach, describe, expect, it } from "vitest";
import { LLMResponseError, LLMTimeoutError, TruncatedStreamError, type UsageEvent, createLLM } from "../src/index.js";
import { type FakeLLM, startFakeLLM } from "../src/testing/index.js";

const providers = ["openai", "anthropic", "gemini"] as const;
let fake: FakeLLM | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const deltas: string[] = [];
  for await (const delta of iterable) deltas.push(delta);
  return deltas;
}

const TEXT = "Grüße, 世界! Streams split anywhere: 🎉 done.";

describe.each(providers)("%s streaming", (provider) => {
  it("yields deltas in order, asks for a stream the documented way, and reports usage", async () => {
    fake = await startFakeLLM({ provider, model: "m-s" });
    fake.enqueue({ text: TEXT, usage: { inputTokens: 7, outputTokens: 12 } });
    const usage: UsageEvent[] = [];
    const llm = createLLM({ ...fake.config, onUsage: (event) => usage.push(event) });
    const deltas = await collect(llm.stream("Say it"));
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join("")).toBe(TEXT);
    expect(usage).toEqual([{ provider, model: "m-s", inputTokens: 7, outputTokens: 12, totalTokens: 19 }]);
    const request = fake.requests[0]!;
    expect(request.stream).toBe(true);
    if (provider === "openai") expect(request.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    if (provider === "anthropic") expect(request.body).toMatchObject({ stream: true });
    if (provider === "gemini") expect(request.path).toBe("/v1beta/models/m-s:streamGenerateContent?alt=sse");
  });

  it("survives a body split into 1-byte writes, through UTF-8 characters and line ends", async () => {
    fake = await startFakeLLM({ provider });
    fake.enqueue({ text: TEXT, stream: { splitBytes: 1, deltaSize: 9 } });
    const llm = createLLM(fake.config);
    const deltas = await collect(llm.stream("x"));
    expect(deltas.join("")).toBe(TEXT);
    expect(deltas.every((delta) => !delta.includes("\uFFFD"))).toBe(true);
  });

  it("throws TruncatedStreamError when the connection drops before the end marker", async () => {
    fake = await startFakeLLM({ provider });
    const full = "one two three four five six seven eight";
    // Long enough to include some deltas, far short of the end marker.
    fake.enqueue({ text: full, stream: { truncateAfterBytes: provider === "anthropic" ? 900 : 500 } });
    const llm = createLLM(fake.config);
    const deltas: string[] = [];
    const error = await (async () => {
      for await (const delta of llm.stream("x")) deltas.push(delta);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TruncatedStreamError);
    expect((error as TruncatedStreamError).partialText).toBe(deltas.join(""));
    expect(deltas.join("").length).toBeGreaterThan(0);
    expect(full.startsWith(deltas.join(""))).toBe(true);
    expect(deltas.join("")).not.toBe(full);
  });
});

describe("SSE parsing", () => {
  it("handles CRLF, multi-line data, keep-alive comments and [DONE] (OpenAI)", async () => {
    fake = await startFakeLLM();
    const chunk = (content: string) => JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] });
    const multiLine = `{"choices":[{"index":0,\r\ndata: "delta":{"content":" multi"},"finish_reason":null}]}`;
    fake.enqueue({
      stream: {
        raw: [
          ": keep-alive\r\n\r\n",
          `data: ${chunk("Hello")}\r\n\r\n`,
          ":ping\n\n",
          `data: ${multiLine}\r\n\r\n`,
          `data: ${chunk(" line")}\n\n`,
          "data: [DONE]\n\n",
        ],
        splitBytes: 5,
      },
    });
    const llm = createLLM(fake.config);
    expect((await collect(llm.stream("x"))).join("")).toBe("Hello multi line");
  });

  it("accepts a whole JSON reply from a server that ignores stream: true", async () => {
    fake = await startFakeLLM();
    const whole = {
      choices: [{ index: 0, message: { role: "assistant", content: "All at once." }, finish_reason: "stop" }],
      usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
    };
    fake.enqueue({ body: JSON.stringify(whole) });
    const usage: UsageEvent[] = [];
    const deltas = await collect(createLLM({ ...fake.config, onUsage: (event) => usage.push(event) }).stream("x"));
    expect(deltas).toEqual(["All at once."]);
    expect(usage[0]).toMatchObject({ inputTokens: 2, outputTokens: 3 });
  });

  it("treats a stream that ends cleanly without its end marker as truncated", async () => {
    fake = await startFakeLLM({ provider: "anthropic" });
    fake.enqueue({
      stream: {
        raw: [
          `event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: { usage: { input_tokens: 3, output_tokens: 1 } } })}\n\n`,
          `event: content_block_delta\ndata: ${JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Partial" } })}\n\n`,
        ],
      },
    });
    const error = await collect(createLLM(fake.config).stream("x")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TruncatedStreamError);
    expect((error as TruncatedStreamError).partialText).toBe("Partial");
  });

  it("surfaces a provider's mid-stream error event", async () => {
    fake = await startFakeLLM({ provider: "anthropic" });
    fake.enqueue({
      stream: {
        raw: [`event: error\ndata: ${JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } })}\n\n`],
      },
    });
    const error = await collect(createLLM(fake.config).stream("x")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LLMResponseError);
    expect((error as Error).message).toMatch(/overloaded_error.*Overloaded/);
  });

  it("is cancelled by an AbortSignal mid-stream", async () => {
    fake = await startFakeLLM({ provider: "gemini" });
    fake.enqueue({ text: "a b c d e f g h i j k l m n o p", stream: { pauseMs: 50 } });
    const controller = new AbortController();
    const llm = createLLM(fake.config);
    const deltas: string[] = [];
    const error = await (async () => {
      for await (const delta of llm.stream("x", { signal: controller.signal })) {
        deltas.push(delta);
        if (deltas.length === 2) controller.abort(new Error("user stopped"));
      }
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe("user stopped");
    expect(deltas).toEqual(["a ", "b "]);
  });

  it("times out a stream that goes silent", async () => {
    fake = await startFakeLLM();
    fake.enqueue({
      stream: {
        raw: [`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] })}\n\n`],
        pauseMs: 5_000,
      },
    });
    const llm = createLLM({ ...fake.config, timeoutMs: 200 });
    const deltas: string[] = [];
    const error = await (async () => {
      for await (const delta of llm.stream("x")) deltas.push(delta);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LLMTimeoutError);
    expect(deltas).toEqual(["Hi"]);
  });

  it("does not count a slow consumer's time as server silence", async () => {
    fake = await startFakeLLM({ provider: "anthropic" });
    fake.enqueue({ text: "one two three" });
    const llm = createLLM({ ...fake.config, timeoutMs: 150 });
    const deltas: string[] = [];
    for await (const delta of llm.stream("x")) {
      deltas.push(delta);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(deltas.join("")).toBe("one two three");
  });

  it("stops the download when the consumer breaks early, freeing the limiter slot", async () => {
    fake = await startFakeLLM();
    fake.enqueue({ text: "one two three four five", stream: { pauseMs: 20 } }, "second");
    const llm = createLLM({ ...fake.config, maxConcurrency: 1 });
    for await (const delta of llm.stream("x")) {
      expect(delta).toBe("one ");
      break;
    }
    // With the slot still held, this call would wait forever.
    expect((await llm.chat("next")).text).toBe("second");
  });
});
