import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import * as v from "valibot";
import { Connection, type Message, LLMConfigError, LLMHTTPError, LLMResponseError, ToolCallError, createLLM } from "../src/index.js";
import { openai } from "../src/providers/openai.js";
import { type FakeLLM, startFakeLLM } from "../src/testing/index.js";

const providers = ["openai", "anthropic", "gemini"] as const;
let fake: FakeLLM | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe.each(providers)("%s wire format", (provider) => {
  it("sends a documented request and reads text and usage", async () => {
    fake = await startFakeLLM({ provider, model: "m-1" });
    fake.enqueue({ text: "Hello there", usage: { inputTokens: 11, outputTokens: 3 } });
    const llm = createLLM(fake.config);
    const reply = await llm.chat(
      [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Say hi" },
      ],
      { temperature: 0.2, maxTokens: 50 },
    );
    expect(reply).toMatchObject({
      text: "Hello there",
      usage: { inputTokens: 11, outputTokens: 3, totalTokens: 14 },
      toolCalls: [],
      cached: false,
    });

    const [request] = fake.requests;
    expect(request?.method).toBe("POST");
    expect(request?.headers["content-type"]).toBe("application/json");
    if (provider === "openai") {
      expect(request?.path).toBe("/v1/chat/completions");
      expect(request?.headers.authorization).toBe("Bearer fake-key");
      expect(request?.body).toEqual({
        model: "m-1",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Say hi" },
        ],
        temperature: 0.2,
        max_tokens: 50,
      });
    } else if (provider === "anthropic") {
      expect(request?.path).toBe("/v1/messages");
      expect(request?.headers["x-api-key"]).toBe("fake-key");
      expect(request?.headers["anthropic-version"]).toBe("2023-06-01");
      expect(request?.headers.authorization).toBeUndefined();
      expect(request?.body).toEqual({
        model: "m-1",
        max_tokens: 50,
        system: "Be brief.",
        messages: [{ role: "user", content: "Say hi" }],
        temperature: 0.2,
      });
    } else {
      expect(request?.path).toBe("/v1beta/models/m-1:generateContent");
      expect(request?.headers["x-goog-api-key"]).toBe("fake-key");
      expect(request?.body).toEqual({
        contents: [{ role: "user", parts: [{ text: "Say hi" }] }],
        systemInstruction: { parts: [{ text: "Be brief." }] },
        generationConfig: { temperature: 0.2, maxOutputTokens: 50 },
      });
    }
    expect(request?.lastUserText).toBe("Say hi");
    expect(request?.messages[0]).toEqual({ role: "system", content: "Be brief." });
  });

  it("calls tools through the native tool API and sends results back", async () => {
    fake = await startFakeLLM({ provider });
    const weather = { name: "weather", description: "Weather for a city", schema: z.object({ city: z.string() }) };
    fake.enqueue({ toolCalls: [{ id: "call_a", name: "weather", arguments: { city: "Oslo" } }] }, { text: "It is 3 degrees in Oslo." });
    const llm = createLLM(fake.config);

    const first = await llm.chat("Weather in Oslo?", { tools: [weather] });
    expect(first.toolCalls).toHaveLength(1);
    expect(first.toolCalls[0]).toMatchObject({ name: "weather", arguments: { city: "Oslo" } });
    const call = first.toolCalls[0]!;
    if (provider !== "gemini") expect(call.id).toBe("call_a");

    const sent = fake.requests[0]!;
    expect(sent.tools).toEqual([
      { name: "weather", description: "Weather for a city", parameters: expect.objectContaining({ type: "object", required: ["city"] }) },
    ]);
    if (provider === "openai") expect((sent.body.tools as unknown[])[0]).toMatchObject({ type: "function", function: { name: "weather" } });
    if (provider === "anthropic")
      expect((sent.body.tools as unknown[])[0]).toMatchObject({ name: "weather", input_schema: { type: "object" } });
    if (provider === "gemini")
      expect(sent.body.tools).toMatchObject([{ functionDeclarations: [{ name: "weather", parametersJsonSchema: { type: "object" } }] }]);

    const conversation: Message[] = [
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: first.text, toolCalls: first.toolCalls },
      { role: "tool", toolCallId: call.id, name: call.name, content: JSON.stringify({ celsius: 3 }) },
    ];
    const second = await llm.chat(conversation, { tools: [weather] });
    expect(second.text).toBe("It is 3 degrees in Oslo.");
    const followUp = fake.requests[1]!;
    expect(followUp.messages).toEqual([
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: "", toolCalls: [{ id: call.id, name: "weather", arguments: { city: "Oslo" } }] },
      { role: "tool", toolCallId: provider === "gemini" ? "weather" : call.id, name: "weather", content: JSON.stringify({ celsius: 3 }) },
    ]);
    if (provider === "openai")
      expect((followUp.body.messages as unknown[])[2]).toEqual({ role: "tool", tool_call_id: call.id, content: '{"celsius":3}' });
    if (provider === "anthropic") {
      expect((followUp.body.messages as unknown[])[2]).toEqual({
        role: "user",
        content: [{ type: "tool_result", tool_use_id: call.id, content: '{"celsius":3}' }],
      });
    }
    if (provider === "gemini") {
      expect((followUp.body.contents as unknown[])[2]).toEqual({
        role: "user",
        parts: [{ functionResponse: { name: "weather", response: { celsius: 3 } } }],
      });
    }
  });

  it("rejects tool arguments that fail the tool's schema, with the raw arguments", async () => {
    fake = await startFakeLLM({ provider });
    fake.enqueue({ toolCalls: [{ name: "weather", arguments: { city: 42 } }] });
    const llm = createLLM(fake.config);
    const error = await llm
      .chat("Weather?", { tools: [{ name: "weather", schema: z.object({ city: z.string() }) }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolCallError);
    expect((error as ToolCallError).tool).toBe("weather");
    expect((error as ToolCallError).issues[0]?.path).toEqual(["city"]);
  });

  it("reports an error status in the provider's format, without the key", async () => {
    fake = await startFakeLLM({ provider, apiKey: "sk-secret-123" });
    fake.enqueue({ status: 400, error: "model sk-secret-123 is unknown" });
    const llm = createLLM(fake.config);
    const error = await llm.chat("hi").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LLMHTTPError);
    expect((error as LLMHTTPError).status).toBe(400);
    expect((error as Error).message).toContain("model [redacted] is unknown");
    expect((error as Error).message).not.toContain("sk-secret-123");
    expect(fake.requests).toHaveLength(1);
  });

  it("answers 401 to a wrong key with a hint, never echoing the key", async () => {
    fake = await startFakeLLM({ provider });
    const llm = createLLM({ ...fake.config, apiKey: "wrong-key-456" });
    const error = await llm.chat("hi").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LLMHTTPError);
    expect((error as LLMHTTPError).status).toBe(401);
    expect((error as Error).message).toMatch(/API key/);
    expect((error as Error).message).not.toContain("wrong-key-456");
  });
});

