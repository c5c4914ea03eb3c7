import { distributed } from "@flowlet/bullmq";
import type { LLM } from "@flowlet/llm";
import { Flow, Node, type NodeContext, ParallelBatchNode } from "flowlet";
import type { Document } from "../shared/documents.js";

export interface Summary {
  document: string;
  summary: string;
  /** The worker process that wrote it: shows the items spread over the pool. */
  worker: number;
}

export interface PoolStore {
  documents: Document[];
  summaries?: Summary[];
  digest?: string;
}

/** Map: one LLM call per document. Made `distributed` below, so each document is a job any worker may take. */
export class SummariseDocuments extends ParallelBatchNode<PoolStore, Document, Summary> {
  constructor(private readonly llm: LLM) {
    super({ maxRetries: 3, wait: 1000 });
  }
  override prep(shared: PoolStore) {
    return shared.documents;
  }
  override async exec(document: Document, ctx: NodeContext) {
    const { text } = await this.llm.chat(`Summarise this document in one sentence:\n\n${document.text}`, { signal: ctx.signal });
    return { document: document.name, summary: text.trim(), worker: process.pid };
  }
  override post(shared: PoolStore, _documents: unknown, summaries: Summary[]): undefined {
    shared.summaries = summaries;
  }
}

/** Reduce: plain code over the summaries, in the documents' order. */
export class Digest extends Node<PoolStore, Summary[], string> {
  override prep(shared: PoolStore) {
    return shared.summaries ?? [];
  }
  override exec(summaries: Summary[]) {
    return summaries.map((s) => `- **${s.document}**: ${s.summary}`).join("\n");
  }
  override post(shared: PoolStore, _summaries: unknown, digest: string): undefined {
    shared.digest = digest;
  }
}

export function createSummaryFlow(llm: LLM): Flow<PoolStore> {
  const summarise = distributed(new SummariseDocuments(llm));
  summarise.next(new Digest());
  return new Flow(summarise, { name: "Summaries" });
}
