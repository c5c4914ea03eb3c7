import type { LLM } from "@flowlet/llm";
import { BatchNode, Node, type NodeContext } from "flowlet";
import { z } from "zod";

export const Outline = z.object({
  title: z.string().min(1),
  sections: z.array(z.string().min(1)).min(2).max(6),
});
export type Outline = z.infer<typeof Outline>;

export interface ArticleStore {
  topic: string;
  outline?: Outline;
  /** One draft per section, in outline order. */
  drafts?: string[];
  article?: string;
}

export class Outliner extends Node<ArticleStore, string, Outline> {
  constructor(private readonly llm: LLM) {
    super();
  }
  override prep(shared: ArticleStore): string {
    return `Outline a short article about: ${shared.topic}\nReply in YAML with a title and 3 to 5 section headings as a list named sections.`;
  }
  override exec(prompt: string, ctx: NodeContext): Promise<Outline> {
    // record: ctx puts each request in a checkpointed run's event log, for Flowlet Studio's LLM page.
    return this.llm.structured(prompt, Outline, { format: "yaml", maxAttempts: 3, signal: ctx.signal, record: ctx });
  }
  override post(shared: ArticleStore, _prompt: string, outline: Outline): undefined {
    shared.outline = outline;
  }
}

/** Drafts each section on its own, so a section can be retried without redoing the others. */
export class BatchDrafter extends BatchNode<ArticleStore, { title: string; section: string }, string> {
  constructor(private readonly llm: LLM) {
    super({ maxRetries: 2, wait: 1000 });
  }
  override prep(shared: ArticleStore) {
    const { title, sections } = shared.outline!;
    return sections.map((section) => ({ title, section }));
  }
  override async exec({ title, section }: { title: string; section: string }, ctx: NodeContext): Promise<string> {
    const prompt = `You are writing the article "${title}". Write the section "${section}" as one paragraph of 3 to 5 plain sentences. No heading.`;
    return (await this.llm.chat(prompt, { signal: ctx.signal, record: ctx })).text.trim();
  }
  override post(shared: ArticleStore, _items: unknown, drafts: string[]): undefined {
    shared.drafts = drafts;
  }
}

/** Plain code, no LLM: a node is any step, not only a model call. */
export class Combiner extends Node<ArticleStore, { outline: Outline; drafts: string[] }, string> {
  override prep(shared: ArticleStore) {
    return { outline: shared.outline!, drafts: shared.drafts! };
  }
  override exec({ outline, drafts }: { outline: Outline; drafts: string[] }): string {
    const body = outline.sections.map((section, i) => `## ${section}\n\n${drafts[i]}`);
    return [`# ${outline.title}`, ...body].join("\n\n");
  }
  override post(shared: ArticleStore, _prep: unknown, article: string): undefined {
    shared.article = article;
  }
}
