import type { LLM } from "@flowlet/llm";
import { Flow } from "flowlet";
import { Check, Draft, type Shared } from "./nodes.js";

/** Draft → Check, and back to Draft while the answer is too long (docs/design.md, section 2). */
export function createAnswerFlow(llm: LLM): Flow<Shared> {
  const draft = new Draft(llm, { maxRetries: 3, wait: 1000 });
  const check = new Check();
  draft.on("check", check);
  check.on("revise", draft);
  return new Flow<Shared>(draft, { maxSteps: 10 });
}

/** A fresh store for one question. */
export function newShared(question: string, maxWords = 60): Shared {
  return { question, maxWords, revisions: 0 };
}
