import { LLMResponseError, excerpt } from "../errors.js";
import type { FinishReason } from "../finish.js";
import type { HttpRequest } from "../http.js";
import type { Message, ToolChoice, Usage } from "../types.js";

/** A tool as sent on the wire: name, description and JSON Schema. */
export interface WireTool {
  name: string;
  description: string | undefined;
  parameters: Record<string, unknown>;
}

/** What a provider needs to build one request. */
export interface WireOptions {
  model: string;
  tools: readonly WireTool[];
  /** Only set when the call gave one. */
  toolChoice: ToolChoice | undefined;
  temperature: number | undefined;
  /** The reply's cap in tokens. Always set: the client fits it to the model's limits and the prompt. */
  maxOutputTokens: number;
  stream: boolean;
}

/** Where a request goes. */
export interface Endpoint {
  /** The API root, without a trailing slash. */
  baseURL: string;
}

/** A reply before tool arguments are parsed and validated. */
export interface RawReply {
  text: string;
  /** `arguments` is a JSON string (OpenAI) or an already-parsed object (Anthropic, Gemini). */
  toolCalls: Array<{ id: string; name: string; arguments: unknown }>;
  usage: Usage;
  /** The provider's own stop reason; the client unifies it. */
  finishReason: string;
  model: string;
  /** Content parts that were not text or tool calls (images, audio, ...), by type: reported, not crashed on. */
  ignoredParts?: string[];
}

/** One server-sent event. */
export interface ServerEvent {
  event?: string | undefined;
  data: string;
  id?: string | undefined;
}

/** A tool call as a stream builds it: OpenAI and Anthropic send its arguments as JSON in pieces. */
export interface StreamToolCall {
  id: string;
  name: string;
  /** The JSON text so far (or an object, when the provider sends it whole). */
  arguments: string | Record<string, unknown>;
}

/** What a stream has told so far, besides its text. */
export interface StreamProgress {
  usage: Usage;
  finishReason: string;
  /** The provider's end marker was seen: the reply is whole. */
  done: boolean;
  /** Tool calls, by the index the provider gives them. */
  toolCalls: StreamToolCall[];
}

/**
 * One wire format: how to ask, and how to read the answer whole or streamed. The three built in
 * (`openai`, `anthropic`, `gemini`) are objects of this type; to add one, write one (see
 * docs/llm.md, "Adding a provider") and pass it as `createLLM({ provider })` or `registerProvider` it.
 *
 * `parse` and `onEvent` may throw anything on a body they cannot read: the client turns it into
 * an {@link LLMResponseError} carrying the body, never a network error.
 */
export interface Provider {
  /** The name FLOWLET_LLM_PROVIDER uses, and usage events and cache keys carry. Lower case. */
  readonly name: string;
  /** The API root of the provider's own host, used when no base URL is given. */
  readonly defaultBaseURL: string;
  /** An example model name, shown when the model is missing. */
  readonly exampleModel: string;
  /** The request headers that carry the key. */
  authHeaders(apiKey: string): Record<string, string>;
  /** Whether a key is required at `baseURL`. Default: only at {@link Provider.defaultBaseURL}. */
  needsKey?(baseURL: string): boolean;
  /** The request, without auth headers (the client adds {@link Provider.authHeaders}). */
  request(endpoint: Endpoint, messages: readonly Message[], options: WireOptions): HttpRequest;
  /** Reads a whole (non-streamed) reply. */
  parse(body: unknown, model: string): RawReply;
  /** Folds one server-sent event into `progress` and returns the text it adds. */
  onEvent(event: ServerEvent, progress: StreamProgress): string;
  /** True when a conversation ending in an assistant message is continued by the model (Anthropic's prefill): `llm.continue` uses it. */
  readonly prefill?: boolean;
  /** Maps a raw stop reason; default {@link unifyFinishReason}, which knows all three built-in formats. */
  finishReason?(raw: string): FinishReason;
  /** Absent when the provider has no embeddings API. */
  embeddings?: EmbeddingsWire;
}

