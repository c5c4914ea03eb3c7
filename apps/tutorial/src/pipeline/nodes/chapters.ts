import { type NodeContext, ParallelBatchNode } from "flowlet";
import type { RunContext } from "../context.js";
import { ChapterCutError, PipelineError } from "../errors.js";
import { outlineText, plannedChapters } from "../outline.js";
import { findMermaidBlocks, mermaidProblems, normalizeMarkdown, plainText, replaceMermaidBlocks } from "../../markdown/index.js";
import { type ChapterBrief, chapterPrompt, fileHeader, fixDiagramPrompt } from "../prompts.js";
import { chapterWords } from "../limits.js";
import type { TutorialStore } from "../store.js";

type Job = { number: number; name: string; prompt: string; brief: ChapterBrief; sections: string[] };

/** What replaces a diagram that still did not parse after one repair. */
export const DROPPED_DIAGRAM = "*(A diagram was left out here: the model's Mermaid did not parse, even after one repair.)*";

/**
 * Writes every chapter at once (at most `concurrency` in flight). A chapter is written from the
 * outline, the project summary and its own files, never from other chapters' text, so chapters do
 * not wait for each other and prompts do not grow with the tutorial. Finished chapters are
 * checkpointed one by one, so a resumed run writes only the missing ones.
 */
export class WriteChapters extends ParallelBatchNode<TutorialStore, Job, string> {
  constructor(
    private readonly pipeline: RunContext,
    concurrency: number,
  ) {
    super({ concurrency, maxRetries: 3, wait: 1000, name: "WriteChapters" });
  }

  override prep(shared: TutorialStore): Job[] {
    const chapters = plannedChapters(shared);
    const outline = outlineText(chapters);
    const names = (shared.abstractions ?? []).map((a) => a.name);
    const summaries = shared.summaries?.fileSummaries;
    const jobs = chapters.map((chapter, i) => {
      const previous = chapters[i - 1];
      const next = chapters[i + 1];
      const relationships = (shared.relationships ?? [])
        .filter((r) => r.from === chapter.abstraction || r.to === chapter.abstraction)
        .map((r) => `- ${names[r.from]} → ${names[r.to]}: ${r.label}`);
      const sections = chapter.files.map((index) => {
        const file = this.pipeline.files[index]!;
        const summary = summaries?.[index];
        return `${fileHeader(index, file.path)}\n${summary ? `(Summary: ${summary})\n` : ""}${file.content}`;
      });
      const brief: ChapterBrief = {
        words: chapterWords(this.pipeline.window, this.pipeline.maxAbstractions),
        project: shared.input.projectName,
        number: chapter.number,
        name: chapter.name,
        description: chapter.description,
        summary: shared.summary ?? "",
        outline,
        relationships,
        ...(previous && { previous: { name: previous.name, file: previous.file } }),
        ...(next && { next: { name: next.name, file: next.file } }),
      };
      const prompt = chapterPrompt(brief, this.pipeline.room("chapter"), this.pipeline.lang, sections);
      return { number: chapter.number, name: chapter.name, prompt, brief, sections };
    });
    this.pipeline.begin("chapters", jobs.length);
    return jobs;
  }

  override async exec(job: Job, ctx: NodeContext): Promise<string> {
    // A chapter found too long for the model's output cap stays so: a node retry would only pay for it again.
    const cut = this.#cut.get(job.number);
    if (cut) throw cut;
    const text = await this.whole(job, ctx);
    // Thrown, so the node's retries ask again rather than publish a blank page.
    if (!text.trim()) throw new PipelineError(`The model returned an empty text for chapter ${job.number} ("${job.name}").`);
    const chapter = await this.checkDiagrams(withHeading(text, job.number, job.name), job, ctx);
    this.pipeline.advance("chapters", `chapter ${job.number} written`);
    return chapter;
  }

  readonly #cut = new Map<number, ChapterCutError>();

