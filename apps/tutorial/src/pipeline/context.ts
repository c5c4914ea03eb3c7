import { type LLM, LLMHTTPError, LLMNetworkError, LLMTimeoutError, type StandardSchemaV1, type UsageEvent } from "@flowlet/llm";
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
  /** Items done per batch stage; a resumed stage starts from what its checkpoint already holds. */
  readonly #counts = new Map<string, { done: number; total: number }>();
  /** Items a resumed checkpoint holds per batch stage, used once by the stage's next `begin`. */
  readonly #resumed = new Map<string, number>();
  /** The transport failure of each call, by label: the client already retried it, so the node does not again. */
  readonly #failed = new Map<string, unknown>();

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
   * Runs one LLM call for `call.label` ("chapter 4"), telling the progress line what it waits for
   * (and which node attempt this is). A call whose last attempt failed in transport (timeout,
   * network, HTTP error) was already retried by the client: a node retry rethrows that failure
   * rather than multiplying the client's attempts by the node's.
   */
  async #call<T>(call: CallInfo, run: () => Promise<T>): Promise<T> {
    const { stage, label, attempt, attempts } = call;
    if (attempt > 0 && this.#failed.has(label)) throw this.#failed.get(label);
    this.progress({ stage, ...this.#counts.get(stage), message: `${label}: waiting for the model${attempt > 0 ? `, retry ${attempt}/${attempts - 1}` : ""}` });
    try {
      return await run();
    } catch (error) {
      if (error instanceof LLMTimeoutError || error instanceof LLMNetworkError || error instanceof LLMHTTPError) this.#failed.set(label, error);
      throw error;
    }
  }

  /** A reply validated by `schema` (YAML); `llm.structured` re-asks with the schema's issues. */
  ask<S extends StandardSchemaV1>(call: CallInfo, prompt: string, schema: S, signal: AbortSignal): Promise<StandardSchemaV1.InferOutput<S>> {
    return this.#call(call, () =>
      this.llm.structured(prompt, schema, { format: "yaml", signal, onUsage: this.#onUsage, ...(this.useCache ? {} : { cache: false }) }),
    );
  }

  /** Free text (a chapter). A retry skips reading the cache, which may hold the reply being retried. */
  write(call: CallInfo, prompt: string, signal: AbortSignal): Promise<string> {
    const cache = !this.useCache ? false : call.attempt > 0 ? "refresh" : undefined;
    return this.#call(call, async () => (await this.llm.chat(prompt, { signal, onUsage: this.#onUsage, ...(cache !== undefined && { cache }) })).text);
  }
}

/** What a call is for, for the progress line and the retry guard: its stage, a label, the node attempt (0-based) of how many. */
export type CallInfo = { stage: string; label: string; attempt: number; attempts: number };
