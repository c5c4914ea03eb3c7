import type { LLM } from "@flowlet/llm";
import { Node, type NodeContext, ParallelBatchNode } from "flowlet";
import { z } from "zod";
import type { Document } from "../shared/documents.js";

export const Evaluation = z.object({
  candidate: z.string().min(1),
  qualified: z.boolean(),
  reason: z.string(),
});
export type Evaluation = z.infer<typeof Evaluation>;

export interface ScreeningStore {
  /** The requirements every résumé is checked against. */
  job: string;
  documents: Document[];
  evaluations?: (Evaluation & { document: string })[];
  report?: { total: number; qualified: string[] };
}

/** Map: each résumé is judged on its own, several at a time. */
export class EvaluateResumes extends ParallelBatchNode<
  ScreeningStore,
  { job: string; document: Document },
  Evaluation & { document: string }
> {
  constructor(private readonly llm: LLM) {
    super({ concurrency: 4, maxRetries: 2, wait: 1000 });
  }
  override prep(shared: ScreeningStore) {
    return shared.documents.map((document) => ({ job: shared.job, document }));
  }
  override async exec({ job, document }: { job: string; document: Document }, ctx: NodeContext) {
    const prompt = `Job requirements: ${job}\n\nRésumé:\n${document.text}\n\nDoes the candidate meet the requirements? Reply in YAML with candidate (name), qualified (true or false) and reason (one sentence).`;
    const evaluation = await this.llm.structured(prompt, Evaluation, { format: "yaml", maxAttempts: 3, signal: ctx.signal });
    return { ...evaluation, document: document.name };
  }
  override post(shared: ScreeningStore, _items: unknown, evaluations: (Evaluation & { document: string })[]): undefined {
    shared.evaluations = evaluations;
  }
}

/** Reduce: plain code over the mapped results. */
export class Shortlist extends Node<ScreeningStore, Evaluation[], ScreeningStore["report"]> {
  override prep(shared: ScreeningStore): Evaluation[] {
    return shared.evaluations ?? [];
  }
  override exec(evaluations: Evaluation[]) {
    return { total: evaluations.length, qualified: evaluations.filter((e) => e.qualified).map((e) => e.candidate) };
  }
  override post(shared: ScreeningStore, _prep: unknown, report: ScreeningStore["report"]): undefined {
    shared.report = report;
  }
}
