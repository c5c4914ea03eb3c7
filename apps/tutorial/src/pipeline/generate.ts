import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { FileSaver } from "@flowlet/file-saver";
import type { LLM } from "@flowlet/llm";
import { type RunResult, readCheckpoint } from "flowlet";
import type { SourceFile } from "../source/types.js";
import { type CallBudget, type ProgressEvent, RunContext } from "./context.js";
import { PipelineConfigError, PipelineError, ResumeMismatchError } from "./errors.js";
import { BATCH_STAGES, tutorialFlow } from "./flow.js";
import { checkLimits } from "./input.js";
import { language } from "./prompts.js";
import { type RunInput, type TutorialStore, initialStore } from "./store.js";

/** Everything {@link generateTutorial} needs. */
export interface GenerateTutorialInput {
  projectName: string;
  files: SourceFile[];
  /** Linked from index.md when given (a local directory has none). */
  sourceUrl?: string;
  llm: LLM;
  /** The tutorial goes to `outputDir/<projectName>/`. */
  outputDir: string;
  /** "english" (default wording) or any language the chapters should be written in. */
  language: string;
  maxAbstractions: number;
  /** Chapters (and summary groups) written at once. */
  concurrency: number;
  /** The model's context window in tokens; prompts are kept within it. Default: `llm.limits.contextTokens`. */
  contextTokens?: number;
  /** The model's output cap in tokens; every reply is asked to fit it. Default: `llm.limits.maxOutputTokens`. */
  maxOutputTokens?: number;
  /** Requests and time one LLM call may take in all, node retries included. Default: 5 requests, 10 minutes. */
  callBudget?: CallBudget;
  /**
   * `false` bypasses the LLM response cache for every call. The cache itself is the `llm`'s own:
   * create it with `createLLM({ cache: cacheDir })` for `useCache` to have anything to use.
   */
  useCache: boolean;
  cacheDir: string;
  /** Where run checkpoints go (one folder per project). */
  checkpointDir: string;
  /** Continue the project's last run from its checkpoint instead of starting over. */
  resume: boolean;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

/**
 * Turns a codebase into a beginner tutorial: `outputDir/<projectName>/index.md` (summary,
 * relationship diagram, chapter list) and one Markdown file per chapter.
 *
 * The run is checkpointed after every step and every chapter in `checkpointDir`; with `resume`,
 * a run that stopped (crash, Ctrl-C, a 429 after all retries) continues where it stopped, and
 * finished chapters are not asked for again.
 *
 * @throws {PipelineConfigError} for invalid options or no files.
 * @throws {ResumeMismatchError} when `resume` finds a checkpoint made from other inputs.
 */
export async function generateTutorial(input: GenerateTutorialInput): Promise<{ indexPath: string; chapterFiles: string[] }> {
  const window = {
    contextTokens: input.contextTokens ?? input.llm.limits.contextTokens,
    maxOutputTokens: input.maxOutputTokens ?? input.llm.limits.maxOutputTokens,
  };
  checkInput({ ...input, ...window });
  const run = new RunContext({
    llm: input.llm,
    files: input.files,
    window,
    maxAbstractions: input.maxAbstractions,
    lang: language(input.language),
    useCache: input.useCache,
    budget: input.callBudget ?? { maxAttempts: 5, deadlineMs: 600_000 },
    onProgress: input.onProgress,
  });
  const flow = tutorialFlow(run, input.concurrency);
  const runInput = describeInput({ ...input, ...window });
  // A run keeps its newest few full checkpoints (the default retention): enough to resume past a damaged one.
  const saver = new FileSaver(input.checkpointDir);
  const runId = runIdOf(input.projectName);
  let previous = input.resume ? await readCheckpoint(saver, runId) : undefined;
  if (input.resume && !previous) {
    run.progress({
      stage: "resume",
      message: `Nothing to resume: no checkpoint of "${input.projectName}" in ${input.checkpointDir}. Starting a new run.`,
    });
  }
  // A finished run whose output was since deleted is simply run again (the LLM cache makes that cheap).
  const finished = (previous?.shared as Partial<TutorialStore> | undefined)?.output;
  if (previous?.status === "completed") {
    const kept = finished && existsSync(finished.indexPath);
    run.progress({
      stage: "resume",
      message: kept
        ? `Nothing to resume: the last run of "${input.projectName}" finished, and its tutorial is at ${finished.indexPath}.`
        : `Nothing to resume: the last run of "${input.projectName}" finished, but its output is gone. Writing it again (cached replies cost nothing).`,
    });
    if (!kept) previous = undefined;
  }
  let result: RunResult<TutorialStore>;
  if (previous) {
    checkSameInput((previous.shared as Partial<TutorialStore> | null)?.input, runInput, input.checkpointDir);
    if (previous.status !== "completed") run.progress({ stage: "resume", message: `Resuming run "${runId}" after ${previous.node}.` });
    for (const [key, frame] of Object.entries(previous.frames)) {
      const stage = BATCH_STAGES[key];
      if (stage && frame.kind === "batch") run.resumedFrom(stage, Object.keys(frame.done).length);
    }
    result = await flow.resume(runId, { checkpoint: saver, signal: input.signal });
  } else {
    await saver.delete(runId);
    result = await flow.run(initialStore(runInput), { checkpoint: saver, runId, signal: input.signal });
  }
  const output = result.status === "completed" ? result.shared.output : null;
  if (!output)
    throw new PipelineError(
      `The tutorial run "${runId}" ended without writing its output (status ${result.status}). Run again with resume to continue it.`,
    );
  return output;
}

function checkInput(input: GenerateTutorialInput & { contextTokens: number; maxOutputTokens: number }): void {
  if (!input.projectName?.trim()) throw new PipelineConfigError("projectName is empty: name the project (the CLI's --name).");
  if (input.files.length === 0) {
    throw new PipelineConfigError(
      "There are no source files to explain: check the include and exclude patterns and the maximum file size.",
    );
  }
  checkLimits(input);
}

function describeInput(input: GenerateTutorialInput & { contextTokens: number; maxOutputTokens: number }): RunInput {
  const digest = createHash("sha256");
  for (const file of input.files) digest.update(file.path).update("\0").update(file.content).update("\0");
  return {
    projectName: input.projectName,
    sourceUrl: input.sourceUrl || null,
    language: input.language,
    maxAbstractions: input.maxAbstractions,
    contextTokens: input.contextTokens,
    maxOutputTokens: input.maxOutputTokens,
    outputDir: input.outputDir,
    fileCount: input.files.length,
    filesDigest: digest.digest("hex"),
  };
}

/** One run id per project, readable in the checkpoint folder, and distinct for names that differ only in punctuation. */
function runIdOf(projectName: string): string {
  const slug =
    projectName
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 60) || "project";
  return `${slug}-${createHash("sha256").update(projectName).digest("hex").slice(0, 8)}`;
}

function checkSameInput(saved: RunInput | undefined, current: RunInput, checkpointDir: string): void {
  const differs = (Object.keys(current) as (keyof RunInput)[]).filter((key) => saved?.[key] !== current[key]);
  if (differs.length === 0) return;
  const what = differs.map((key) => (key === "filesDigest" || key === "fileCount" ? "the source files" : key));
  throw new ResumeMismatchError(
    `The checkpoint in ${checkpointDir} was made with different ${[...new Set(what)].join(", ")}, so it cannot be resumed with these: run again with the same options, or without resume to start over.`,
  );
}
