import { fileURLToPath } from "node:url";
import { createLLM } from "@flowlet/llm";
import { runMain } from "../shared/cli.js";
import { readDocuments } from "../shared/documents.js";
import { OpenAIEmbeddings } from "./embeddings.js";
import { createIndexingFlow, createQueryFlow } from "./flow.js";
import type { Chunk, QueryStore } from "./nodes.js";
import { MemoryIndex } from "./vector-index.js";

// npx tsx --conditions=@flowlet/source cookbook/rag/main.ts "How many vacation days do I get?"
// Embeddings: FLOWLET_EMBEDDINGS_MODEL (default text-embedding-3-small), on the same OpenAI-compatible server.
runMain(async () => {
  const llm = createLLM();
  const embedder = OpenAIEmbeddings.fromEnv(llm);
  const index = new MemoryIndex<Chunk>();
  const documents = await readDocuments(process.argv[3] ?? fileURLToPath(new URL("./docs", import.meta.url)));
  await createIndexingFlow(embedder, index).run({ documents });
  console.error(`Indexed ${index.size} chunks from ${documents.length} documents.`);

  const shared: QueryStore = { question: process.argv[2] || "How many vacation days can I carry over, and until when?" };
  await createQueryFlow(llm, embedder, index).run(shared);
  console.log(shared.answer);
  for (const { n, source } of shared.citations!) console.log(`[${n}] ${source}`);
});
