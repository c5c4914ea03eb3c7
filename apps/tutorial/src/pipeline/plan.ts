import type { SourceFile } from "../source/types.js";
import { Tokens } from "./budget.js";
import { checkLimits } from "./input.js";
import { type ModelWindow, Sizing } from "./limits.js";
import { fits, identifyRoom, levelOneGroups, mergeGroups, renderUnit, wholeFiles } from "./nodes/summarize.js";
import {
  abstractionList,
  chapterPrompt,
  fileHeader,
  identifyPrompt,
  language,
  orderPrompt,
  relationshipsPrompt,
  summarizeFilesPrompt,
} from "./prompts.js";
import type { SummaryUnit } from "./store.js";

/** What a run would cost, for `--dry-run`. */
export interface TutorialPlan {
  /** Prompt tokens all calls send (first attempts; re-asks of invalid replies not counted). */
  estimatedTokens: number;
  /** Reply tokens expected back. */
  estimatedReplyTokens: number;
  /** LLM calls, not counting re-asks of invalid replies. */
  plannedCalls: number;
  /** Whether the files exceed one prompt, so they are summarised first. */
  mapReduce: boolean;
  /** Summary calls per level (level 1 first), when `mapReduce`. */
  summaryCalls: number[];
}

/** The assumptions about what the model answers, where the plan cannot know it before the run. */
const ASSUMED = {
  /** Most files an abstraction names (models name a handful; in a small codebase each file serves one or two). */
  filesPerAbstraction: 6,
  /** A level-1 file summary (the prompt asks for at most 60 words). */
  summary:
    "Defines the request router: it matches a method and a path against registered routes, runs their middleware in order, and hands errors to the error handlers. Depends on the layer and route modules, and exports the Router class used by the application.",
  /** A merged summary (at most 150 words). */
  merged:
    "The HTTP layer turns requests into calls of the application's handlers: the router (12 # src/router.js) matches paths and methods, the layers (13 # src/layer.js) run middleware in order, and the response helpers (15 # src/response.js) send bodies, set headers and render views. The request object parses query strings, cookies and content types; the application wires settings, mounts sub-applications and starts the server.",
  /** An abstraction's description (about 100 words). */
  description:
    "The shared store is the one place where every step reads its input and writes its result. Like a whiteboard in a kitchen: the cook who preps writes what is ready, the next reads it and adds to it. It keeps the steps independent of each other: a step only knows the keys it reads and writes, never who wrote them, so steps can be reordered, reused and tested on their own. It is a plain object, checkpointed after every step, so a run can stop and continue later.",
  /** Reply tokens: per file summary, per merge, per structured step, per chapter. */
  summaryReply: 90,
  mergeReply: 250,
  structuredReply: 1200,
  chapterReply: 2500,
};

/** What {@link planTutorial} needs. */
export interface PlanInput {
  files: readonly SourceFile[];
  maxAbstractions: number;
  /** The model's window, as the run would use it. */
  window: ModelWindow;
  /** The model whose tokenizer counts (an unknown one gets the calibrated estimate). */
  model: string;
  language?: string;
  projectName?: string;
}

/**
 * Estimates a run without making a call, by building the prompts the run would send and counting
 * them with the model's counter: exact for the level-1 summary calls and for the first
 * IdentifyAbstractions prompt; for what depends on the model's answers it assumes replies of the
 * sizes in {@link ASSUMED} (summaries of 60 words, six files per abstraction, spread over the
 * codebase).
 */
