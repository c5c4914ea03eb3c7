import type { LLM } from "@flowlet/llm";
import { Node, type NodeContext } from "flowlet";

/** JSON only: the store is checkpointed while the run waits for its reviewer. */
export interface ReviewStore {
  topic: string;
  draft?: string;
  /** The reviewer's reasons for every rejected draft. */
  feedback: string[];
  published?: string;
}

/** What the run hands the human when it pauses. `round` counts the drafts reviewed before this one. */
export interface ReviewRequest {
  question: string;
  draft: string;
  round: number;
}

/** What the human answers, passed to `flow.resume(runId, { resumeWith })`, naming the round it answers. */
export type Verdict = { round: number } & ({ approved: true } | { approved: false; feedback: string });

export class WriteDraft extends Node<ReviewStore, string, string> {
  constructor(private readonly llm: LLM) {
    super({ maxRetries: 2 });
  }
  override prep(shared: ReviewStore): string {
    const notes = shared.feedback.map((f) => `- ${f}`).join("\n");
    return `Write a short announcement (at most 3 sentences) about: ${shared.topic}${notes ? `\n\nThe reviewer rejected earlier drafts:\n${notes}\nAddress every point.` : ""}`;
  }
  override async exec(prompt: string, ctx: NodeContext): Promise<string> {
    return (await this.llm.chat(prompt, { signal: ctx.signal, cache: false, record: ctx })).text.trim();
  }
  override post(shared: ReviewStore, _prompt: string, draft: string): undefined {
    shared.draft = draft;
  }
}

/**
 * Pauses the run for a human's verdict. The first visit checkpoints and stops the run; on
 * `resume` this node runs again from the top and `ctx.interrupt` returns the human's answer.
 */
export class Review extends Node<ReviewStore, ReviewRequest, Verdict> {
  override prep(shared: ReviewStore): ReviewRequest {
    return { question: "Publish this draft?", draft: shared.draft!, round: shared.feedback.length };
  }
  override exec(request: ReviewRequest, ctx: NodeContext): Verdict {
    // A verdict names the round it answers, so an answer to an earlier draft is never taken for
    // this one: it is skipped, and the next interrupt asks about this draft.
    for (;;) {
      const verdict = ctx.interrupt<Verdict>(request);
      if (verdict.round === request.round) return verdict;
    }
  }
  override post(shared: ReviewStore, _request: ReviewRequest, verdict: Verdict): string {
    if (verdict.approved) return "approve";
    shared.feedback.push(verdict.feedback);
    return "revise";
  }
}

export class Publish extends Node<ReviewStore> {
  override post(shared: ReviewStore): undefined {
    shared.published = shared.draft;
  }
}
