import type { LLM, StandardSchemaV1, UsageEvent } from "@flowlet/llm";
import type { SourceFile } from "../source/types.js";
import type { Language } from "./prompts.js";

/** A progress report: the stage, how far it is, and the tokens used so far in this process. */
export type ProgressEvent = { stage: string; done?: number; total?: number; tokens?: number; message?: string };

/**
 * What the nodes of one run share besides the store: the LLM client, the source files, and
 * progress reporting. It holds functions and a client, so it lives in the nodes' constructors,
 * never in the (checkpointed, JSON-only) store.
 */
export class RunContext {
  /** Tokens billed in this process (cache hits are free). */
  tokens = 0;
  /** Items done per batch stage, in this process (a resume does not redo, or count, finished ones). */
  readonly #counts = new Map<string, { done: number; total: number }>();

  constructor(
    readonly llm: LLM,
    readonly files: readonly SourceFile[],
    /** Tokens a prompt may use. */
    readonly budget: number,
    readonly lang: Language,
    /** `false` turns the LLM response cache off for this run's calls. */
    readonly useCache: boolean,
    private readonly onProgress: ((event: ProgressEvent) => void) | undefined,
  ) {}

  progress(event: Omit<ProgressEvent, "tokens">): void {
    // A progress display that throws must not fail a run that may have cost real money.
    try {
      this.onProgress?.({ ...event, tokens: this.tokens });
    } catch {}
  }

  /** Starts counting a batch stage ("summarize", "chapters"): reports 0 of `total`. */
  begin(stage: string, total: number, message?: string): void {
    this.#counts.set(stage, { done: 0, total });
    this.progress({ stage, done: 0, total, ...(message && { message }) });
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

  /** A reply validated by `schema` (YAML); `llm.structured` re-asks with the schema's issues. */
  ask<S extends StandardSchemaV1>(prompt: string, schema: S, signal: AbortSignal): Promise<StandardSchemaV1.InferOutput<S>> {
    return this.llm.structured(prompt, schema, { format: "yaml", signal, onUsage: this.#onUsage, ...(this.useCache ? {} : { cache: false }) });
  }

  /** Free text (a chapter). `retry` skips reading the cache, which may hold the reply being retried. */
  async write(prompt: string, signal: AbortSignal, retry = false): Promise<string> {
    const cache = !this.useCache ? false : retry ? "refresh" : undefined;
    const { text } = await this.llm.chat(prompt, { signal, onUsage: this.#onUsage, ...(cache !== undefined && { cache }) });
    return text;
  }
}
