import { createLLM } from "@flowlet/llm";
import { runMain } from "../shared/cli.js";
import { createArticleFlow } from "./flow.js";
import type { ArticleStore } from "./nodes.js";

// npx tsx --conditions=@flowlet/source cookbook/workflow/main.ts "the history of the compiler"
runMain(async () => {
  const shared: ArticleStore = { topic: process.argv.slice(2).join(" ") || "why small frameworks age well" };
  await createArticleFlow(createLLM()).run(shared, {
    hooks: { nodeEnd: ({ node, durationMs }) => console.error(`✓ ${node} (${Math.round(durationMs)} ms)`) },
  });
  console.log(shared.article);
});
