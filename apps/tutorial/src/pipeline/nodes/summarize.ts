import { type NodeContext, ParallelBatchNode } from "flowlet";
import type { CallInfo, RunContext } from "../context.js";
import { filesPerGroup, type Sizing } from "../limits.js";
import { APPENDED_INSTRUCTION, fileHeader, identifyPrompt, mergeSummariesPrompt, rangeHeader, summarizeFilesPrompt } from "../prompts.js";
import { fileSummariesSchema, groupSummarySchema } from "../schemas.js";
import type { SourceFile } from "../../source/types.js";
import type { SummaryUnit, TutorialStore } from "../store.js";

/** Longest level-1 summary kept per file (several parts of a big file add up). */
export const FILE_SUMMARY_CAP = 300;
/** Longest merged summary kept per range of files. */
export const MERGE_SUMMARY_CAP = 400;

type Job = { kind: "files"; prompt: string; files: number[] } | { kind: "merge"; prompt: string; first: number; last: number };
type Done = { kind: "files"; summaries: { file: number; summary: string }[] } | { kind: "merge"; unit: SummaryUnit };

/**
 * The map-reduce that lets a codebase of any size through. When the files do not fit the
 * IdentifyAbstractions prompt, they are summarised in groups sized by input and by output (level 1,
 * one summary per file: a group's files fit its prompt, and their summaries fit the reply's cap; a
 * file larger than a group is summarised part by part). While the summaries still do not
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
    const { sizing } = this.pipeline;
    const project = shared.input.projectName;
    const room = identifyRoom(sizing, project, state !== null);
    if (state === null) return fits(sizing, wholeFiles(this.pipeline.files), room) ? [] : this.fileJobs(shared);
    return fits(
      sizing,
      state.units.map((u) => renderUnit(this.pipeline.files, u)),
      room,
    )
      ? []
      : this.mergeJobs(shared, state.units);
  }

  override async exec(job: Job, ctx: NodeContext): Promise<Done> {
    if (job.kind === "files") {
      const summaries = await this.pipeline.ask(
        this.call(job, ctx),
        job.prompt,
        fileSummariesSchema(this.pipeline.files.length, job.files),
        ctx.signal,
      );
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
    const { counter } = this.pipeline.sizing;
    // Caps relative to the room guarantee the loop ends: a single unit always fits.
    const quarter = Math.floor(identifyRoom(this.pipeline.sizing, shared.input.projectName, true) / 4);
    if (state === null) {
      const parts: string[][] = this.pipeline.files.map(() => []);
      for (const done of results) if (done.kind === "files") for (const s of done.summaries) parts[s.file]?.push(s.summary);
      const fileSummaries = parts.map((p) => (p.length > 0 ? counter.truncate(p.join(" "), Math.min(FILE_SUMMARY_CAP, quarter)) : null));
      const units = fileSummaries.map((text, i) => ({ first: i, last: i, text: text ?? "(not summarised)" }));
      shared.summaries = { level: 1, units, fileSummaries };
    } else {
      const units = results.flatMap((done) =>
        done.kind === "merge" ? [{ ...done.unit, text: counter.truncate(done.unit.text, Math.min(MERGE_SUMMARY_CAP, quarter)) }] : [],
      );
      shared.summaries = { ...state, level: state.level + 1, units };
    }
    return "again";
  }

  /** Level 1: the files in groups that fit one prompt, and whose summaries fit one reply. */
  private fileJobs(shared: TutorialStore): Job[] {
    const { files, sizing } = this.pipeline;
    const project = shared.input.projectName;
    const groups = levelOneGroups(files, sizing, project);
    this.pipeline.begin("summarize", groups.length, `level 1: ${files.length} files in ${groups.length} groups`);
    return groups.map((group) => {
      const indices = [...new Set(group.map((p) => p.file))];
      return {
        kind: "files",
        files: indices,
        prompt: summarizeFilesPrompt(
          project,
          sizing.room("summarize"),
          indices,
          group.map((p) => p.text),
        ),
      };
    });
  }

  /** Level 2+: neighbouring summaries merged; each is cut to half a group so a group always merges two or more. */
  private mergeJobs(shared: TutorialStore, units: SummaryUnit[]): Job[] {
    const project = shared.input.projectName;
    const groups = mergeGroups(units, this.pipeline.files, this.pipeline.sizing, project);
    const level = (shared.summaries?.level ?? 1) + 1;
    this.pipeline.begin("summarize", groups.length, `level ${level}: merging ${units.length} summaries in ${groups.length} groups`);
    return groups.map((group) => ({ kind: "merge", first: group.first, last: group.last, prompt: group.prompt }));
  }

  private call(job: Job, ctx: NodeContext): CallInfo {
    const [first, last] = job.kind === "files" ? [job.files[0], job.files.at(-1)] : [job.first, job.last];
    const label = `${job.kind === "files" ? "summary" : "merged summary"} of files ${first}${last !== first ? `–${last}` : ""}`;
    return { stage: "summarize", kind: job.kind === "files" ? "summarize" : "merge", label, attempt: ctx.attempt };
  }
}

