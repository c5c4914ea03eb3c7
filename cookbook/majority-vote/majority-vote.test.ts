import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { Flow } from "flowlet";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MajorityVote, type VoteStore } from "./nodes.js";

let fake: FakeLLM;
beforeEach(async () => {
  fake = await startFakeLLM();
});
afterEach(() => fake.close());

const vote = (answer: string) => `\`\`\`yaml\nreasoning: counted\nanswer: ${answer}\n\`\`\``;

describe("majority vote", () => {
  it("asks independently, normalizes the answers and keeps the majority; a failed voter abstains", async () => {
    // Four voters answer; the fifth gets a provider error on both its attempts and abstains.
    const replies = [vote("3"), vote("2"), vote('" 3."'), vote("3")];
    fake.respond(() => replies.shift() ?? { status: 400, error: "bad" });
    const shared: VoteStore = { question: "How many r's in strawberry?", voters: 5 };
    await new Flow(new MajorityVote(createLLM({ ...fake.config, retry: { maxRetries: 0 } }))).run(shared);

    expect(shared.tally).toEqual([
      ["3", 3],
      ["2", 1],
    ]);
    expect(shared.answer).toBe("3");
    expect(shared.votes).toHaveLength(4);
    expect(fake.requests).toHaveLength(6);
    expect(shared.abstentions).toEqual([expect.stringMatching(/HTTP 400: bad/)]);
    // Sampling on: each voter asked at temperature 0.8.
    expect(fake.requests.every((r) => r.body.temperature === 0.8)).toBe(true);
  });
});
