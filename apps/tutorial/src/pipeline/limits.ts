import { REASK_EXCERPT_CHARS } from "@flowlet/llm";
import type { Room, Tokens } from "./budget.js";
import type { Language } from "./prompts.js";

/** The LLM calls the pipeline makes. */
export type CallKind = "summarize" | "merge" | "identify" | "relationships" | "order" | "chapter" | "diagram";

/** The model's window and output cap, from `llm.limits` or the caller. */
export interface ModelWindow {
  contextTokens: number;
  maxOutputTokens: number;
}

/** Tokens a level-1 summary of one file takes in the reply: at most 60 words, its YAML keys, and a margin. */
export const SUMMARY_REPLY_PER_FILE = 120;

/** What each kind of reply may need at most, before the model's cap applies. */
function wanted(kind: CallKind, maxAbstractions: number): number {
  switch (kind) {
    case "summarize":
      return 8192;
    case "merge":
      return 1024;
    case "identify":
      // ~100 words of description, a name and a few file indices per abstraction.
      return 500 * maxAbstractions + 500;
    case "relationships":
      return 150 * maxAbstractions + 1500;
    case "order":
      return 40 * maxAbstractions + 300;
    case "chapter":
      return 8192;
    case "diagram":
      return 2048;
  }
}

/**
 * The output cap a call asks for: what its reply may need, within the model's output cap and
 * never more than half the window (so its prompt always has room).
 */
export function replyTokens(kind: CallKind, window: ModelWindow, maxAbstractions: number): number {
  return Math.max(256, Math.min(wanted(kind, maxAbstractions), window.maxOutputTokens, Math.floor(window.contextTokens / 2)));
}

/**
 * Kept free in a structured call's window for `llm.structured`'s re-ask: the failed reply's
 * bounded excerpt (REASK_EXCERPT_CHARS characters: about a quarter of that in English, up to one
 * token a character in other scripts) and the schema's message.
 */
export function reaskReserve(english: boolean): number {
  return (english ? Math.ceil(REASK_EXCERPT_CHARS / 3) : REASK_EXCERPT_CHARS) + 400;
}

/** Message framing and the format line `llm.structured` appends. */
const FRAMING = 48;

/** The most tokens a prompt of `kind` may hold: the window less its reply cap, the re-ask reserve and the framing. */
export function promptTokens(kind: CallKind, window: ModelWindow, maxAbstractions: number, english: boolean): number {
  const reask = kind === "chapter" || kind === "diagram" ? 0 : reaskReserve(english);
  return window.contextTokens - replyTokens(kind, window, maxAbstractions) - reask - FRAMING;
}

/** Files per level-1 summary group, so that the group's reply (one summary per file) fits its cap. */
export function filesPerGroup(window: ModelWindow, maxAbstractions: number): number {
  return Math.max(1, Math.floor((replyTokens("summarize", window, maxAbstractions) - 100) / SUMMARY_REPLY_PER_FILE));
}

/** The words a chapter is asked to stay within, so that it ends before its output cap (code and Markdown cost more tokens than prose). */
export function chapterWords(window: ModelWindow, maxAbstractions: number): number {
  return Math.floor(replyTokens("chapter", window, maxAbstractions) * 0.5);
}

/** How prompts and replies of one run are sized: the model's token counter and window, the run's options. */
export class Sizing {
  constructor(
    readonly counter: Tokens,
    readonly window: ModelWindow,
    readonly maxAbstractions: number,
    readonly lang: Language,
  ) {}

  /** The room a prompt of `kind` has: the window less its reply cap and re-ask reserve. */
  room(kind: CallKind): Room {
    return { tokens: this.counter, budget: promptTokens(kind, this.window, this.maxAbstractions, this.lang.english) };
  }

  /** The output cap a call of `kind` asks for. */
  reply(kind: CallKind): number {
    return replyTokens(kind, this.window, this.maxAbstractions);
  }
}
