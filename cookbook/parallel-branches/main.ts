import { createLLM } from "@flowlet/llm";
import { runMain } from "../shared/cli.js";
import { type Review, reviewFlow } from "./flow.js";

// npx tsx --conditions=@flowlet/source cookbook/parallel-branches/main.ts "remote work"
runMain(async () => {
  const shared: Review = { topic: process.argv.slice(2).join(" ") || "remote work" };
  await reviewFlow(createLLM()).run(shared, {
    hooks: { nodeEnd: ({ path, durationMs }) => process.stderr.write(`✓ ${path} (${Math.round(durationMs)} ms)\n`) },
  });
  console.log(`Pros: ${shared.pros}\nCons: ${shared.cons}\nFacts: ${shared.facts}\n\nVerdict: ${shared.verdict}`);
});
