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

/** Options of one call. */
export interface ChatOptions {
  /** Cancels the call, retries and backoff waits included. Pass `ctx.signal` inside a Node. */
  signal?: AbortSignal;
  tools?: readonly ToolSpec[];
  temperature?: number;
  maxTokens?: number;
  /** Overrides the configured model for this call. */
  model?: string;
  /** Per attempt; for a stream, the longest silence allowed. */
  timeoutMs?: number;
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
  /** The provider's own stop reason (`stop`, `end_turn`, `STOP`, `tool_calls`, ...). */
  finishReason: string;
  model: string;
  /** True when the reply came from the cache. */
  cached: boolean;
}

/** Options of one `embed` call. */
export interface EmbedOptions {
  /** Cancels the call, retries and backoff waits included. */
  signal?: AbortSignal;
  /** Overrides the configured embedding model for this call. */
  model?: string;
  /** Per request (texts go 100 per request). */
  timeoutMs?: number;
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
