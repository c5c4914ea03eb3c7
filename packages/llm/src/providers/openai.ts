import { DEFAULT_BASE_URLS } from "../config.js";
import { LLMResponseError } from "../errors.js";
import type { Message } from "../types.js";
import { type Provider, type RawReply, eventJSON, malformed, usage, vector, wrongCount } from "./provider.js";

type Json = Record<string, unknown>;

/** OpenAI Chat Completions, spoken by OpenAI and every OpenAI-compatible server. */
export const openai: Provider = {
  request(connection, messages, options) {
    const headers: Record<string, string> = {};
    if (connection.apiKey) headers.authorization = `Bearer ${connection.apiKey}`;
    const body: Json = { model: options.model, messages: messages.map(toWire) };
    if (options.temperature !== undefined) body.temperature = options.temperature;
    // OpenAI's own API wants max_completion_tokens (its reasoning models reject max_tokens);
    // compatible servers know max_tokens.
    if (options.maxTokens !== undefined) body[connection.baseURL === DEFAULT_BASE_URLS.openai ? "max_completion_tokens" : "max_tokens"] = options.maxTokens;
    if (options.tools.length > 0) {
      body.tools = options.tools.map((tool) => ({
        type: "function",
        function: { name: tool.name, description: tool.description, parameters: tool.parameters },
      }));
    }
    if (options.stream) {
      body.stream = true;
      body.stream_options = { include_usage: true };
    }
    return { url: `${connection.baseURL}/chat/completions`, headers, body };
  },

  parse(body, model): RawReply {
    const reply = body as { choices?: Array<{ message?: Json; finish_reason?: string }>; usage?: Json; model?: string };
    const choice = reply?.choices?.[0];
    if (!choice?.message) malformed("The OpenAI-compatible server", body);
    const message = choice.message as { content?: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> };
    return {
      text: message.content ?? "",
      toolCalls: (message.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })),
      usage: usage(reply.usage?.prompt_tokens, reply.usage?.completion_tokens, reply.usage?.total_tokens),
      finishReason: choice.finish_reason ?? "",
      model: reply.model ?? model,
    };
  },

  onEvent(event, progress) {
    if (event.data.trim() === "[DONE]") {
      progress.done = true;
      return "";
    }
    const chunk = eventJSON(event, "The OpenAI-compatible server") as { choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>; usage?: Json | null; error?: { message?: string } };
    if (chunk.error) throw new LLMResponseError(`The server reported an error mid-stream: ${chunk.error.message ?? "unknown"}`);
    if (chunk.usage) progress.usage = usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens, chunk.usage.total_tokens);
    const choice = chunk.choices?.[0];
    if (choice?.finish_reason) {
      // Servers that omit [DONE] still mark the end of the answer with a finish reason.
      progress.finishReason = choice.finish_reason;
      progress.done = true;
    }
    return choice?.delta?.content ?? "";
  },

  embeddings: {
    // Only OpenAI's own models are known; a compatible server's (nomic-embed-text, bge-m3, ...) must be named.
    defaultModel: (connection) => (connection.baseURL === DEFAULT_BASE_URLS.openai ? "text-embedding-3-small" : undefined),
    request(connection, texts, model) {
      const headers: Record<string, string> = {};
      if (connection.apiKey) headers.authorization = `Bearer ${connection.apiKey}`;
      return { url: `${connection.baseURL}/embeddings`, headers, body: { model, input: texts } };
    },
    parse(body, count) {
      const server = "The OpenAI-compatible server";
      const reply = body as { data?: Array<{ index?: unknown; embedding?: unknown }>; usage?: Json };
      if (!Array.isArray(reply?.data)) malformed(server, body);
      if (reply.data.length !== count) wrongCount(server, reply.data.length, count);
      const vectors: number[][] = new Array(count);
      reply.data.forEach((item, position) => {
        // `index` says which input an embedding belongs to; the list need not be in input order.
        const index = item?.index ?? position;
        if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= count || vectors[index]) {
          throw new LLMResponseError(`${server} sent embeddings whose indexes do not match the ${count} texts sent.`, JSON.stringify(item?.index));
        }
        vectors[index] = vector(item.embedding, server, index);
      });
      const tokens = reply.usage?.prompt_tokens;
      return { vectors, inputTokens: typeof tokens === "number" ? tokens : 0 };
    },
  },
};

function toWire(message: Message): Json {
  switch (message.role) {
    case "assistant":
      if (!message.toolCalls?.length) return { role: "assistant", content: message.content };
      return {
        role: "assistant",
        content: message.content || null,
        tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: JSON.stringify(call.arguments) } })),
      };
    case "tool":
      return { role: "tool", tool_call_id: message.toolCallId, content: message.content };
    default:
      return { role: message.role, content: message.content };
  }
}
