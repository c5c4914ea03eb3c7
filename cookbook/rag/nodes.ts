import type { LLM } from "@flowlet/llm";
import { BatchNode, Node, type NodeContext } from "flowlet";
import type { Document } from "../shared/documents.js";
import type { VectorIndex } from "./vector-index.js";

/** What the RAG flows need to embed: an `LLM` (OpenAI-compatible or Gemini), or anything with its `embed`. */
export type Embedder = Pick<LLM, "embed">;

/** A passage of a document: what is embedded, retrieved and cited. */
export interface Chunk {
  source: string;
  text: string;
}

export interface IndexingStore {
  documents: Document[];
  chunks?: Chunk[];
  vectors?: number[][];
}

export interface QueryStore {
  question: string;
  queryVector?: number[];
  retrieved?: { chunk: Chunk; score: number }[];
  answer?: string;
  /** The retrieved chunks the answer cites, by their [number]. */
  citations?: { n: number; source: string }[];
}

/** Splits documents at blank lines, merging paragraphs up to `maxChars` so chunks are neither tiny nor huge. */
export function chunkDocument(document: Document, maxChars = 600): Chunk[] {
  const chunks: Chunk[] = [];
  let current = "";
  for (const paragraph of document.text.split(/\n\s*\n/).map((p) => p.trim())) {
    if (!paragraph) continue;
    if (current && current.length + paragraph.length > maxChars) {
      chunks.push({ source: document.name, text: current });
      current = "";
    }
    current = current ? `${current}\n\n${paragraph}` : paragraph;
  }
  if (current) chunks.push({ source: document.name, text: current });
  return chunks;
}

// ---- Offline: ChunkDocuments → EmbedChunks → StoreIndex

export class ChunkDocuments extends Node<IndexingStore, Document[], Chunk[]> {
  constructor(private readonly maxChars = 600) {
    super();
  }
  override prep(shared: IndexingStore): Document[] {
    return shared.documents;
  }
  override exec(documents: Document[]): Chunk[] {
    return documents.flatMap((document) => chunkDocument(document, this.maxChars));
  }
  override post(shared: IndexingStore, _documents: unknown, chunks: Chunk[]): undefined {
    shared.chunks = chunks;
  }
}

/** Embeds chunks `batchSize` at a time: one request per batch (`embed` retries it on its own). */
export class EmbedChunks extends BatchNode<IndexingStore, string[], number[][]> {
  constructor(
    private readonly embedder: Embedder,
    private readonly batchSize = 64,
  ) {
    super();
  }
  override prep(shared: IndexingStore): string[][] {
    const texts = shared.chunks!.map((chunk) => chunk.text);
    return Array.from({ length: Math.ceil(texts.length / this.batchSize) }, (_, i) =>
      texts.slice(i * this.batchSize, (i + 1) * this.batchSize),
    );
  }
  override async exec(batch: string[], ctx: NodeContext): Promise<number[][]> {
    return (await this.embedder.embed(batch, { signal: ctx.signal })).vectors;
  }
  override post(shared: IndexingStore, _batches: unknown, vectors: number[][][]): undefined {
    shared.vectors = vectors.flat();
  }
}

export class StoreIndex extends Node<IndexingStore, { vector: number[]; item: Chunk }[], void> {
  constructor(private readonly index: VectorIndex<Chunk>) {
    super();
  }
  override prep(shared: IndexingStore) {
    return shared.chunks!.map((item, i) => ({ item, vector: shared.vectors![i]! }));
  }
  override exec(entries: { vector: number[]; item: Chunk }[]): Promise<void> {
    return this.index.add(entries);
  }
}

// ---- Online: EmbedQuery → Retrieve → Answer

export class EmbedQuery extends Node<QueryStore, string, number[]> {
  constructor(private readonly embedder: Embedder) {
    super();
  }
  override prep(shared: QueryStore): string {
    return shared.question;
  }
  override async exec(question: string, ctx: NodeContext): Promise<number[]> {
    return (await this.embedder.embed([question], { signal: ctx.signal })).vectors[0]!;
  }
  override post(shared: QueryStore, _question: string, vector: number[]): undefined {
    shared.queryVector = vector;
  }
}

export class Retrieve extends Node<QueryStore, number[], { chunk: Chunk; score: number }[]> {
  constructor(
    private readonly index: VectorIndex<Chunk>,
    private readonly k: number,
  ) {
    super();
  }
  override prep(shared: QueryStore): number[] {
    return shared.queryVector!;
  }
  override async exec(vector: number[]) {
    return (await this.index.search(vector, this.k)).map(({ item, score }) => ({ chunk: item, score }));
  }
  override post(shared: QueryStore, _vector: unknown, retrieved: { chunk: Chunk; score: number }[]): undefined {
    shared.retrieved = retrieved;
  }
}

export class AnswerWithCitations extends Node<QueryStore, string, string> {
  constructor(private readonly llm: LLM) {
    super({ maxRetries: 2 });
  }
  override prep(shared: QueryStore): string {
    const context = shared.retrieved!.map(({ chunk }, i) => `[${i + 1}] (${chunk.source})\n${chunk.text}`).join("\n\n");
    return `Answer the question using only the numbered passages. Cite each fact with its passage number, like [1]. If the passages do not contain the answer, say so.\n\n${context}\n\nQuestion: ${shared.question}`;
  }
  override async exec(prompt: string, ctx: NodeContext): Promise<string> {
    return (await this.llm.chat(prompt, { signal: ctx.signal })).text.trim();
  }
  override post(shared: QueryStore, _prompt: string, answer: string): undefined {
    shared.answer = answer;
    const cited = new Set([...answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])));
    shared.citations = [...cited]
      .filter((n) => n >= 1 && n <= shared.retrieved!.length)
      .sort((a, b) => a - b)
      .map((n) => ({ n, source: shared.retrieved![n - 1]!.chunk.source }));
  }
}
