import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runProgram } from "../shared/run-program.js";

let fake: FakeLLM;
let env: Record<string, string>;
beforeEach(async () => {
  fake = await startFakeLLM();
  env = {
    FLOWLET_LLM_PROVIDER: "openai",
    FLOWLET_LLM_BASE_URL: fake.config.baseURL,
    FLOWLET_LLM_API_KEY: fake.config.apiKey!,
    FLOWLET_LLM_MODEL: fake.config.model,
  };
});
afterEach(() => fake.close());

describe("chat (the real program, in a child process)", () => {
  it("keeps the history across turns and exits cleanly on EOF", async () => {
    fake.enqueue("Hello Ada!", "Your name is Ada.");
    const chat = runProgram("cookbook/chat/main.ts", env);
    chat.send("Hi, I am Ada.");
    await chat.waitFor("Assistant: Hello Ada!\n");
    chat.send("What is my name?");
    await chat.waitFor("Assistant: Your name is Ada.\n");
    chat.child.stdin.end();

    expect(await chat.exited).toBe(0);
    expect(chat.stdout()).toMatch(/Goodbye!\n$/);
    expect(chat.stderr()).toBe("");
    expect(fake.requests[1]!.messages.map((m) => [m.role, m.content])).toEqual([
      ["system", "You are a helpful, concise assistant."],
      ["user", "Hi, I am Ada."],
      ["assistant", "Hello Ada!"],
      ["user", "What is my name?"],
    ]);
  });

  it("exits cleanly on Ctrl-C, even while a reply is on its way", async () => {
    fake.enqueue({ text: "never arrives", hang: true });
    const chat = runProgram("cookbook/chat/main.ts", env);
    chat.send("Tell me a long story.");
    await chat.waitFor("You: ");
    while (fake.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    chat.child.kill("SIGINT");

    expect(await chat.exited).toBe(0);
    expect(chat.stdout()).toMatch(/Goodbye!\n$/);
    expect(chat.stdout()).not.toContain("never arrives");
  });

  it("explains a missing configuration instead of crashing", async () => {
    const chat = runProgram("cookbook/chat/main.ts", { FLOWLET_LLM_PROVIDER: "" });
    expect(await chat.exited).toBe(1);
    expect(chat.stderr()).toMatch(/^LLMConfigError: No LLM is configured: set FLOWLET_LLM_PROVIDER/);
  });
});
