import { createAnswerFlow, newShared } from "./flow.js";
import { llmFromEnv } from "./llm.js";

const question = process.argv.slice(2).join(" ") || "What is a flow, in one paragraph?";
const shared = newShared(question);
await createAnswerFlow(llmFromEnv()).run(shared);
console.log(shared.answer);
