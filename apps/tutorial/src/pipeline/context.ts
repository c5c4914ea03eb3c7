import {
  type ChatResult,
  createRetryBudget,
  type LLM,
  LLMError,
  type RetryBudget,
  type RetryEvent,
  type StandardSchemaV1,
  type UsageEvent,
} from "@flowlet/llm";
import type { SourceFile } from "../source/types.js";
import { type Room, Tokens } from "./budget.js";
import { type CallKind, type ModelWindow, Sizing } from "./limits.js";
import type { Language } from "./prompts.js";

/** A progress report: the stage, how far it is, and the tokens used so far in this process. */
export type ProgressEvent = { stage: string; done?: number; total?: number; tokens?: number; message?: string };

/** What a call is for: its stage and kind, a label for the progress line ("chapter 4"), and the node attempt (0-based). */
export type CallInfo = { stage: string; kind: CallKind; label: string; attempt: number };

/** Requests and time one call may take in all, node retries included (see {@link RunContext}). */
export type CallBudget = { maxAttempts: number; deadlineMs: number };

/** What {@link RunContext} is made from. */
export interface RunContextInput {
  llm: LLM;
  files: readonly SourceFile[];
  window: ModelWindow;
  maxAbstractions: number;
  lang: Language;
  /** `false` turns the LLM response cache off for this run's calls. */
  useCache: boolean;
  budget: CallBudget;
  onProgress?: (event: ProgressEvent) => void;
}

/**
 * What the nodes of one run share besides the store: the LLM client, the source files, the token
 * counter and the model's window, and progress reporting. It holds functions and a client, so it
 * lives in the nodes' constructors, never in the (checkpointed, JSON-only) store.
 */
export class RunContext {
  /** Tokens billed in this process (cache hits are free). */
  tokens = 0;
  readonly llm: LLM;
  readonly files: readonly SourceFile[];
  readonly window: ModelWindow;
  readonly maxAbstractions: number;
  readonly lang: Language;
  /** Counts tokens for the run's model. */
  readonly counter: Tokens;
  /** How prompts and replies are sized. */
  readonly sizing: Sizing;
  readonly #useCache: boolean;
  readonly #budget: CallBudget;
  readonly #onProgress: ((event: ProgressEvent) => void) | undefined;
  /** Items done per batch stage; a resumed stage starts from what its checkpoint already holds. */
  readonly #counts = new Map<string, { done: number; total: number }>();
  /** Items a resumed checkpoint holds per batch stage, used once by the stage's next `begin`. */
  readonly #resumed = new Map<string, number>();
  /** One retry budget per call, shared by the node's retries of it, so they cannot multiply the client's. */
  readonly #budgets = new Map<string, RetryBudget>();

  constructor(input: RunContextInput) {
    this.llm = input.llm;
    this.files = input.files;
    this.window = input.window;
    this.maxAbstractions = input.maxAbstractions;
    this.lang = input.lang;
    this.counter = new Tokens(input.llm.limits.model);
    this.sizing = new Sizing(this.counter, input.window, input.maxAbstractions, input.lang);
    this.#useCache = input.useCache;
    this.#budget = input.budget;
    this.#onProgress = input.onProgress;
  }

  /** The room a prompt of `kind` has: the window less its reply cap and re-ask reserve. */
  room(kind: CallKind): Room {
    return this.sizing.room(kind);
  }

  /** The output cap a call of `kind` asks for. */
  reply(kind: CallKind): number {
    return this.sizing.reply(kind);
  }

  progress(event: Omit<ProgressEvent, "tokens">): void {
    // A progress display that throws must not fail a run that may have cost real money.
    try {
      this.#onProgress?.({ ...event, tokens: this.tokens });
    } catch {}
  }

  /** On resume: `done` items of `stage` are already in the checkpoint, so its count continues from there. */
  resumedFrom(stage: string, done: number): void {
    this.#resumed.set(stage, done);
  }

  /** Starts counting a batch stage ("summarize", "chapters"): reports what is done of `total` (0, or what a resume kept). */
  begin(stage: string, total: number, message?: string): void {
    const done = Math.min(total, this.#resumed.get(stage) ?? 0);
    this.#resumed.delete(stage);
    this.#counts.set(stage, { done, total });
    this.progress({ stage, done, total, ...(message && { message }) });
  }

  /** One more item of a batch stage done. */
  advance(stage: string, message?: string): void {
    const count = this.#counts.get(stage) ?? { done: 0, total: 0 };
    count.done++;
    this.progress({ stage, ...count, ...(message && { message }) });
  }

  readonly #onUsage = (event: UsageEvent): void => {
    this.tokens += event.totalTokens;
  };

  /**
   * The options every call shares: its output cap, its retry budget (one per label, so a node's
   * retry continues the same budget rather than starting a new one), and a progress line naming
   * what it waits for and the client's retries ("chapter 4: waiting for the model, retry 2/5 in 8 s").
   */
  #options(call: CallInfo, signal: AbortSignal) {
    const { stage, label } = call;
    let budget = this.#budgets.get(label);
    if (!budget) {
      budget = createRetryBudget(this.#budget);
      this.#budgets.set(label, budget);
    }
    this.progress({
      stage,
      ...this.#counts.get(stage),
      message: `${label}: waiting for the model${call.attempt > 0 ? ` (attempt ${call.attempt + 1})` : ""}`,
    });
    const onRetry = (event: RetryEvent) =>
      this.progress({
        stage,
        ...this.#counts.get(stage),
        message: `${label}: waiting for the model, retry ${event.attempt}/${event.maxAttempts - 1} in ${Math.max(1, Math.round(event.delayMs / 1000))} s (${shortError(event.error)})`,
      });
    return { signal, budget, onRetry, onUsage: this.#onUsage, maxOutputTokens: this.reply(call.kind) };
  }

  /** A reply validated by `schema` (YAML); `llm.structured` re-asks with the schema's issues, and asks again with room when a reply is cut. */
  ask<S extends StandardSchemaV1>(
    call: CallInfo,
    prompt: string,
    schema: S,
    signal: AbortSignal,
  ): Promise<StandardSchemaV1.InferOutput<S>> {
    return this.llm.structured(prompt, schema, {
      format: "yaml",
      ...this.#options(call, signal),
      ...(this.#useCache ? {} : { cache: false }),
    });
  }

  /** Free text (a chapter), with its finish reason. A retry skips reading the cache, which may hold the reply being retried. */
  write(call: CallInfo, prompt: string, signal: AbortSignal): Promise<ChatResult> {
    const cache = !this.#useCache ? false : call.attempt > 0 ? "refresh" : undefined;
    return this.llm.chat(prompt, { ...this.#options(call, signal), ...(cache !== undefined && { cache }) });
  }

  /** Continues a reply cut at its output cap (see `llm.continue`), within the same budget. */
  continue(call: CallInfo, prompt: string, reply: ChatResult, signal: AbortSignal): Promise<ChatResult> {
    return this.llm.continue(prompt, reply, { ...this.#options(call, signal), maxContinuations: 2 });
  }
}

function shortError(error: LLMError): string {
  const message = error instanceof LLMError ? error.message : String(error);
  return message.length > 80 ? `${message.slice(0, 79)}…` : message;
}
