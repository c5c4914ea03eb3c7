import type { LLM } from "@flowlet/llm";
import { BatchNode, type NodeContext } from "flowlet";
import type { Document } from "../shared/documents.js";
import { type Resume, extractResume } from "./resume.js";

export interface ResumeStore {
  documents: Document[];
  /** By document name. */
  resumes?: Record<string, Resume>;
  /** Documents that never gave a valid résumé, with why: reported, not dropped. */
  failures?: Record<string, string>;
}

export type Outcome = { name: string; resume: Resume } | { name: string; error: string };

/** One LLM extraction per document; a document that keeps failing is recorded, not fatal. */
export class ParseResumes extends BatchNode<ResumeStore, Document, Outcome> {
  constructor(private readonly llm: LLM) {
    super();
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

/** Writes a batch's outcomes into the store: résumés on one side, failures on the other. */
export function storeOutcomes(shared: ResumeStore, outcomes: Outcome[]): void {
  shared.resumes = {};
  shared.failures = {};
  for (const outcome of outcomes) {
    if ("resume" in outcome) shared.resumes[outcome.name] = outcome.resume;
    else shared.failures[outcome.name] = outcome.error;
  }
}
