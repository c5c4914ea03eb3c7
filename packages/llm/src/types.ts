import type { RetryBudget } from "./budget.js";
import type { FinishReason } from "./finish.js";
import type { RetryEvent } from "./http.js";
import type { StandardSchemaV1 } from "./standard-schema.js";

/** A conversation turn, the same for every provider. */
export type Message =
  | { role: "system"; content: string }
  | { role: "user"; content: string }
  | { role: "assistant"; content: string; toolCalls?: readonly ToolCall[] }
  /** The result of a tool call, sent back to the model. `content` is text; JSON-encode objects. */
  | { role: "tool"; toolCallId: string; name: string; content: string };

/** A tool the model may call. Give `schema` (Standard Schema), `parameters` (JSON Schema), or both. */
export interface ToolSpec {
  name: string;
  description?: string;
  /** Validates the arguments of each call. Its JSON Schema is sent too, if the library can produce one (zod ≥ 4.2). */
  schema?: StandardSchemaV1;
  /** JSON Schema of the arguments object. Needed when `schema` cannot describe itself (valibot, arktype). */
  parameters?: Record<string, unknown>;
}

/** A call the model asked for. `arguments` is the schema's output when the tool has a `schema`. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: unknown;
}

/**
 * Whether and which tool the model must call: `auto` (the default: it decides), `none`,
 * `required` (some tool), or `{ name }` (that tool).
 */
export type ToolChoice = "auto" | "none" | "required" | { name: string };

/** Tokens billed for one call. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

/** What `onUsage` receives after every billed call (cache hits are free and not reported). */
export interface UsageEvent extends Usage {
  provider: string;
  model: string;
}

/** How long a call may take and how often it may be retried: shared by chat, stream, structured and embed. */
export interface CallBudgetOptions {
  /** Cancels the call, retries and backoff waits included. Pass `ctx.signal` inside a Node. */
  signal?: AbortSignal;
  /** Per attempt; for a stream, the longest silence allowed. Default 120 000 ms. */
  timeoutMs?: number;
  /** The whole call, retries, backoff and limiter waits included. Default 600 000 ms. */
  deadlineMs?: number;
  /** Requests in all, the first included. Default `retry.maxAttempts` (5). */
  maxAttempts?: number;
  /** A budget shared with other calls (e.g. every retry of a Node): its attempts and deadline apply instead. */
  budget?: RetryBudget;
  /** Told before each retry's wait, e.g. to show "waiting for the model (retry 2/5 in 8 s)". */
  onRetry?: (event: RetryEvent) => void;
  /**
   * Records each request of the call (a re-ask of `structured` is one more) as an `llm` event:
   * pass the node's `ctx`, and a checkpointed run writes it to its event log, where Flowlet Studio
   * shows it (see {@link LLMCallRecord}). Never records headers or the API key.
   */
  record?: CallRecorder;
}

/** Where calls are recorded: a Flowlet node's `ctx` fits (its `emit(data, { log })`). */
export interface CallRecorder {
  emit(data: unknown, options: { log: string }): unknown;
}

/** What {@link CallBudgetOptions.record} emits for each request, under the log type `"llm"`. */
export interface LLMCallRecord extends UsageEvent {
  /** `"chat"` (chat, continue and structured requests), `"stream"` or `"embed"`. */
  call: "chat" | "stream" | "embed";
  durationMs: number;
  /** The unified finish reason (not for embeddings). */
  finishReason?: string;
  /** Dollars, when the LLM's config has `prices` for the model. */
  cost?: number;
  /** Answered from the cache: nothing billed, so its token counts are 0. */
  cached?: true;
  /** The messages sent (not for embeddings, whose texts are not recorded: `texts` counts them). */
  prompt?: Message[];
  reply?: string;
  toolCalls?: ToolCall[];
  texts?: number;
}

/** Options of one call. */
export interface ChatOptions extends CallBudgetOptions {
  tools?: readonly ToolSpec[];
  /** Default `auto`. Ignored without `tools`. */
  toolChoice?: ToolChoice;
  temperature?: number;
  /**
   * The reply's cap in tokens. Default: the model's cap (`llm.limits.defaultOutputTokens`),
   * lowered to what the prompt leaves of the context window.
   */
  maxOutputTokens?: number;
  /** @deprecated The same as `maxOutputTokens`. */
  maxTokens?: number;
  /** Overrides the configured model for this call. */
  model?: string;
  /** `false` skips the cache; `"refresh"` skips reading it but stores a good reply (use it for a retry of a rejected reply). */
  cache?: boolean | "refresh";
  /** Called after this call, in addition to the config's `onUsage`. */
  onUsage?: (event: UsageEvent) => void;
}

/** The reply to a `chat` call. */
export interface ChatResult {
  text: string;
  toolCalls: ToolCall[];
  usage: Usage;
  /**
   * Why the reply ended. `finishReason.unified === "length"` means it was cut at the output cap:
   * `text` is not whole (see `llm.continue`).
   */
  finishReason: FinishReason;
  model: string;
  /** True when the reply came from the cache. */
  cached: boolean;
  /** Content parts that were neither text nor tool calls (an image, audio, ...), by type. Empty as a rule. */
  ignoredParts: string[];
}

/** Options of one `embed` call. */
export interface EmbedOptions extends CallBudgetOptions {
  /** Overrides the configured embedding model for this call. */
  model?: string;
  /** Called after each request, in addition to the config's `onUsage`. */
  onUsage?: (event: UsageEvent) => void;
}

/** The reply to an `embed` call. */
export interface EmbedResult {
  /** One vector per text, in the texts' order. */
  vectors: number[][];
  /** Summed over the call's requests; output tokens are always 0, and Gemini reports none at all. */
  usage: Usage;
}

/** A prompt: one user message, or a whole conversation. */
export type Prompt = string | readonly Message[];

export function toMessages(prompt: Prompt): Message[] {
  return typeof prompt === "string" ? [{ role: "user", content: prompt }] : [...prompt];
}
