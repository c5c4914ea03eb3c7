import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { LLMConfigError, createLLM, resolveLLMConfig } from "../src/index.js";
import { type FakeLLM, startFakeLLM } from "../src/testing/index.js";

let fake: FakeLLM | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function configError(run: () => unknown): LLMConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LLMConfigError);
    return error as LLMConfigError;
  }
  throw new Error("expected an LLMConfigError");
}

describe("configuration from the environment", () => {
  it("reports no LLM when FLOWLET_LLM_PROVIDER is unset or none", () => {
    expect(resolveLLMConfig({}, {})).toBeUndefined();
    expect(resolveLLMConfig({}, { FLOWLET_LLM_PROVIDER: "none", FLOWLET_LLM_MODEL: "x" })).toBeUndefined();
    expect(resolveLLMConfig({ provider: "none" }, { FLOWLET_LLM_PROVIDER: "openai" })).toBeUndefined();
    const error = configError(() => createLLM({ env: {} }));
    expect(error.variable).toBe("FLOWLET_LLM_PROVIDER");
    expect(error.message).toMatch(/No LLM is configured: set FLOWLET_LLM_PROVIDER/);
    expect(configError(() => createLLM({ provider: "none" })).variable).toBe("config.provider");
  });

  it("names the variable to set", () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ FLOWLET_LLM_MODEL: "llama3.2" }, "FLOWLET_LLM_PROVIDER"],
      [{ FLOWLET_LLM_PROVIDER: "opneai", FLOWLET_LLM_MODEL: "m" }, "FLOWLET_LLM_PROVIDER"],
      [{ FLOWLET_LLM_PROVIDER: "openai", FLOWLET_LLM_API_KEY: "k" }, "FLOWLET_LLM_MODEL"],
      [{ FLOWLET_LLM_PROVIDER: "openai", FLOWLET_LLM_MODEL: "gpt-4o-mini" }, "FLOWLET_LLM_API_KEY"],
      [{ FLOWLET_LLM_PROVIDER: "anthropic", FLOWLET_LLM_MODEL: "claude" }, "FLOWLET_LLM_API_KEY"],
      [{ FLOWLET_LLM_PROVIDER: "gemini", FLOWLET_LLM_MODEL: "gemini-2.5-flash", FLOWLET_LLM_API_KEY: " " }, "FLOWLET_LLM_API_KEY"],
      [{ FLOWLET_LLM_PROVIDER: "openai", FLOWLET_LLM_MODEL: "m", FLOWLET_LLM_BASE_URL: "localhost:11434" }, "FLOWLET_LLM_BASE_URL"],
    ];
    for (const [env, variable] of cases) {
      const error = configError(() => resolveLLMConfig({}, env));
      expect(error.variable, JSON.stringify(env)).toBe(variable);
      expect(error.message).toContain(variable);
    }
  });

  it("needs no key for a local OpenAI-compatible server, and applies default base URLs", () => {
    const local = resolveLLMConfig(
      {},
      { FLOWLET_LLM_PROVIDER: "openai", FLOWLET_LLM_BASE_URL: "http://localhost:11434/v1/", FLOWLET_LLM_MODEL: "llama3.2" },
    );
    expect(local).toMatchObject({ provider: "openai", baseURL: "http://localhost:11434/v1", model: "llama3.2", apiKey: undefined });
    const hosted = resolveLLMConfig({}, { FLOWLET_LLM_PROVIDER: "anthropic", FLOWLET_LLM_MODEL: "claude-x", FLOWLET_LLM_API_KEY: "k" });
    expect(hosted?.baseURL).toBe("https://api.anthropic.com");
  });

  it("names the option when the config comes from code", () => {
    expect(configError(() => createLLM({ provider: "gemini", apiKey: "k" })).variable).toBe("config.model");
    expect(configError(() => createLLM({ provider: "anthropic", model: "m" })).variable).toBe("config.apiKey");
  });

  it("talks to the server the environment names, with options from code", async () => {
    fake = await startFakeLLM({ provider: "anthropic" });
    fake.enqueue("from env");
    const env = {
      FLOWLET_LLM_PROVIDER: "anthropic",
      FLOWLET_LLM_BASE_URL: fake.config.baseURL,
      FLOWLET_LLM_API_KEY: "fake-key",
      FLOWLET_LLM_MODEL: "claude-env",
    };
    const llm = createLLM({ env, maxTokens: 77 });
    expect((await llm.chat("x")).text).toBe("from env");
    expect(fake.requests[0]?.body).toMatchObject({ model: "claude-env", max_tokens: 77 });
  });
});

describe("the API key stays secret", () => {
  it("is left out of JSON, inspection, strings, spreads and clones", () => {
    const llm = createLLM({ provider: "openai", apiKey: "sk-very-secret", model: "gpt-4o-mini" });
    const views = [
      JSON.stringify(llm.connection),
      JSON.stringify(llm),
      inspect(llm.connection, { showHidden: true, depth: 5 }),
      inspect(llm, { depth: 5 }),
      String(llm.connection),
      JSON.stringify({ ...llm.connection }),
      inspect(structuredClone({ ...llm.connection })),
    ];
    for (const view of views) expect(view).not.toContain("sk-very-secret");
    expect(JSON.stringify(llm.connection)).toContain("[redacted]");
    expect(llm.connection.apiKey).toBe("sk-very-secret");
  });
});