/** The merge groups of one level: neighbouring units, each cut to half a group so that a group always merges two or more. */
export function mergeGroups(
  units: readonly SummaryUnit[],
  files: readonly SourceFile[],
  sizing: Sizing,
  project: string,
): { first: number; last: number; prompt: string }[] {
  const { counter } = sizing;
  const budget = sizing.room("merge");
  const room =
    budget.budget -
    counter.count(mergeSummariesPrompt(project, { ...budget, budget: Number.POSITIVE_INFINITY }, 0, 0, [])) -
    APPENDED_INSTRUCTION -
    16;
  const path = (i: number) => files[i]?.path ?? "?";
  const texts = units.map((u) => {
    const header = rangeHeader(u.first, u.last, path(u.first), path(u.last));
    return { unit: u, text: `${header}\n${counter.truncate(u.text, Math.floor(room / 2) - counter.count(header) - 8)}` };
  });
  return packGroups(texts, (t) => counter.count(t.text) + 1, room, Number.POSITIVE_INFINITY).map((group) => {
    const first = group[0]!.unit.first;
    const last = group.at(-1)!.unit.last;
    return {
      first,
      last,
      prompt: mergeSummariesPrompt(
        project,
        budget,
        first,
        last,
        group.map((t) => t.text),
      ),
    };
  });
}

/**
 * The files cut into parts no larger than a group (a file too big for one prompt is summarised part
 * by part) and packed, in file order, into groups that each fit one summary prompt and hold no more
 * files than one reply can summarise within the model's output cap.
 */
export function levelOneGroups(files: readonly SourceFile[], sizing: Sizing, project: string): { file: number; text: string }[][] {
  const { counter } = sizing;
  const budget = sizing.room("summarize");
  const room =
    budget.budget -
    counter.count(summarizeFilesPrompt(project, { ...budget, budget: Number.POSITIVE_INFINITY }, [], [])) -
    APPENDED_INSTRUCTION -
    16;
  const pieces: { file: number; text: string }[] = [];
  files.forEach((file, i) => {
    const header = fileHeader(i, file.path, { part: 1, parts: 2 });
    const chunks = counter.chunk(file.content, Math.max(32, Math.floor((room - counter.count(header)) * 0.9) - indexCost(counter, i)));
    chunks.forEach((chunk, k) => {
      pieces.push({ file: i, text: `${fileHeader(i, file.path, { part: k + 1, parts: chunks.length })}\n${chunk}` });
    });
  });
  const perGroup = filesPerGroup(sizing.window, sizing.maxAbstractions);
  return packGroups(
    pieces,
    (piece) => counter.count(piece.text) + indexCost(counter, piece.file) + 1,
    room,
    perGroup,
    (piece) => piece.file,
  );
}

/** What IdentifyAbstractions shows of the codebase: every file in full. */
export function wholeFiles(files: readonly SourceFile[]): string[] {
  return files.map((f, i) => `${fileHeader(i, f.path)}\n${f.content}`);
}

/** What IdentifyAbstractions shows of a summary unit. */
export function renderUnit(files: readonly SourceFile[], unit: SummaryUnit): string {
  const path = (i: number) => files[i]?.path ?? "?";
  return `${rangeHeader(unit.first, unit.last, path(unit.first), path(unit.last))}\n${unit.text}`;
}

/** The tokens IdentifyAbstractions has for the codebase. */
export function identifyRoom(sizing: Sizing, project: string, summarised: boolean): number {
  const room = sizing.room("identify");
  const template = identifyPrompt(
    project,
    { ...room, budget: Number.POSITIVE_INFINITY },
    sizing.lang,
    sizing.maxAbstractions,
    [],
    summarised,
  );
  return room.budget - APPENDED_INSTRUCTION - sizing.counter.count(template);
}

export function fits(sizing: Sizing, sections: readonly string[], room: number): boolean {
  return sizing.counter.count(sizing.counter.pack(sections, Number.POSITIVE_INFINITY)) <= room;
}

/** The cost of naming a file index in the prompt's list of indices. */
function indexCost(counter: Sizing["counter"], index: number): number {
  return counter.count(`${index}, `);
}

/**
 * Consecutive items into groups of total cost at most `room` and at most `maxKeys` distinct keys
 * (files): an item costlier than `room` gets a group of its own.
 */
function packGroups<T>(
  items: readonly T[],
  cost: (item: T) => number,
  room: number,
  maxKeys: number,
  key: (item: T) => unknown = (item) => item,
): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let keys = new Set<unknown>();
  let used = 0;
  for (const item of items) {
    const c = cost(item);
    const newKey = !keys.has(key(item));
    if (current.length > 0 && (used + c > room || (newKey && keys.size >= maxKeys))) {
      groups.push(current);
      current = [];
      keys = new Set();
      used = 0;
    }
    current.push(item);
    keys.add(key(item));
    used += c;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
