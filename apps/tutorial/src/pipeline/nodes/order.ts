import { Node, type NodeContext } from "flowlet";
import type { RunContext } from "../context.js";
import { abstractionList, orderPrompt } from "../prompts.js";
import { orderSchema } from "../schemas.js";
import type { TutorialStore } from "../store.js";

type Ask = { prompt: string; names: string[] };

/** Asks for the teaching order: every abstraction exactly once, foundations first. */
export class OrderChapters extends Node<TutorialStore, Ask, number[]> {
  constructor(private readonly pipeline: RunContext) {
    super({ maxRetries: 3, wait: 1000, name: "OrderChapters" });
  }

  override prep(shared: TutorialStore): Ask {
    this.pipeline.progress({ stage: "order" });
    const abstractions = shared.abstractions ?? [];
    const names = abstractions.map((a) => a.name);
    const lines = (shared.relationships ?? []).map((r) => `- ${r.from} # ${names[r.from]} → ${r.to} # ${names[r.to]}: ${r.label}`);
    const prompt = orderPrompt(
      shared.input.projectName,
      this.pipeline.room("order"),
      abstractionList(abstractions, false),
      shared.summary ?? "",
      [lines.join("\n")],
    );
    return { prompt, names };
  }

  override exec({ prompt, names }: Ask, ctx: NodeContext): Promise<number[]> {
    return this.pipeline.ask(
      { stage: "order", kind: "order", label: "chapter order", attempt: ctx.attempt },
      prompt,
      orderSchema(names),
      ctx.signal,
    );
  }

  override post(shared: TutorialStore, _ask: Ask, order: number[]): void {
    shared.order = order;
  }
}
