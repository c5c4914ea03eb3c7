import type { Abstraction, Relationship } from "./schemas.js";

/**
 * The shared store of one tutorial run. Plain JSON all the way down, because it is checkpointed
 * after every node and chapter. The source files are not in it (they can be large, and the caller
 * has them anyway): a digest of them is, so a resume with different files is refused.
 */
export interface TutorialStore {
  input: RunInput;
  /** Set once the codebase has been found too large for one prompt (see SummarizeFiles). */
  summaries: SummaryState | null;
  abstractions: Abstraction[] | null;
  /** The project summary for index.md. */
  summary: string | null;
  relationships: Relationship[] | null;
  /** Abstraction indices in teaching order. */
  order: number[] | null;
  /** Chapter Markdown, in teaching order. */
  chapters: string[] | null;
  output: { indexPath: string; chapterFiles: string[] } | null;
}

/** What a run was started with: a resume must match it. */
export interface RunInput {
  projectName: string;
  sourceUrl: string | null;
  language: string;
  maxAbstractions: number;
  contextTokens: number;
  maxOutputTokens: number;
  outputDir: string;
  fileCount: number;
  /** sha-256 over every file's path and content. */
  filesDigest: string;
}

/**
 * The map-reduce over the codebase. Level 1 summarises every file; each further level merges
 * neighbouring summaries, until they fit one prompt. `units` are what the next step reads.
 */
export interface SummaryState {
  level: number;
  units: SummaryUnit[];
  /** The level-1 summary of each file, by file index (null for a file not summarised). */
  fileSummaries: (string | null)[];
}

/** A summary of files `first..last` (inclusive; one file when equal). */
export interface SummaryUnit {
  first: number;
  last: number;
  text: string;
}

export function initialStore(input: RunInput): TutorialStore {
  return { input, summaries: null, abstractions: null, summary: null, relationships: null, order: null, chapters: null, output: null };
}
