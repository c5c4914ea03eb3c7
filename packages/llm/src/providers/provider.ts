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
