import type { LLM } from "@flowlet/llm";
import { type NodeContext, ParallelBatchNode } from "flowlet";
import type { Document } from "../shared/documents.js";
import { type Outcome, type ResumeStore, storeOutcomes } from "../structured-output/nodes.js";
import { extractResume } from "../structured-output/resume.js";

/** The structured-output example's ParseResumes, with up to `concurrency` documents in flight. */
export class ParseResumesInParallel extends ParallelBatchNode<ResumeStore, Document, Outcome> {
  constructor(
    private readonly llm: LLM,
    concurrency: number,
  ) {
    super({ concurrency });
  }
  override prep(shared: ResumeStore): Document[] {
    return shared.documents;
  }
  override async exec(document: Document, ctx: NodeContext): Promise<Outcome> {
    return { name: document.name, resume: await extractResume(this.llm, document.text, ctx.signal) };
  }
  override execFallback(document: Document, error: unknown): Outcome {
    return { name: document.name, error: error instanceof Error ? error.message : String(error) };
  }
  override post(shared: ResumeStore, _documents: Document[], outcomes: Outcome[]): undefined {
    storeOutcomes(shared, outcomes);
  }
}
