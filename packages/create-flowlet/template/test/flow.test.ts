import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { createAnswerFlow, newShared } from "../src/flow.js";
import { LOCAL_LLM, llmFromEnv } from "../src/llm.js";

// The flow runs against a local server speaking the OpenAI wire format: no key, no network.
let fake: FakeLLM;
before(async () => {
  fake = await startFakeLLM({ provider: "openai" });
});
after(() => fake.close());

test("a short answer is accepted as it is", async () => {
  fake.respond(() => "A flow is a graph of nodes.");
  const shared = newShared("What is a flow?");
  await createAnswerFlow(createLLM(fake.config)).run(shared);
  assert.equal(shared.answer, "A flow is a graph of nodes.");
  assert.equal(shared.revisions, 0);
});

test("a long answer goes back for a shorter one", async () => {
  fake.respond((req) => (req.lastUserText.includes("at most 5 words") ? "Nodes joined by edges." : "word ".repeat(50)));
  const shared = newShared("What is a flow?", 5);
  await createAnswerFlow(createLLM(fake.config)).run(shared);
  assert.equal(shared.answer, "Nodes joined by edges.");
  assert.equal(shared.revisions, 1);
});

test("with no FLOWLET_LLM_* variables the LLM is the local server", () => {
  assert.deepEqual(LOCAL_LLM, { provider: "openai", baseURL: "http://localhost:11434/v1", model: "llama3.2" });
  assert.ok(llmFromEnv({}));
  assert.ok(llmFromEnv({ FLOWLET_LLM_PROVIDER: "openai", FLOWLET_LLM_MODEL: "gpt-4o-mini", FLOWLET_LLM_API_KEY: "sk-test" }));
});
