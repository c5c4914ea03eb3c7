import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { NodeError } from "flowlet";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSupervisedFlow } from "./flow.js";
import { AnswerRejectedError, type SupervisedStore } from "./nodes.js";

let fake: FakeLLM;
beforeEach(async () => {
  fake = await startFakeLLM();
});
afterEach(() => fake.close());

const SEA = "the sky does not reflect the sea";
const verdict = (approved: boolean, reason: string) => `\`\`\`yaml\napproved: ${approved}\nreason: ${reason}\n\`\`\``;

describe("supervisor", () => {
  it("sends a rejected answer back to the worker with the reason, and delivers only the approved one", async () => {
    fake.enqueue(
      "Because the sky reflects the sea.",
      verdict(false, SEA),
      "Rayleigh scattering: air scatters blue light more than red.",
      verdict(true, "correct"),
    );
    const shared: SupervisedStore = { question: "Why is the sky blue?", rejections: [] };
    await createSupervisedFlow(createLLM(fake.config)).run(shared);

    expect(shared.rejections).toEqual([SEA]);
    expect(shared.answer).toBe("Rayleigh scattering: air scatters blue light more than red.");
    // The worker's second attempt saw why the first was rejected.
    expect(fake.requests[2]!.lastUserText).toContain(SEA);
    expect(fake.requests[3]!.lastUserText).toContain("Proposed answer: Rayleigh scattering");
  });

  it("gives up with AnswerRejectedError when every allowed answer is rejected", async () => {
    fake.respond((request) => (request.lastUserText.startsWith("Question:") ? verdict(false, "made up") : "Nonsense."));
    const shared: SupervisedStore = { question: "Why?", rejections: [] };
    const error = await createSupervisedFlow(createLLM(fake.config), 2)
      .run(shared)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).cause).toBeInstanceOf(AnswerRejectedError);
    expect(shared.rejections).toEqual(["made up", "made up", "made up"]);
    expect(shared.answer).toBeUndefined();
    expect(fake.requests).toHaveLength(6);
  });
});
