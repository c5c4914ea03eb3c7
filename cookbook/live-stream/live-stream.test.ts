import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runProgram } from "../shared/run-program.js";

let fake: FakeLLM;
beforeEach(async () => {
  fake = await startFakeLLM();
});
afterEach(() => fake.close());

describe("live stream (the real program, in a child process)", () => {
  it("prints tokens as they arrive, and each node's progress, from flow.stream", async () => {
    fake.enqueue({ text: "Sunlight scatters off air molecules, blue light the most. THE END", stream: { pauseMs: 30 } });
    const program = runProgram(
      "cookbook/live-stream/main.ts",
      {
        FLOWLET_LLM_PROVIDER: "openai",
        FLOWLET_LLM_BASE_URL: fake.config.baseURL,
        FLOWLET_LLM_API_KEY: fake.config.apiKey!,
        FLOWLET_LLM_MODEL: fake.config.model,
      },
      ["Why is the sky blue?"],
    );
    await program.waitFor("Sunlight scatters");
    // Live: the first tokens are on screen while the reply is still being written.
    expect(program.stdout()).not.toContain("THE END");
    expect(program.stderr()).toContain("▶ Answer/Reply\n");
    expect(program.stderr()).not.toContain("✓ Answer/Reply");
    expect(await program.exited).toBe(0);
    expect(program.stdout()).toBe("Sunlight scatters off air molecules, blue light the most. THE END");
    expect(program.stderr()).toMatch(
      /^▶ Answer\n▶ Answer\/Frame\n✓ Answer\/Frame \(\d+ ms\)\n▶ Answer\/Reply\n\n✓ Answer\/Reply \(\d+ ms\)\n✓ Answer \(\d+ ms\)\n$/,
    );
    expect(fake.requests[0]?.messages.at(-1)?.content).toContain("Question: Why is the sky blue?");
  });
});
