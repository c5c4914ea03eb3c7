import type { SourceFile } from "../source/types.js";
import { estimateTokens, promptBudget } from "./budget.js";
import { checkLimits } from "./input.js";
import { FILE_SUMMARY_CAP, MERGE_SUMMARY_CAP, fits, identifyRoomFor, levelOneGroups, wholeFiles } from "./nodes/summarize.js";
import { language } from "./prompts.js";

/** What a run would cost, for `--dry-run`. */
export interface TutorialPlan {
  /** Rough total of prompt and reply tokens over all calls (see {@link planTutorial}). */
  estimatedTokens: number;
  /** LLM calls, not counting re-asks of invalid replies. */
  plannedCalls: number;
  /** Whether the files exceed one prompt, so they are summarised first. */
  mapReduce: boolean;
}

/** Tokens assumed per structured reply, and per chapter. */
const STRUCTURED_REPLY = 1000;
const CHAPTER_REPLY = 2500;
/** The fixed part of a chapter prompt: instructions and outline. */
const CHAPTER_OVERHEAD = 1500;

/**
 * Estimates a run without making a call: the token estimate of `budget.ts` (ASCII characters / 4,
 * other characters 1 each), with `maxAbstractions` chapters, and replies of typical length. Exact
 * for the number of level-1 summary calls; the merge levels assume summaries at their size cap.
 */
export function planTutorial(input: { files: readonly SourceFile[]; maxAbstractions: number; contextTokens: number }): TutorialPlan {
  const { files, maxAbstractions, contextTokens } = input;
  checkLimits({ maxAbstractions, contextTokens });
  const budget = promptBudget(contextTokens);
  const lang = language("english");
  const codebase = estimateTokens(wholeFiles(files).join("\n\n"));
  const mapReduce = !fits(wholeFiles(files), identifyRoomFor("project", budget, lang, maxAbstractions, false));
  let calls = 0;
  let tokens = 0;
  if (mapReduce) {
    const groups = levelOneGroups(files, budget, "project");
    calls += groups.length;
    tokens += codebase + groups.length * (1000 + STRUCTURED_REPLY);
    const room = identifyRoomFor("project", budget, lang, maxAbstractions, true);
    let units = files.length;
    let unitTokens = Math.min(FILE_SUMMARY_CAP, 100) + 20;
    while (units > 1 && units * unitTokens > room) {
      const perGroup = Math.max(2, Math.floor(budget / unitTokens));
      const merges = Math.ceil(units / perGroup);
      calls += merges;
      tokens += units * unitTokens + merges * STRUCTURED_REPLY;
      units = merges;
      unitTokens = MERGE_SUMMARY_CAP + 20;
    }
  }
  const identify = Math.min(budget, codebase);
  const perChapter = Math.min(budget, CHAPTER_OVERHEAD + Math.ceil(codebase / Math.max(1, maxAbstractions)));
  calls += 3 + maxAbstractions;
  tokens += identify + Math.min(budget, codebase) + 1500 + 3 * STRUCTURED_REPLY;
  tokens += maxAbstractions * (perChapter + CHAPTER_REPLY);
  return { estimatedTokens: tokens, plannedCalls: calls, mapReduce };
}
