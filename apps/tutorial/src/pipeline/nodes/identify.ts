import { Node, type NodeContext } from "flowlet";
import type { RunContext } from "../context.js";
import { identifyPrompt } from "../prompts.js";
import { type Abstraction, abstractionsSchema } from "../schemas.js";
import type { TutorialStore } from "../store.js";
import { renderUnit, wholeFiles } from "./summarize.js";

type Ask = { prompt: string; maxAbstractions: number };

/** Finds the core abstractions, from the files themselves or, for a large codebase, from their summaries. */
export class IdentifyAbstractions extends Node<TutorialStore, Ask, Abstraction[]> {
  constructor(private readonly pipeline: RunContext) {
    super({ maxRetries: 3, wait: 1000, name: "IdentifyAbstractions" });
  }

  override prep(shared: TutorialStore): Ask {
    this.pipeline.progress({ stage: "identify" });
    const { projectName, maxAbstractions } = shared.input;
    const sections = shared.summaries
      ? shared.summaries.units.map((u) => renderUnit(this.pipeline.files, u))
      : wholeFiles(this.pipeline.files);
    const prompt = identifyPrompt(
      projectName,
      this.pipeline.room("identify"),
      this.pipeline.lang,
      maxAbstractions,
      sections,
      shared.summaries !== null,
    );
    return { prompt, maxAbstractions };
  }

  override exec({ prompt, maxAbstractions }: Ask, ctx: NodeContext): Promise<Abstraction[]> {
    return this.pipeline.ask(
      { stage: "identify", kind: "identify", label: "abstractions", attempt: ctx.attempt },
      prompt,
      abstractionsSchema(this.pipeline.files.length, maxAbstractions),
      ctx.signal,
    );
  }

  override post(shared: TutorialStore, _ask: Ask, abstractions: Abstraction[]): void {
    shared.abstractions = abstractions;
  }
}
