import type { LLM } from "@flowlet/llm";
import { Flow } from "flowlet";
import {
  AnswerWithCitations,
  type Chunk,
  ChunkDocuments,
  EmbedChunks,
  EmbedQuery,
  type Embedder,
  type IndexingStore,
  type QueryStore,
  Retrieve,
  StoreIndex,
} from "./nodes.js";
import type { VectorIndex } from "./vector-index.js";

/** Offline: ChunkDocuments → EmbedChunks → StoreIndex. */
export function createIndexingFlow(embedder: Embedder, index: VectorIndex<Chunk>): Flow<IndexingStore> {
  const chunk = new ChunkDocuments();
  chunk.next(new EmbedChunks(embedder)).next(new StoreIndex(index));
  return new Flow(chunk, { name: "Indexing" });
}

/** Online: EmbedQuery → Retrieve (top k) → AnswerWithCitations. `embedder` is usually `llm` itself. */
export function createQueryFlow(llm: LLM, embedder: Embedder, index: VectorIndex<Chunk>, k = 3): Flow<QueryStore> {
  const embed = new EmbedQuery(embedder);
  embed.next(new Retrieve(index, k)).next(new AnswerWithCitations(llm));
  return new Flow(embed, { name: "Query" });
}