/** How one provider embeds a batch of texts. */
export interface EmbeddingsWire {
  /** The model used when none is configured; undefined when the server's models cannot be guessed. */
  defaultModel(endpoint: Endpoint): string | undefined;
  /** The request, without auth headers. */
  request(endpoint: Endpoint, texts: readonly string[], model: string): HttpRequest;
  /** One vector per text, in the texts' order; throws {@link LLMResponseError} on anything else. */
  parse(body: unknown, count: number): { vectors: number[][]; inputTokens: number };
}

/** A vector as the reply holds it, checked: a non-empty array of finite numbers. */
export function vector(value: unknown, provider: string, position: number): number[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw new LLMResponseError(
      `${provider} sent embedding #${position} that is not a list of numbers. Check that the embedding model and base URL are right.`,
      bodyText(value),
    );
  }
  return value as number[];
}

/** A reply with the wrong number of embeddings cannot be matched to its texts. */
export function wrongCount(provider: string, got: number, sent: number): never {
  throw new LLMResponseError(
    `${provider} sent ${got} embeddings for ${sent} texts: they cannot be matched up. Check that the server implements the embeddings API.`,
  );
}

export function usage(inputTokens: unknown, outputTokens: unknown, totalTokens?: unknown): Usage {
  const input = typeof inputTokens === "number" ? inputTokens : 0;
  const output = typeof outputTokens === "number" ? outputTokens : 0;
  return { inputTokens: input, outputTokens: output, totalTokens: typeof totalTokens === "number" ? totalTokens : input + output };
}

export const NO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });

/** Parses an event's JSON data into an object, or fails with a clear error naming the provider. */
export function eventJSON(event: ServerEvent, provider: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch {
    throw new LLMResponseError(`${provider} sent a stream event that is not JSON.`, event.data);
  }
  if (!isObject(data)) throw new LLMResponseError(`${provider} sent a stream event that is not a JSON object.`, event.data);
  return data;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string field, or undefined when absent or null; any other type breaks the format. */
export function optionalString(value: unknown, what: string, provider: string, body: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") malformed(provider, body, `${what} is ${describe(value)}, not a string`);
  return value;
}

/** An array field, [] when absent or null; any other type breaks the format. */
export function optionalArray(value: unknown, what: string, provider: string, body: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) malformed(provider, body, `${what} is ${describe(value)}, not a list`);
  return value;
}

function describe(value: unknown): string {
  return Array.isArray(value) ? "a list" : value === null ? "null" : `a ${typeof value}`;
}

/**
 * Text of a content field that may be a string or a list of parts (`[{ type: "text", text }]`, as
 * several OpenAI-compatible servers send): text parts are joined, other parts' types are reported.
 */
export function contentText(content: unknown, what: string, provider: string, body: unknown): { text: string; ignored: string[] } {
  if (content === undefined || content === null) return { text: "", ignored: [] };
  if (typeof content === "string") return { text: content, ignored: [] };
  if (!Array.isArray(content)) malformed(provider, body, `${what} is ${describe(content)}, not text or a list of parts`);
  let text = "";
  const ignored: string[] = [];
  for (const part of content) {
    if (typeof part === "string") text += part;
    else if (
      isObject(part) &&
      typeof part.text === "string" &&
      (part.type === undefined || part.type === "text" || part.type === "output_text")
    )
      text += part.text;
    else ignored.push(isObject(part) && typeof part.type === "string" ? part.type : describe(part));
  }
  return { text, ignored };
}

/** Throws a clear error when a reply body lacks what the format promises. */
export function malformed(provider: string, body: unknown, what?: string): never {
  throw new LLMResponseError(
    `${provider} replied in an unexpected format${what ? ` (${what})` : " (not its documented response shape)"}. Check that the base URL points at a ${provider} API.`,
    bodyText(body),
  );
}

/** A body as text for an error, cut short: JSON.stringify of a huge or odd value must not throw or bloat. */
export function bodyText(body: unknown): string {
  if (typeof body === "string") return excerpt(body, 4000);
  try {
    return excerpt(JSON.stringify(body) ?? String(body), 4000);
  } catch {
    return String(body);
  }
}
