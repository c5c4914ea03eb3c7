import { fileURLToPath } from "node:url";
import { createLLM } from "@flowlet/llm";
import { runMain } from "../shared/cli.js";
import { readDocuments } from "../shared/documents.js";
import { createIndexingFlow, createQueryFlow } from "./flow.js";
import type { Chunk, QueryStore } from "./nodes.js";
import { MemoryIndex } from "./vector-index.js";

// npx tsx --conditions=@flowlet/source cookbook/rag/main.ts "How many vacation days do I get?"
// Embeds with the same client: FLOWLET_LLM_EMBEDDING_MODEL (default text-embedding-3-small on OpenAI,
// text-embedding-004 on Gemini; required on other OpenAI-compatible servers, e.g. nomic-embed-text on Ollama).
runMain(async () => {
  const llm = createLLM();
  const index = new MemoryIndex<Chunk>();
  const documents = await readDocuments(process.argv[3] ?? fileURLToPath(new URL("./docs", import.meta.url)));
  await createIndexingFlow(llm, index).run({ documents });
  console.error(`Indexed ${index.size} chunks from ${documents.length} documents.`);

  const shared: QueryStore = { question: process.argv[2] || "How many vacation days can I carry over, and until when?" };
  await createQueryFlow(llm, llm, index).run(shared);
  console.log(shared.answer);
  for (const { n, source } of shared.citations!) console.log(`[${n}] ${source}`);
});
