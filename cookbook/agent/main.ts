import { fileURLToPath } from "node:url";
import { createLLM } from "@flowlet/llm";
import { runMain } from "../shared/cli.js";
import { createAgentFlow } from "./flow.js";
import { LocalDocsSearch } from "./local-search.js";
import type { AgentStore } from "./nodes.js";
import { SearxngSearch } from "./searxng.js";

// npx tsx --conditions=@flowlet/source cookbook/agent/main.ts "Who wrote the first computer program?"
// Searches cookbook/agent/docs offline; set SEARXNG_URL=http://localhost:8888 to search the web instead.
runMain(async () => {
  const question = process.argv.slice(2).join(" ") || "Who wrote the first program for the Analytical Engine, and in which year?";
  const searxng = process.env.SEARXNG_URL;
  const search = searxng ? new SearxngSearch({ baseURL: searxng }) : new LocalDocsSearch(fileURLToPath(new URL("./docs", import.meta.url)));
  const shared: AgentStore = { question, searches: [] };
  await createAgentFlow(createLLM(), search).run(shared, {
    hooks: { nodeEnd: ({ node }) => node === "Search" && console.log(`🔎 ${shared.searches.at(-1)!.query}`) },
  });
  console.log(`\n${shared.answer}`);
});
