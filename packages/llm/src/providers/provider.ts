import type { EventSourceMessage } from "eventsource-parser";
import type { Connection } from "../config.js";
import { LLMResponseError } from "../errors.js";
import type { HttpRequest } from "../http.js";
import type { Message, Usage } from "../types.js";

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
  temperature: number | undefined;
  maxTokens: number | undefined;
  stream: boolean;
}

/** A reply before tool arguments are parsed and validated. */
export interface RawReply {
  text: string;
  /** `arguments` is a JSON string (OpenAI) or an already-parsed object (Anthropic, Gemini). */
  toolCalls: Array<{ id: string; name: string; arguments: unknown }>;
  usage: Usage;
  finishReason: string;
  model: string;
}

/** What a stream has told so far, besides its text. */
export interface StreamProgress {
  usage: Usage;
  finishReason: string;
  /** The provider's end marker was seen: the reply is whole. */
  done: boolean;
}

/** One wire format: how to ask, and how to read the answer whole or streamed. */
export interface Provider {
  request(connection: Connection, messages: readonly Message[], options: WireOptions): HttpRequest;
  parse(body: unknown, model: string): RawReply;
  /** Folds one server-sent event into `progress` and returns the text it adds. */
  onEvent(event: EventSourceMessage, progress: StreamProgress): string;
  /** Absent when the provider has no embeddings API. */
  embeddings?: EmbeddingsWire;
}

/** How one provider embeds a batch of texts. */
export interface EmbeddingsWire {
  /** The model used when none is configured; undefined when the server's models cannot be guessed. */
  defaultModel(connection: Connection): string | undefined;
  request(connection: Connection, texts: readonly string[], model: string): HttpRequest;
  /** One vector per text, in the texts' order; throws {@link LLMResponseError} on anything else. */
  parse(body: unknown, count: number): { vectors: number[][]; inputTokens: number };
}

/** A vector as the reply holds it, checked: a non-empty array of finite numbers. */
export function vector(value: unknown, provider: string, position: number): number[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw new LLMResponseError(`${provider} sent embedding #${position} that is not a list of numbers. Check that the embedding model and base URL are right.`, JSON.stringify(value)?.slice(0, 300));
  }
  return value as number[];
}

/** A reply with the wrong number of embeddings cannot be matched to its texts. */
export function wrongCount(provider: string, got: number, sent: number): never {
  throw new LLMResponseError(`${provider} sent ${got} embeddings for ${sent} texts: they cannot be matched up. Check that the server implements the embeddings API.`);
}

export function usage(inputTokens: unknown, outputTokens: unknown, totalTokens?: unknown): Usage {
  const input = typeof inputTokens === "number" ? inputTokens : 0;
  const output = typeof outputTokens === "number" ? outputTokens : 0;
  return { inputTokens: input, outputTokens: output, totalTokens: typeof totalTokens === "number" ? totalTokens : input + output };
}

export const NO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });

/** Parses an event's JSON data, or fails with a clear error naming the provider. */
export function eventJSON(event: EventSourceMessage, provider: string): Record<string, unknown> {
  try {
    return JSON.parse(event.data) as Record<string, unknown>;
  } catch {
    throw new LLMResponseError(`${provider} sent a stream event that is not JSON.`, event.data.slice(0, 300));
  }
}

/** Throws a clear error when a reply body lacks what the format promises. */
export function malformed(provider: string, body: unknown): never {
  throw new LLMResponseError(`${provider} replied in an unexpected format (not its documented response shape). Check that the base URL points at a ${provider} API.`, JSON.stringify(body)?.slice(0, 300));
}
