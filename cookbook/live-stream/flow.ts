import type { LLM } from "@flowlet/llm";
import { Flow, Node, type NodeContext } from "flowlet";

export type Ask = { question: string; prompt?: string; answer?: string };

/** Turns the question into the prompt: a step of its own, so that progress shows two nodes. */
export class Frame extends Node<Ask, string, string> {
  override prep(shared: Ask) {
    return shared.question;
  }
  override exec(question: string) {
    return `Answer in a few sentences, plainly.\n\nQuestion: ${question}`;
  }
  override post(shared: Ask, _q: string, prompt: string) {
    shared.prompt = prompt;
  }
}

/**
 * Streams the reply: each token goes to `flow.stream` consumers as a `custom` event while the
 * node still runs. `await ctx.emit` waits when the consumer is slow, so tokens never pile up.
 */
export class Reply extends Node<Ask, string, string> {
  constructor(private readonly llm: LLM) {
    super({ maxRetries: 2 });
  }
  override prep(shared: Ask) {
    return shared.prompt ?? shared.question;
  }
  override async exec(prompt: string, ctx: NodeContext) {
    let text = "";
    for await (const token of this.llm.stream(prompt, { signal: ctx.signal })) {
      text += token;
      await ctx.emit({ token });
    }
    return text;
  }
  override post(shared: Ask, _p: string, answer: string) {
    shared.answer = answer;
  }
}

export function answerFlow(llm: LLM): Flow<Ask> {
  const frame = new Frame();
  frame.next(new Reply(llm));
  return new Flow(frame, { name: "Answer" });
}
