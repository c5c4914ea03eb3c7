import { type NodeContext, ParallelBatchNode } from "flowlet";
import { chunkText, estimateTokens, packSections, truncateToTokens } from "../budget.js";
import type { CallInfo, RunContext } from "../context.js";
import { APPENDED_INSTRUCTION, fileHeader, identifyPrompt, mergeSummariesPrompt, rangeHeader, summarizeFilesPrompt } from "../prompts.js";
import { fileSummariesSchema, groupSummarySchema } from "../schemas.js";
import type { SourceFile } from "../../source/types.js";
import type { Language } from "../prompts.js";
import type { SummaryUnit, TutorialStore } from "../store.js";

/** Longest level-1 summary kept per file (several parts of a big file add up). */
export const FILE_SUMMARY_CAP = 300;
/** Longest merged summary kept per range of files. */
export const MERGE_SUMMARY_CAP = 400;

type Job = { kind: "files"; prompt: string; files: number[] } | { kind: "merge"; prompt: string; first: number; last: number };
type Done = { kind: "files"; summaries: { file: number; summary: string }[] } | { kind: "merge"; unit: SummaryUnit };

/**
 * The map-reduce that lets a codebase of any size through. When the files do not fit the
 * IdentifyAbstractions prompt, they are summarised in budget-sized groups (level 1, one summary per
 * file; a file larger than a group is summarised part by part). While the summaries still do not
 * fit, neighbouring ones are merged (level 2, 3, …): every merge group holds at least two units, so
 * each level halves their number and the loop ends. When everything fits it does nothing.
 *
 * Post returns "again" to run the next level (the flow wires that edge back to this node).
 */
export class SummarizeFiles extends ParallelBatchNode<TutorialStore, Job, Done> {
  constructor(
    private readonly pipeline: RunContext,
    concurrency: number,
  ) {
    super({ concurrency, maxRetries: 3, wait: 1000, name: "SummarizeFiles" });
  }

  override prep(shared: TutorialStore): Job[] {
    const state = shared.summaries;
    const room = identifyRoom(this.pipeline, shared, state !== null);
    if (state === null) return fits(wholeFiles(this.pipeline.files), room) ? [] : this.fileJobs(shared);
    return fits(state.units.map((u) => renderUnit(this.pipeline, u)), room) ? [] : this.mergeJobs(shared, state.units);
  }

  override async exec(job: Job, ctx: NodeContext): Promise<Done> {
    if (job.kind === "files") {
      const summaries = await this.pipeline.ask(this.call(job, ctx), job.prompt, fileSummariesSchema(this.pipeline.files.length, job.files), ctx.signal);
      this.pipeline.advance("summarize");
      return { kind: "files", summaries };
    }
    const { summary } = await this.pipeline.ask(this.call(job, ctx), job.prompt, groupSummarySchema, ctx.signal);
    this.pipeline.advance("summarize");
    return { kind: "merge", unit: { first: job.first, last: job.last, text: summary } };
  }

  override post(shared: TutorialStore, jobs: Job[], results: Done[]): string {
    if (jobs.length === 0) return "default";
    const state = shared.summaries;
    // Caps relative to the room guarantee the loop ends: a single unit always fits.
    const quarter = Math.floor(identifyRoom(this.pipeline, shared, true) / 4);
    if (state === null) {
      const parts: string[][] = this.pipeline.files.map(() => []);
      for (const done of results) if (done.kind === "files") for (const s of done.summaries) parts[s.file]?.push(s.summary);
      const fileSummaries = parts.map((p) => (p.length > 0 ? truncateToTokens(p.join(" "), Math.min(FILE_SUMMARY_CAP, quarter)) : null));
      const units = fileSummaries.map((text, i) => ({ first: i, last: i, text: text ?? "(not summarised)" }));
      shared.summaries = { level: 1, units, fileSummaries };
    } else {
      const units = results.flatMap((done) =>
        done.kind === "merge" ? [{ ...done.unit, text: truncateToTokens(done.unit.text, Math.min(MERGE_SUMMARY_CAP, quarter)) }] : [],
      );
      shared.summaries = { ...state, level: state.level + 1, units };
    }
    return "again";
  }

  /** Level 1: the files in budget-sized groups. */
  private fileJobs(shared: TutorialStore): Job[] {
    const { files, budget } = this.pipeline;
    const project = shared.input.projectName;
    const groups = levelOneGroups(files, budget, project);
    this.pipeline.begin("summarize", groups.length, `level 1: ${files.length} files in ${groups.length} groups`);
    return groups.map((group) => {
      const indices = [...new Set(group.map((p) => p.file))];
      return { kind: "files", files: indices, prompt: summarizeFilesPrompt(project, budget, indices, group.map((p) => p.text)) };
    });
  }

