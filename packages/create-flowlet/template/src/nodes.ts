import type { LLM } from "@flowlet/llm";
import { Node, type RetryOptions } from "flowlet";

/** The shared store (docs/design.md, section 4). */
export type Shared = {
  question: string;
  maxWords: number;
  draft?: string;
  feedback?: string;
  revisions: number;
  answer?: string;
};

type DraftInput = { question: string; feedback?: string; previous?: string };

/** Asks the LLM for an answer; a failed call is retried (see `maxRetries` in flow.ts). */
export class Draft extends Node<Shared, DraftInput, string> {
  readonly #llm: LLM;

  constructor(llm: LLM, options: RetryOptions = {}) {
    super(options);
    this.#llm = llm;
  }

  prep(shared: Shared): DraftInput {
    return { question: shared.question, feedback: shared.feedback, previous: shared.draft };
  }

  async exec({ question, feedback, previous }: DraftInput): Promise<string> {
    const revise = feedback && previous ? `\n\nYour previous answer:\n${previous}\n\n${feedback}` : "";
    const { text } = await this.#llm.chat(`Answer this question clearly and briefly.\n\nQuestion: ${question}${revise}`);
    return text.trim();
  }

  post(shared: Shared, _input: DraftInput, draft: string): string {
    shared.draft = draft;
    return "check";
  }
}

/** Sends a draft that is too long back to Draft, at most twice. */
export class Check extends Node<Shared, { draft: string; maxWords: number; revisions: number }, number> {
  static readonly MAX_REVISIONS = 2;

  prep(shared: Shared) {
    return { draft: shared.draft ?? "", maxWords: shared.maxWords, revisions: shared.revisions };
  }

  async exec({ draft }: { draft: string }): Promise<number> {
    return draft.split(/\s+/).filter(Boolean).length;
  }

  post(shared: Shared, { draft, maxWords, revisions }: { draft: string; maxWords: number; revisions: number }, words: number): string {
    if (words <= maxWords || revisions >= Check.MAX_REVISIONS) {
      shared.answer = draft;
      return "done";
    }
    shared.revisions++;
    shared.feedback = `That was ${words} words. Answer again in at most ${maxWords} words.`;
    return "revise";
  }
}