describe("chat", () => {
  it("sends max_completion_tokens to OpenAI's own API, max_tokens to compatible servers", () => {
    const wire = { model: "gpt-x", tools: [], toolChoice: undefined, temperature: undefined, maxOutputTokens: 99, stream: false };
    const hosted = openai.request(
      new Connection({ provider: "openai", model: "gpt-x", apiKey: "k" }),
      [{ role: "user", content: "x" }],
      wire,
    );
    expect(hosted.url).toBe("https://api.openai.com/v1/chat/completions");
    expect(hosted.body).toMatchObject({ max_completion_tokens: 99 });
    const local = openai.request(
      new Connection({ provider: "openai", model: "llama", baseURL: "http://localhost:11434/v1" }),
      [{ role: "user", content: "x" }],
      wire,
    );
    expect(local.body).toMatchObject({ max_tokens: 99 });
    expect(local.headers.authorization).toBeUndefined();
  });

  it("uses a JSON Schema for tools whose library cannot describe itself (valibot)", async () => {
    fake = await startFakeLLM();
    const schema = v.object({ q: v.string() });
    const parameters = { type: "object", properties: { q: { type: "string" } }, required: ["q"] };
    fake.enqueue({ toolCalls: [{ name: "search", arguments: { q: "flowlet" } }] });
    const llm = createLLM(fake.config);
    await expect(llm.chat("x", { tools: [{ name: "search", schema }] })).rejects.toThrow(/tools\[0\]\.parameters/);
    await expect(llm.chat("x", { tools: [{ name: "search", schema }] })).rejects.toBeInstanceOf(LLMConfigError);
    await expect(llm.chat("x", { tools: [{ name: "when", schema: z.object({ at: z.date() }) }] })).rejects.toThrow(
      /zod schema cannot be turned into JSON Schema/,
    );
    const reply = await llm.chat("find flowlet", { tools: [{ name: "search", schema, parameters }] });
    expect(reply.toolCalls[0]?.arguments).toEqual({ q: "flowlet" });
    expect(fake.requests[0]?.tools[0]?.parameters).toEqual(parameters);
  });

  it("accepts tools described by JSON Schema alone, and rejects malformed JSON arguments", async () => {
    fake = await startFakeLLM();
    fake.enqueue(
      {
        body: JSON.stringify({
          choices: [
            {
              message: {
                role: "assistant",
                content: null,
                tool_calls: [{ id: "c1", type: "function", function: { name: "search", arguments: '{"q": ' } }],
              },
              finish_reason: "tool_calls",
            },
          ],
        }),
      },
      { toolCalls: [{ name: "unknown_tool", arguments: {} }] },
    );
    const llm = createLLM(fake.config);
    const tools = [{ name: "search", parameters: { type: "object", properties: { q: { type: "string" } } } }];
    const malformed = await llm.chat("x", { tools }).catch((e: unknown) => e);
    expect(malformed).toBeInstanceOf(ToolCallError);
    expect((malformed as ToolCallError).rawArguments).toBe('{"q": ');
    const unknown = await llm.chat("x", { tools }).catch((e: unknown) => e);
    expect((unknown as Error).message).toMatch(/no tool named "unknown_tool"/);
  });

  it("fails clearly on a 200 reply that is not the provider's format", async () => {
    fake = await startFakeLLM({ provider: "anthropic" });
    fake.enqueue({ body: "<html>proxy login</html>" }, { body: JSON.stringify({ unexpected: true }) });
    const llm = createLLM(fake.config);
    await expect(llm.chat("x")).rejects.toThrow(/not JSON/);
    await expect(llm.chat("x")).rejects.toBeInstanceOf(LLMResponseError);
  });

  it("reads Gemini replies: thought parts are not the answer, a blocked prompt is a clear error", async () => {
    fake = await startFakeLLM({ provider: "gemini" });
    fake.enqueue(
      {
        body: JSON.stringify({
          candidates: [
            { content: { role: "model", parts: [{ text: "thinking...", thought: true }, { text: "The answer." }] }, finishReason: "STOP" },
          ],
          usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, totalTokenCount: 9 },
        }),
      },
      { body: JSON.stringify({ promptFeedback: { blockReason: "SAFETY" } }) },
    );
    const llm = createLLM(fake.config);
    expect(await llm.chat("q")).toMatchObject({
      text: "The answer.",
      usage: { inputTokens: 4, outputTokens: 2, totalTokens: 9 },
      finishReason: { unified: "stop", raw: "STOP" },
    });
    await expect(llm.chat("q")).rejects.toThrow(/Gemini blocked the prompt \(SAFETY\)/);
  });

  it("merges consecutive tool results into one turn for Anthropic", async () => {
    fake = await startFakeLLM({ provider: "anthropic" });
    fake.enqueue("done");
    const llm = createLLM(fake.config);
    await llm.chat([
      { role: "user", content: "Compare Oslo and Rome." },
      {
        role: "assistant",
        content: "Checking both.",
        toolCalls: [
          { id: "t1", name: "weather", arguments: { city: "Oslo" } },
          { id: "t2", name: "weather", arguments: { city: "Rome" } },
        ],
      },
      { role: "tool", toolCallId: "t1", name: "weather", content: "3C" },
      { role: "tool", toolCallId: "t2", name: "weather", content: "18C" },
    ]);
    expect(fake.requests[0]?.body.messages).toEqual([
      { role: "user", content: "Compare Oslo and Rome." },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking both." },
          { type: "tool_use", id: "t1", name: "weather", input: { city: "Oslo" } },
          { type: "tool_use", id: "t2", name: "weather", input: { city: "Rome" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "t1", content: "3C" },
          { type: "tool_result", tool_use_id: "t2", content: "18C" },
        ],
      },
    ]);
  });

  it("lets a call override the model, and sends extra headers", async () => {
    fake = await startFakeLLM({ provider: "gemini" });
    fake.enqueue("ok");
    const llm = createLLM({ ...fake.config, headers: { "x-title": "flowlet-test" } });
    const reply = await llm.chat("x", { model: "models/gemini-cheap" });
    expect(reply.model).toBe("gemini-cheap");
    expect(fake.requests[0]?.path).toBe("/v1beta/models/gemini-cheap:generateContent");
    expect(fake.requests[0]?.headers["x-title"]).toBe("flowlet-test");
  });

  it("rule-based fakes see the parsed request", async () => {
    fake = await startFakeLLM({ provider: "anthropic" });
    fake.respond((request) => (request.lastUserText.includes("outline") ? "1. Intro" : `echo: ${request.lastUserText}`));
    const llm = createLLM(fake.config);
    expect((await llm.chat("make an outline")).text).toBe("1. Intro");
    expect((await llm.chat("ping")).text).toBe("echo: ping");
    fake.enqueue("queued first");
    expect((await llm.chat("ping")).text).toBe("queued first");
  });

  it("tells the test what is missing when nothing is scripted", async () => {
    fake = await startFakeLLM();
    const error = await createLLM(fake.config)
      .chat("x")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LLMHTTPError);
    expect((error as Error).message).toMatch(/nothing scripted for request #1/);
  });
});