  /** Level 2+: neighbouring summaries merged; each is cut to half a group so a group always merges two or more. */
  private mergeJobs(shared: TutorialStore, units: SummaryUnit[]): Job[] {
    const { budget } = this.pipeline;
    const project = shared.input.projectName;
    const room = budget - estimateTokens(mergeSummariesPrompt(project, Number.POSITIVE_INFINITY, 0, 0, [])) - APPENDED_INSTRUCTION - 16;
    const texts = units.map((u) => {
      const header = rangeHeader(u.first, u.last, this.path(u.first), this.path(u.last));
      return { unit: u, text: `${header}\n${truncateToTokens(u.text, Math.floor(room / 2) - estimateTokens(header) - 8)}` };
    });
    const groups = packGroups(texts, (t) => estimateTokens(t.text) + 1, room);
    const level = (shared.summaries?.level ?? 1) + 1;
    this.pipeline.begin("summarize", groups.length, `level ${level}: merging ${units.length} summaries in ${groups.length} groups`);
    return groups.map((group) => {
      const first = group[0]!.unit.first;
      const last = group.at(-1)!.unit.last;
      return { kind: "merge", first, last, prompt: mergeSummariesPrompt(project, budget, first, last, group.map((t) => t.text)) };
    });
  }

  private call(job: Job, ctx: NodeContext): CallInfo {
    const [first, last] = job.kind === "files" ? [job.files[0], job.files.at(-1)] : [job.first, job.last];
    const label = `${job.kind === "files" ? "summary" : "merged summary"} of files ${first}${last !== first ? `–${last}` : ""}`;
    return { stage: "summarize", label, attempt: ctx.attempt, attempts: this.maxRetries };
  }

  private path(index: number): string {
    return this.pipeline.files[index]?.path ?? "?";
  }
}

/**
 * The files cut into parts no larger than a group (a file too big for one prompt is summarised part
 * by part) and packed, in file order, into groups that each fit one summary prompt.
 */
export function levelOneGroups(files: readonly SourceFile[], budget: number, project: string): { file: number; text: string }[][] {
  const room = budget - estimateTokens(summarizeFilesPrompt(project, Number.POSITIVE_INFINITY, [], [])) - APPENDED_INSTRUCTION - 16;
  const pieces: { file: number; text: string }[] = [];
  files.forEach((file, i) => {
    const header = fileHeader(i, file.path, { part: 1, parts: 2 });
    const chunks = chunkText(file.content, Math.max(32, Math.floor((room - estimateTokens(header)) * 0.9) - indexCost(i)));
    chunks.forEach((chunk, k) => {
      pieces.push({ file: i, text: `${fileHeader(i, file.path, { part: k + 1, parts: chunks.length })}\n${chunk}` });
    });
  });
  return packGroups(pieces, (piece) => estimateTokens(piece.text) + indexCost(piece.file) + 1, room);
}

/** What IdentifyAbstractions shows of the codebase: every file in full. */
export function wholeFiles(files: readonly SourceFile[]): string[] {
  return files.map((f, i) => `${fileHeader(i, f.path)}\n${f.content}`);
}

/** What IdentifyAbstractions shows of a summary unit. */
export function renderUnit(run: RunContext, unit: SummaryUnit): string {
  const path = (i: number) => run.files[i]?.path ?? "?";
  return `${rangeHeader(unit.first, unit.last, path(unit.first), path(unit.last))}\n${unit.text}`;
}

/** The tokens IdentifyAbstractions has for the codebase. */
function identifyRoom(run: RunContext, shared: TutorialStore, summarised: boolean): number {
  const { projectName, maxAbstractions } = shared.input;
  return identifyRoomFor(projectName, run.budget, run.lang, maxAbstractions, summarised);
}

export function identifyRoomFor(project: string, budget: number, lang: Language, maxAbstractions: number, summarised: boolean): number {
  return budget - APPENDED_INSTRUCTION - estimateTokens(identifyPrompt(project, Number.POSITIVE_INFINITY, lang, maxAbstractions, [], summarised));
}

export function fits(sections: readonly string[], room: number): boolean {
  return estimateTokens(packSections(sections, Number.POSITIVE_INFINITY)) <= room;
}

/** The cost of naming a file index in the prompt's list of indices. */
function indexCost(index: number): number {
  return estimateTokens(`${index}, `);
}

/** Consecutive items into groups of total cost at most `room` (an item costlier than `room` gets a group of its own). */
function packGroups<T>(items: readonly T[], cost: (item: T) => number, room: number): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let used = 0;
  for (const item of items) {
    const c = cost(item);
    if (current.length > 0 && used + c > room) {
      groups.push(current);
      current = [];
      used = 0;
    }
    current.push(item);
    used += c;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