  /**
   * The chapter's whole text, never one cut at the output cap: a reply that ends with `length` is
   * continued while the window has room for it, else asked again for half the words; if that is
   * cut too, {@link ChapterCutError} names the chapter and what to do, and nothing is published.
   */
  private async whole(job: Job, ctx: NodeContext): Promise<string> {
    const call = { stage: "chapters", kind: "chapter" as const, label: `chapter ${job.number}`, attempt: ctx.attempt };
    const { counter, window } = this.pipeline;
    const cap = this.pipeline.reply("chapter");
    let reply = await this.pipeline.write(call, job.prompt, ctx.signal);
    if (reply.finishReason.unified !== "length") return reply.text;
    if (counter.count(job.prompt) + counter.count(reply.text) + cap + 64 <= window.contextTokens) {
      this.pipeline.progress({
        stage: "chapters",
        message: `chapter ${job.number}: cut at the output limit (${cap} tokens), continuing it`,
      });
      reply = await this.pipeline.continue(call, job.prompt, reply, ctx.signal);
      if (reply.finishReason.unified !== "length") return reply.text;
    }
    this.pipeline.progress({ stage: "chapters", message: `chapter ${job.number}: cut at the output limit, asking for a shorter one` });
    const shorter = chapterPrompt(
      { ...job.brief, words: Math.floor(job.brief.words / 2) },
      this.pipeline.room("chapter"),
      this.pipeline.lang,
      job.sections,
    );
    reply = await this.pipeline.write({ ...call, label: `chapter ${job.number} (shorter)` }, shorter, ctx.signal);
    if (reply.finishReason.unified !== "length") return reply.text;
    const error = new ChapterCutError(job.number, job.name, cap);
    this.#cut.set(job.number, error);
    throw error;
  }

  /**
   * Every Mermaid block checked (see `mermaid-check.ts`): one that does not parse is sent back once
   * with its problems; if the answer does not parse either, the diagram is left out with a note.
   */
  private async checkDiagrams(chapter: string, job: Job, ctx: NodeContext): Promise<string> {
    const broken = findMermaidBlocks(chapter).map((block) => mermaidProblems(block.source));
    if (broken.every((problems) => problems.length === 0)) return chapter;
    const fixes = await Promise.all(
      findMermaidBlocks(chapter).map(async (block, i) => {
        const problems = broken[i]!;
        if (problems.length === 0) return undefined;
        this.pipeline.progress({ stage: "chapters", message: `chapter ${job.number}: re-asking for a diagram that does not parse` });
        const call = {
          stage: "chapters",
          kind: "diagram" as const,
          label: `chapter ${job.number}, diagram ${i + 1}`,
          attempt: ctx.attempt,
        };
        const reply = await this.pipeline.write(call, fixDiagramPrompt(block.source, problems, this.pipeline.room("diagram")), ctx.signal);
        // A repair cut at its cap is no repair.
        if (reply.finishReason.unified === "length") return DROPPED_DIAGRAM;
        const fixed = findMermaidBlocks(normalizeMarkdown(reply.text))[0]?.source ?? reply.text.trim();
        return mermaidProblems(fixed).length === 0 ? `\`\`\`mermaid\n${fixed.trimEnd()}\n\`\`\`` : DROPPED_DIAGRAM;
      }),
    );
    return replaceMermaidBlocks(chapter, (_, i) => fixes[i]);
  }

  override post(shared: TutorialStore, jobs: Job[], chapters: string[]): void {
    this.pipeline.progress({ stage: "chapters", done: jobs.length, total: jobs.length });
    shared.chapters = chapters;
  }
}

/**
 * The chapter with exactly its `# Chapter N: Name` heading, so the title matches the index: a
 * chapter wrapped in a ```markdown fence is unwrapped, a different first heading is replaced, a
 * missing one added.
 */
export function withHeading(text: string, number: number, name: string): string {
  const body = normalizeMarkdown(text).trim();
  const heading = `# Chapter ${number}: ${plainText(name)}`;
  const lines = body.split("\n");
  if (/^#\s/.test(lines[0] ?? "")) lines[0] = heading;
  else lines.unshift(heading, "");
  return `${lines.join("\n").trim()}\n`;
}
