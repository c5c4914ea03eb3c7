import { createLLM } from "@flowlet/llm";
import { runMain } from "../shared/cli.js";
import { createSupervisedFlow } from "./flow.js";
import type { SupervisedStore } from "./nodes.js";

// npx tsx --conditions=@flowlet/source cookbook/supervisor/main.ts "Why is the sky blue?"
runMain(async () => {
  const shared: SupervisedStore = { question: process.argv.slice(2).join(" ") || "Why is the sky blue?", rejections: [] };
  await createSupervisedFlow(createLLM()).run(shared);
  for (const reason of shared.rejections) console.log(`✗ rejected: ${reason}`);
  console.log(`✓ ${shared.answer}`);
});
