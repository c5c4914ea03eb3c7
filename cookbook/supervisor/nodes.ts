import type { LLM } from "@flowlet/llm";
import { Node, type NodeContext } from "flowlet";
import { z } from "zod";

export interface SupervisedStore {
  question: string;
  /** The worker's latest answer, not yet approved. */
  draft?: string;
  /** Why the supervisor rejected each earlier draft; the worker sees them all. */
  rejections: string[];
  /** Set only once the supervisor approves a draft. */
  answer?: string;
}

/** Answers the question, taking the supervisor's earlier objections into account. */
export class Worker extends Node<SupervisedStore, string, string> {
  constructor(private readonly llm: LLM) {
    super({ maxRetries: 2 });
  }
  override prep(shared: SupervisedStore): string {
    const feedback = shared.rejections.map((reason, i) => `Rejected draft ${i + 1}: ${reason}`).join("\n");
    return `Answer this question in two or three sentences: ${shared.question}${feedback ? `\n\nA reviewer rejected your earlier answers:\n${feedback}\nFix what they object to.` : ""}`;
  }
  override async exec(prompt: string, ctx: NodeContext): Promise<string> {
    // cache off: asking again must give a new answer, not the rejected one.
    return (await this.llm.chat(prompt, { signal: ctx.signal, cache: false })).text.trim();
  }
  override post(shared: SupervisedStore, _prompt: string, draft: string): undefined {
    shared.draft = draft;
  }
}

const Verdict = z.object({ approved: z.boolean(), reason: z.string() });
type Verdict = z.infer<typeof Verdict>;

/** Approves the draft, or sends it back to the worker ("reject"), at most `maxRejections` times. */
export class Supervisor extends Node<SupervisedStore, string, Verdict> {
  constructor(
    private readonly llm: LLM,
    private readonly maxRejections: number,
  ) {
    super();
  }
  override prep(shared: SupervisedStore): string {
    return `Question: ${shared.question}\nProposed answer: ${shared.draft}\n\nIs the answer correct, on topic and free of made-up facts? Reply in YAML with approved (true or false) and reason.`;
  }
  override exec(prompt: string, ctx: NodeContext): Promise<Verdict> {
    return this.llm.structured(prompt, Verdict, { format: "yaml", maxAttempts: 3, signal: ctx.signal });
  }
  override post(shared: SupervisedStore, _prompt: string, verdict: Verdict): string {
    if (verdict.approved) return "approve";
    shared.rejections.push(verdict.reason);
    if (shared.rejections.length > this.maxRejections) throw new AnswerRejectedError(shared.rejections);
    return "reject";
  }
}

/** Only approved drafts become the answer. */
export class Deliver extends Node<SupervisedStore> {
  override post(shared: SupervisedStore): undefined {
    shared.answer = shared.draft;
  }
}

/** The supervisor rejected every draft the worker was allowed. */
export class AnswerRejectedError extends Error {
  override name = "AnswerRejectedError";
  constructor(readonly reasons: readonly string[]) {
    super(
      `The supervisor rejected all ${reasons.length} answers; last reason: ${reasons.at(-1)}. Rephrase the question or allow more rejections.`,
    );
  }
}
