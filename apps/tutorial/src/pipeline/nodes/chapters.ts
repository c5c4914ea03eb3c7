import { type NodeContext, ParallelBatchNode } from "flowlet";
import type { RunContext } from "../context.js";
import { PipelineError } from "../errors.js";
import { outlineText, plannedChapters } from "../outline.js";
import { findMermaidBlocks, mermaidProblems, normalizeMarkdown, plainText, replaceMermaidBlocks } from "../../markdown/index.js";
import { chapterPrompt, fileHeader, fixDiagramPrompt } from "../prompts.js";
import type { TutorialStore } from "../store.js";

type Job = { number: number; name: string; prompt: string };

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
      const brief = {
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
      return { number: chapter.number, name: chapter.name, prompt: chapterPrompt(brief, this.pipeline.budget, this.pipeline.lang, sections) };
    });
    this.pipeline.begin("chapters", jobs.length);
    return jobs;
  }

  override async exec(job: Job, ctx: NodeContext): Promise<string> {
    const text = await this.pipeline.write({ stage: "chapters", label: `chapter ${job.number}`, attempt: ctx.attempt, attempts: this.maxRetries }, job.prompt, ctx.signal);
    // Thrown, so the node's retries ask again rather than publish a blank page.
    if (!text.trim()) throw new PipelineError(`The model returned an empty text for chapter ${job.number} ("${job.name}").`);
    const chapter = await this.checkDiagrams(withHeading(text, job.number, job.name), job, ctx);
    this.pipeline.advance("chapters", `chapter ${job.number} written`);
    return chapter;
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
        const call = { stage: "chapters", label: `chapter ${job.number}, diagram ${i + 1}`, attempt: ctx.attempt, attempts: this.maxRetries };
        const reply = await this.pipeline.write(call, fixDiagramPrompt(block.source, problems, this.pipeline.budget), ctx.signal);
        const fixed = findMermaidBlocks(normalizeMarkdown(reply))[0]?.source ?? reply.trim();
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
