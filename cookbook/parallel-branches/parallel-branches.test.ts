import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { MemorySaver } from "flowlet";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Review, reviewFlow } from "./flow.js";

let fake: FakeLLM;
let inFlight = 0;
let most = 0;
beforeEach(async () => {
  fake = await startFakeLLM();
  inFlight = most = 0;
});
afterEach(() => fake.close());

const llmFor = (f: FakeLLM) => createLLM({ provider: "openai", baseURL: f.config.baseURL, apiKey: f.config.apiKey, model: f.config.model });

/** Answers by angle, after 100 ms, counting how many requests are answered at once. */
function answerAngles(failFacts = false) {
  fake.respond(async (request) => {
    const prompt = String(request.messages.at(-1)?.content);
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((r) => setTimeout(r, 100));
    inFlight--;
    if (prompt.startsWith("Weigh")) return "Worth it, with care.";
    if (prompt.startsWith("State")) return failFacts ? { status: 400, error: "bad request" } : "Half of office work can be remote.";
    return prompt.startsWith("What speaks for") ? "No commute." : "Less contact.";
  });
}

describe("parallel branches (fake LLM over HTTP)", () => {
  it("runs the three angles at once, then the verdict, which reads all three", async () => {
    answerAngles();
    const shared: Review = { topic: "remote work" };
    await reviewFlow(llmFor(fake)).run(shared);
    // The three branches' calls were in flight together: the parallelism itself, not a wall time
    // (~200 ms when idle, but over a second has been seen under a full `npm test` on 2 cores).
    expect(most).toBe(3);
    expect(shared).toMatchObject({
      pros: "No commute.",
      cons: "Less contact.",
      facts: "Half of office work can be remote.",
      verdict: "Worth it, with care.",
    });
    const verdictPrompt = String(fake.requests.at(-1)?.messages.at(-1)?.content);
    expect(verdictPrompt).toContain("Pros: No commute.");
    expect(verdictPrompt).toContain("Facts: Half of office work");
  });

  it("resumes after a failed branch without asking the finished branches again", async () => {
    answerAngles(true);
    const saver = new MemorySaver();
    await expect(reviewFlow(llmFor(fake)).run({ topic: "remote work" }, { checkpoint: saver, runId: "r" })).rejects.toThrow(/Facts/);
    const asked = fake.requests.length;
    answerAngles(false);
    const result = await reviewFlow(llmFor(fake)).resume("r", { checkpoint: saver });
    expect(result.shared.verdict).toBe("Worth it, with care.");
    // Only the facts branch (the one that failed) and the verdict are asked again.
    const again = fake.requests.slice(asked).map((r) => String(r.messages.at(-1)?.content).split(" ")[0]);
    expect(again).toEqual(["State", "Weigh"]);
  });
});
