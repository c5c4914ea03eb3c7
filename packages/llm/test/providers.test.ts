import { type IncomingMessage, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  LLMConfigError,
  LLMHTTPError,
  type Provider,
  createLLM,
  getProvider,
  providerNames,
  registerProvider,
  resolveLLMConfig,
} from "../src/index.js";
import { type FakeLLM, startFakeLLM } from "../src/testing/index.js";

const fakes: FakeLLM[] = [];
const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

const fast = { baseDelayMs: 5, maxDelayMs: 20 };

/** A toy wire format, in one object: what docs/llm.md's "Adding a provider" describes. */
const echo: Provider = {
  name: "echo-test",
  defaultBaseURL: "https://echo.invalid",
  exampleModel: "echo-1",
  authHeaders: (apiKey) => ({ "x-echo-key": apiKey }),
  needsKey: () => false,
  request: (endpoint, messages, options) => ({
    url: `${endpoint.baseURL}/generate`,
    headers: {},
    body: { model: options.model, prompt: messages.map((message) => message.content).join("\n"), limit: options.maxOutputTokens },
  }),
  parse(body) {
    const reply = body as { output: string; done: string; used: { in: number; out: number } };
    return {
      text: reply.output,
      toolCalls: [],
      usage: { inputTokens: reply.used.in, outputTokens: reply.used.out, totalTokens: reply.used.in + reply.used.out },
      finishReason: reply.done,
      model: "echo-1",
    };
  },
  onEvent: () => "",
  finishReason: (raw) => ({ unified: raw === "full" ? "length" : "stop", raw }),
};

async function echoServer(): Promise<{ url: string; seen: Array<{ headers: IncomingMessage["headers"]; body: Record<string, unknown> }> }> {
  const seen: Array<{ headers: IncomingMessage["headers"]; body: Record<string, unknown> }> = [];
  const server = createServer(async (req, res) => {
    let text = "";
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as Record<string, unknown>;
    seen.push({ headers: req.headers, body });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ output: `echo: ${body.prompt}`, done: "full", used: { in: 3, out: 4 } }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("open providers", () => {
  it("createLLM accepts a Provider object: its request, auth header, parser and finish reasons are used", async () => {
    const { url, seen } = await echoServer();
    const llm = createLLM({ provider: echo, model: "echo-1", baseURL: url, apiKey: "secret-1" });
    const reply = await llm.chat("hello");
    expect(reply).toMatchObject({
      text: "echo: hello",
      finishReason: { unified: "length", raw: "full" },
      usage: { inputTokens: 3, outputTokens: 4 },
    });
    expect(seen[0]!.headers["x-echo-key"]).toBe("secret-1");
    expect(seen[0]!.body).toMatchObject({ model: "echo-1", prompt: "hello", limit: 4_096 });
    expect(llm.connection.provider).toBe("echo-test");
    expect(JSON.stringify(llm.connection)).not.toContain("secret-1");
  });

  it("a registered provider is chosen by name from the environment", async () => {
    const { url } = await echoServer();
    registerProvider(echo);
    expect(getProvider("echo-test")).toBe(echo);
    expect(providerNames().slice(0, 3)).toEqual(["openai", "anthropic", "gemini"]);
    const llm = createLLM({ env: { FLOWLET_LLM_PROVIDER: "echo-test", FLOWLET_LLM_BASE_URL: url, FLOWLET_LLM_MODEL: "echo-1" } });
    expect((await llm.chat("hi")).text).toBe("echo: hi");
    expect(() => registerProvider({ ...echo })).toThrow(LLMConfigError);
  });

  it("never echoes the value of FLOWLET_LLM_PROVIDER, even a short one", () => {
    for (const value of ["sk-abc123", "sk-proj-0123456789abcdefghij", "gsk_x"]) {
      const error = (() => {
        try {
          resolveLLMConfig({}, { FLOWLET_LLM_PROVIDER: value, FLOWLET_LLM_MODEL: "m" });
        } catch (caught) {
          return caught as Error;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(LLMConfigError);
      expect(error?.message).not.toContain(value);
      expect(error?.message.toLowerCase()).not.toContain(value.toLowerCase());
    }
    expect(() => resolveLLMConfig({}, { FLOWLET_LLM_PROVIDER: "opnai", FLOWLET_LLM_MODEL: "m" })).toThrow(/did you mean openai/);
  });
});

describe("fallback", () => {
  it("moves to the next connection when the first keeps failing, and not before its retries are spent", async () => {
    const down = await startFakeLLM({ provider: "anthropic" });
    const up = await startFakeLLM({ provider: "gemini" });
    fakes.push(down, up);
    down.respond(() => ({ status: 529, error: "Overloaded" }));
    up.respond(() => "from gemini");
    const llm = createLLM({ ...down.config, retry: { ...fast, maxAttempts: 2 }, fallback: [up.config] });
    const reply = await llm.chat("x");
    expect(reply.text).toBe("from gemini");
    expect(down.requests).toHaveLength(2);
    expect(up.requests).toHaveLength(1);
  });

  it("falls back from a server that is not there, and reports the last failure when all fail", async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, "127.0.0.1", resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const up = await startFakeLLM();
    fakes.push(up);
    up.enqueue("rescued", { status: 401, error: "bad key" });
    const llm = createLLM({
      provider: "openai",
      baseURL: `http://127.0.0.1:${port}/v1`,
      model: "m",
      retry: { ...fast, maxAttempts: 1 },
      fallback: [up.config],
    });
    expect((await llm.chat("x")).text).toBe("rescued");
    await expect(llm.chat("x")).rejects.toMatchObject({ status: 401 });
    await expect(llm.chat("x")).rejects.toBeInstanceOf(LLMHTTPError);
  });

  it("does not fall back when the caller cancels", async () => {
    const slow = await startFakeLLM();
    const other = await startFakeLLM();
    fakes.push(slow, other);
    slow.respond(() => ({ hang: true }));
    other.respond(() => "should not be asked");
    const llm = createLLM({ ...slow.config, fallback: [other.config] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user quit")), 50);
    await expect(llm.chat("x", { signal: controller.signal })).rejects.toThrow("user quit");
    expect(other.requests).toHaveLength(0);
  });
});
