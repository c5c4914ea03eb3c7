import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { MemorySaver } from "flowlet";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runProgram } from "../shared/run-program.js";
import { createReviewFlow } from "./flow.js";
import type { ReviewStore } from "./nodes.js";

let fake: FakeLLM;
beforeEach(async () => {
  fake = await startFakeLLM();
});
afterEach(() => fake.close());

describe("human in the loop", () => {
  it("pauses with the draft, and resumes with the human's verdict", async () => {
    fake.enqueue("Draft one.", "Draft two.");
    const saver = new MemorySaver();
    const flow = createReviewFlow(createLLM(fake.config));

    const first = await flow.run({ topic: "the release", feedback: [] } as ReviewStore, { checkpoint: saver, runId: "r1" });
    expect(first).toMatchObject({ status: "interrupted", payload: { question: "Publish this draft?", draft: "Draft one.", round: 0 } });

    const second = await flow.resume("r1", { checkpoint: saver, resumeWith: { round: 0, approved: false, feedback: "Name the date." } });
    expect(second).toMatchObject({ status: "interrupted", payload: { draft: "Draft two.", round: 1 } });
    expect(fake.requests[1]!.lastUserText).toContain("- Name the date.");

    // An answer to the earlier draft does not approve this one: the run keeps waiting.
    const stale = await flow.resume("r1", { checkpoint: saver, resumeWith: { round: 0, approved: true } });
    expect(stale).toMatchObject({ status: "interrupted", payload: { draft: "Draft two.", round: 1 } });

    const done = await flow.resume("r1", { checkpoint: saver, resumeWith: { round: 1, approved: true } });
    expect(done.status).toBe("completed");
    expect(done.shared).toEqual({ topic: "the release", feedback: ["Name the date."], draft: "Draft two.", published: "Draft two." });
    expect(fake.requests).toHaveLength(2);
  });

  it("the real program asks y/n on stdin and resumes with the answer, also from another process", async () => {
    const checkpoints = mkdtempSync(join(tmpdir(), "hitl-"));
    const env = {
      FLOWLET_LLM_PROVIDER: "openai",
      FLOWLET_LLM_BASE_URL: fake.config.baseURL,
      FLOWLET_LLM_API_KEY: fake.config.apiKey!,
      FLOWLET_LLM_MODEL: fake.config.model,
      HITL_CHECKPOINTS: checkpoints,
    };
    try {
      fake.enqueue("Flowlet 0.1 is out.", "Flowlet 0.1 is out today, 20 November.");
      const first = runProgram("cookbook/human-in-the-loop/main.ts", env);
      await first.waitFor("Flowlet 0.1 is out.\n-------------\nPublish this draft? (y/n) ");
      // The run really stopped: its checkpoint is on disk while it waits.
      const [runId] = readdirSync(checkpoints);
      expect(runId).toMatch(/^review-\d+$/);
      first.send("maybe");
      await first.waitFor("(y/n) Publish this draft? (y/n) "); // asked again
      first.send("n");
      await first.waitFor("What should change? ");
      first.send("Give the date.");
      await first.waitFor("Flowlet 0.1 is out today, 20 November.\n-------------\nPublish this draft? (y/n) ");
      first.child.stdin.end(); // leave without answering: the run waits in its checkpoint
      expect(await first.exited).toBe(0);
      expect(first.stdout()).toContain(`No answer: the run waits. Resume with --resume ${runId}`);
      expect(fake.requests[1]!.lastUserText).toContain("- Give the date.");

      // Another process picks the paused run up from its checkpoint and asks about the same draft.
      const second = runProgram("cookbook/human-in-the-loop/main.ts", env, ["--resume", runId!]);
      await second.waitFor("Flowlet 0.1 is out today, 20 November.\n-------------\nPublish this draft? (y/n) ");
      second.send("y");
      expect(await second.exited).toBe(0);
      expect(second.stdout()).toMatch(/Published:\nFlowlet 0.1 is out today, 20 November.\n$/);
      expect(fake.requests).toHaveLength(2);
    } finally {
      rmSync(checkpoints, { recursive: true, force: true });
    }
  });
});
