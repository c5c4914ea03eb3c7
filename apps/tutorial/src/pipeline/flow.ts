import { Flow } from "flowlet";
import type { RunContext } from "./context.js";
import { AnalyzeRelationships } from "./nodes/relationships.js";
import { CombineTutorial } from "./nodes/combine.js";
import { IdentifyAbstractions } from "./nodes/identify.js";
import { OrderChapters } from "./nodes/order.js";
import { SummarizeFiles } from "./nodes/summarize.js";
import { WriteChapters } from "./nodes/chapters.js";
import type { TutorialStore } from "./store.js";

/**
 * The batch stages by their place in the graph, which is how a checkpoint keys a batch's finished
 * items (`Checkpoint.frames`): SummarizeFiles is node 0, WriteChapters node 4 (see the wiring below).
 */
export const BATCH_STAGES: Readonly<Record<string, string>> = { "0": "summarize", "4": "chapters" };

/**
 * The pipeline as a graph:
 *
 * SummarizeFiles ⟲ "again" → IdentifyAbstractions → AnalyzeRelationships → OrderChapters → WriteChapters → CombineTutorial
 *
 * SummarizeFiles does nothing when the codebase fits one prompt. Built per run, because the nodes
 * hold that run's LLM client and files; the graph's shape is the same every time, so a checkpoint
 * written by one process resumes in another.
 */
export function tutorialFlow(run: RunContext, concurrency: number): Flow<TutorialStore> {
  const summarize = new SummarizeFiles(run, concurrency);
  summarize.on("again", summarize);
  summarize
    .next(new IdentifyAbstractions(run))
    .next(new AnalyzeRelationships(run))
    .next(new OrderChapters(run))
    .next(new WriteChapters(run, concurrency))
    .next(new CombineTutorial(run));
  // Each summary level at least halves the units, so even a huge codebase needs few loops; this only catches a bug.
  return new Flow(summarize, { name: "Tutorial", maxSteps: 200 });
}
