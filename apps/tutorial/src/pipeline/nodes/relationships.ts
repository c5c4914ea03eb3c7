import { Node, type NodeContext } from "flowlet";
import type { RunContext } from "../context.js";
import { abstractionList, fileHeader, relationshipsPrompt } from "../prompts.js";
import { type Relationships, relationshipsSchema } from "../schemas.js";
import type { TutorialStore } from "../store.js";

type Ask = { prompt: string; count: number };

/** Asks for the project summary and how the abstractions relate, from the abstractions and their files. */
export class AnalyzeRelationships extends Node<TutorialStore, Ask, Relationships> {
  constructor(private readonly pipeline: RunContext) {
    super({ maxRetries: 3, wait: 1000, name: "AnalyzeRelationships" });
  }

  override prep(shared: TutorialStore): Ask {
    this.pipeline.progress({ stage: "relationships" });
    const abstractions = shared.abstractions ?? [];
    const used = [...new Set(abstractions.flatMap((a) => a.files))].sort((a, b) => a - b);
    // A codebase that needed summaries is shown by them: compact, and every file gets a line.
    const summaries = shared.summaries?.fileSummaries;
    const sections = used.map((i) => {
      const file = this.pipeline.files[i]!;
      return `${fileHeader(i, file.path)}\n${summaries?.[i] ?? file.content}`;
    });
    const prompt = relationshipsPrompt(
      shared.input.projectName,
      this.pipeline.room("relationships"),
      this.pipeline.lang,
      abstractionList(abstractions, true),
      sections,
    );
    return { prompt, count: abstractions.length };
  }

  override exec({ prompt, count }: Ask, ctx: NodeContext): Promise<Relationships> {
    return this.pipeline.ask(
      { stage: "relationships", kind: "relationships", label: "relationships", attempt: ctx.attempt },
      prompt,
      relationshipsSchema(count),
      ctx.signal,
    );
  }

  override post(shared: TutorialStore, _ask: Ask, result: Relationships): void {
    shared.summary = result.summary;
    shared.relationships = result.relationships;
  }
}