export function planTutorial(input: PlanInput): TutorialPlan {
  const { files, maxAbstractions, window, model } = input;
  checkLimits({ maxAbstractions, ...window });
  const project = input.projectName ?? "project";
  const lang = language(input.language ?? "english");
  const sizing = new Sizing(new Tokens(model), window, maxAbstractions, lang);
  const count = (prompt: string) => sizing.counter.count(prompt);
  let sent = 0;
  let replies = 0;
  let calls = 0;
  const summaryCalls: number[] = [];

  const mapReduce = !fits(sizing, wholeFiles(files), identifyRoom(sizing, project, false));
  let units: SummaryUnit[] | undefined;
  if (mapReduce) {
    const groups = levelOneGroups(files, sizing, project);
    for (const group of groups) {
      const indices = [...new Set(group.map((p) => p.file))];
      sent += count(
        summarizeFilesPrompt(
          project,
          sizing.room("summarize"),
          indices,
          group.map((p) => p.text),
        ),
      );
      replies += indices.length * ASSUMED.summaryReply;
    }
    summaryCalls.push(groups.length);
    calls += groups.length;
    units = files.map((_, i) => ({ first: i, last: i, text: ASSUMED.summary }));
    while (
      !fits(
        sizing,
        units.map((u) => renderUnit(files, u)),
        identifyRoom(sizing, project, true),
      )
    ) {
      const merges = mergeGroups(units, files, sizing, project);
      for (const merge of merges) sent += count(merge.prompt);
      replies += merges.length * ASSUMED.mergeReply;
      summaryCalls.push(merges.length);
      calls += merges.length;
      units = merges.map((merge) => ({ first: merge.first, last: merge.last, text: ASSUMED.merged }));
    }
  }
  const identifySections = units ? units.map((u) => renderUnit(files, u)) : wholeFiles(files);
  sent += count(identifyPrompt(project, sizing.room("identify"), lang, maxAbstractions, identifySections, mapReduce));

  // The abstractions the model would name: up to six files each (each file in about one and a
  // half abstractions in a small codebase), spread evenly over the codebase.
  const perAbstraction = Math.max(1, Math.min(ASSUMED.filesPerAbstraction, Math.ceil((files.length * 1.5) / maxAbstractions)));
  const abstractions = Array.from({ length: maxAbstractions }, (_, a) => ({
    name: `Abstraction ${a + 1}`,
    description: ASSUMED.description,
    files: spread(files.length, perAbstraction, a, maxAbstractions),
  }));
  const shown = (index: number) => `${fileHeader(index, files[index]!.path)}\n${units ? ASSUMED.summary : files[index]!.content}`;
  const used = [...new Set(abstractions.flatMap((a) => a.files))].sort((a, b) => a - b);
  sent += count(relationshipsPrompt(project, sizing.room("relationships"), lang, abstractionList(abstractions, true), used.map(shown)));
  const relationshipLines = abstractions.slice(1).map((_, i) => `- ${i + 1} # Abstraction ${i + 2} → ${i} # Abstraction ${i + 1}: uses`);
  sent += count(
    orderPrompt(project, sizing.room("order"), abstractionList(abstractions, false), ASSUMED.description, [relationshipLines.join("\n")]),
  );
  calls += 3;
  replies += 3 * ASSUMED.structuredReply;

  const outline = abstractions
    .map((a, i) => `${i + 1}. ${a.name} (${String(i + 1).padStart(2, "0")}_abstraction_${i + 1}.md)\n   ${a.description}`)
    .join("\n");
  for (const [i, abstraction] of abstractions.entries()) {
    const sections = abstraction.files.map(
      (index) => `${fileHeader(index, files[index]!.path)}\n${units ? `(Summary: ${ASSUMED.summary})\n` : ""}${files[index]!.content}`,
    );
    const brief = {
      project,
      number: i + 1,
      name: abstraction.name,
      description: abstraction.description,
      summary: ASSUMED.description,
      outline,
      relationships: relationshipLines.slice(0, 2),
      words: 1000,
    };
    sent += count(chapterPrompt(brief, sizing.room("chapter"), lang, sections));
  }
  calls += maxAbstractions;
  replies += maxAbstractions * Math.min(ASSUMED.chapterReply, sizing.reply("chapter"));
  return { estimatedTokens: sent, estimatedReplyTokens: replies, plannedCalls: calls, mapReduce, summaryCalls };
}

/** `per` file indices of `count`, for abstraction `which` of `of`: evenly spaced, each abstraction offset from the others. */
function spread(count: number, per: number, which: number, of: number): number[] {
  if (count === 0) return [];
  const step = count / Math.max(1, per * of);
  const picked = new Set<number>();
  for (let k = 0; k < per; k++) picked.add(Math.min(count - 1, Math.floor((k * of + which) * step)));
  return [...picked];
}
