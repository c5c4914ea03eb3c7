import type { LLM } from "@flowlet/llm";
import { Flow, Node, type NodeContext, Parallel } from "flowlet";

/** Each branch writes its own key: branches share the store, so they never write the same one. */
export type Review = { topic: string; pros?: string; cons?: string; facts?: string; verdict?: string };

/** One angle on the topic, asked of the LLM; its answer goes under its own key of the store. */
export class Angle extends Node<Review, string, string> {
  constructor(
    private readonly llm: LLM,
    private readonly key: "pros" | "cons" | "facts",
    private readonly ask: string,
  ) {
    super({ name: key[0]!.toUpperCase() + key.slice(1), maxRetries: 2 });
  }
  override prep(shared: Review) {
    return `${this.ask} Topic: ${shared.topic}. Two sentences.`;
  }
  override async exec(prompt: string, ctx: NodeContext) {
    return (await this.llm.chat(prompt, { signal: ctx.signal })).text;
  }
  override post(shared: Review, _p: string, answer: string) {
    shared[this.key] = answer;
  }
}

/** The join: runs once every branch has finished, and reads what each one wrote. */
export class Verdict extends Node<Review, string, string> {
  constructor(private readonly llm: LLM) {
    super({ maxRetries: 2 });
  }
  override prep(shared: Review) {
    return `Weigh these and give a one-line verdict on ${shared.topic}.\nPros: ${shared.pros}\nCons: ${shared.cons}\nFacts: ${shared.facts}`;
  }
  override async exec(prompt: string, ctx: NodeContext) {
    return (await this.llm.chat(prompt, { signal: ctx.signal })).text;
  }
  override post(shared: Review, _p: string, verdict: string) {
    shared.verdict = verdict;
  }
}

/** `Parallel([Pros, Cons, Facts]) → Verdict`: three different branches at once, then the join. */
export function reviewFlow(llm: LLM): Flow<Review> {
  const angles = new Parallel<Review>(
    [
      new Angle(llm, "pros", "What speaks for it?"),
      new Angle(llm, "cons", "What speaks against it?"),
      new Angle(llm, "facts", "State the key facts about it."),
    ],
    { name: "Angles" },
  );
  angles.next(new Verdict(llm));
  return new Flow(angles, { name: "Review" });
}
