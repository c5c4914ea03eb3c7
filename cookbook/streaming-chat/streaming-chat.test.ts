import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runProgram } from "../shared/run-program.js";

let fake: FakeLLM;
beforeEach(async () => {
  fake = await startFakeLLM();
});
afterEach(() => fake.close());

const STORY = `Once upon a time ${"there was a very long story that went on and on ".repeat(6)}THE END.`;

describe("streaming chat (the real program, in a child process)", () => {
  it("prints tokens as they arrive; Ctrl-C stops the reply, not the program; EOF exits", async () => {
    fake.enqueue({ text: STORY, stream: { pauseMs: 40 } }, "You're welcome.");
    const chat = runProgram("cookbook/streaming-chat/main.ts", {
      FLOWLET_LLM_PROVIDER: "openai",
      FLOWLET_LLM_BASE_URL: fake.config.baseURL,
      FLOWLET_LLM_API_KEY: fake.config.apiKey!,
      FLOWLET_LLM_MODEL: fake.config.model,
    });
    chat.send("Tell me a story.");
    await chat.waitFor("Assistant: Once upon");
    // Streaming: the start is on screen while the end has not been sent yet.
    expect(chat.stdout()).not.toContain("THE END");
    chat.child.kill("SIGINT");
    await chat.waitFor(" [interrupted]\nYou: ");

    chat.send("Thanks anyway.");
    await chat.waitFor("Assistant: You're welcome.\n");
    chat.child.stdin.end();

    expect(await chat.exited).toBe(0);
    expect(chat.stdout()).not.toContain("THE END");
    expect(chat.stdout()).toMatch(/Goodbye!\n$/);
    expect(fake.requests.map((r) => r.stream)).toEqual([true, true]);
    // The interrupted part stays in the history, marked as such.
    const history = fake.requests[1]!.messages;
    expect(history.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(history[2]!.content).toMatch(/^Once upon(\s\S+)* \[interrupted by the user\]$/);
  });
});
