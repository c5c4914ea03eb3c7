import { createLLM } from "@flowlet/llm";
import Database from "better-sqlite3";
import { createAgentFlow } from "../agent/flow.js";
import { LocalDocsSearch } from "../agent/local-search.js";
import { createScreeningFlow } from "../map-reduce/flow.js";
import { createIndexingFlow, createQueryFlow } from "../rag/flow.js";
import { MemoryIndex } from "../rag/vector-index.js";
import { createSupervisedFlow } from "../supervisor/flow.js";
import { createTextToSqlFlow } from "../text-to-sql/flow.js";
import { createArticleFlow } from "../workflow/flow.js";
import type { AnyFlow } from "./visualize.js";

/** The cookbook's flows, by name, built lazily. */
export function cookbookFlows(): Record<string, () => AnyFlow> {
  // Building a flow only wires nodes: these clients are never called, so drawing needs no model.
  const unused = { baseURL: "http://127.0.0.1:9", model: "unused" };
  const llm = createLLM({ provider: "openai", ...unused });
  return {
    agent: () => createAgentFlow(llm, new LocalDocsSearch(".")),
    workflow: () => createArticleFlow(llm),
    "map-reduce": () => createScreeningFlow(llm),
    supervisor: () => createSupervisedFlow(llm),
    "rag-indexing": () => createIndexingFlow(llm, new MemoryIndex()),
    "rag-query": () => createQueryFlow(llm, llm, new MemoryIndex()),
    "text-to-sql": () => createTextToSqlFlow(llm, new Database(":memory:")),
  };
}
