import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { playTaboo } from "./flow.js";

let fake: FakeLLM;
beforeEach(async () => {
  fake = await startFakeLLM();
});
afterEach(() => fake.close());

describe("multi-agent: Taboo", () => {
  it("the hinter and the guesser talk through their queues until the word is guessed", async () => {
    const guesses = ["Nostalgia.", "nostalgic"];
    const firstHints = ["Think of your memory of childhood.", "A wistful feeling for old times."];
    fake.respond((request) => {
      const prompt = request.lastUserText;
      if (prompt.startsWith("We play Taboo. Give"))
        return prompt.includes("Wrong guesses so far: Nostalgia") ? "Like nostalgia, but an adjective." : firstHints.shift()!;
      return guesses.shift()!;
    });
    const game = await playTaboo(createLLM(fake.config), { target: "nostalgic", forbidden: ["memory", "past"] });

    expect(game.outcome).toBe("won");
    // The hint that used the taboo word "memory" was refused and asked again.
    expect(game.hints).toEqual(["A wistful feeling for old times.", "Like nostalgia, but an adjective."]);
    expect(fake.requests).toHaveLength(3 + 2);
    expect(game.guesses).toEqual(["Nostalgia", "nostalgic"]);
    // The guesser only ever saw the hints; the hinter's rules stayed on its side.
    const guesserPrompts = fake.requests.filter((r) => r.lastUserText.startsWith("We play Taboo. The hints"));
    expect(guesserPrompts.map((r) => r.lastUserText.includes("memory"))).toEqual([false, false]);
    expect(guesserPrompts[1]!.lastUserText).toContain("These guesses were wrong: Nostalgia");
  });

  it("ends after maxRounds, and stops both agents when one fails", async () => {
    fake.respond((request) => (request.lastUserText.includes("Give a one-sentence hint") ? "A hint." : "wrong"));
    const lost = await playTaboo(createLLM(fake.config), { target: "cat", forbidden: [], maxRounds: 2 });
    expect(lost.outcome).toBe("lost");
    expect(lost.guesses).toEqual(["wrong", "wrong"]);

    // The guesser's model breaks: the game stops with its error instead of the hinter waiting forever.
    fake.respond((request) =>
      request.lastUserText.includes("Give a one-sentence hint") ? "A hint." : { status: 400, error: "model gone" },
    );
    await expect(playTaboo(createLLM(fake.config), { target: "cat", forbidden: [] })).rejects.toThrow(/model gone/);
  });
});
