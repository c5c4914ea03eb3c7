import { LLMResponseError } from "../errors.js";
import type { Message } from "../types.js";
import { type Provider, type RawReply, eventJSON, malformed, usage } from "./provider.js";

type Json = Record<string, unknown>;
type Block = Json & { type: string };

/** Anthropic requires max_tokens; this is used when the call sets none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;
export const ANTHROPIC_VERSION = "2023-06-01";

/** Anthropic Messages API. */
export const anthropic: Provider = {
  request(connection, messages, options) {
    const headers: Record<string, string> = { "anthropic-version": ANTHROPIC_VERSION };
    if (connection.apiKey) headers["x-api-key"] = connection.apiKey;
    const system = messages.filter((message) => message.role === "system").map((message) => message.content);
    const body: Json = { model: options.model, max_tokens: options.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS, messages: toWire(messages) };
    if (system.length > 0) body.system = system.join("\n\n");
    if (options.temperature !== undefined) body.temperature = options.temperature;
    if (options.tools.length > 0) {
      body.tools = options.tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.parameters }));
    }
    if (options.stream) body.stream = true;
    return { url: `${connection.baseURL}/v1/messages`, headers, body };
  },

  parse(body, model): RawReply {
    const reply = body as { content?: Block[]; usage?: Json; stop_reason?: string; model?: string };
    if (!Array.isArray(reply?.content)) malformed("Anthropic", body);
    return {
      text: reply.content
        .filter((block) => block.type === "text")
        .map((block) => block.text)
        .join(""),
      toolCalls: reply.content
        .filter((block) => block.type === "tool_use")
        .map((block) => ({ id: String(block.id), name: String(block.name), arguments: block.input ?? {} })),
      usage: usage(reply.usage?.input_tokens, reply.usage?.output_tokens),
      finishReason: reply.stop_reason ?? "",
      model: reply.model ?? model,
    };
  },

  onEvent(event, progress) {
    const data = eventJSON(event, "Anthropic") as Json & { type?: string };
    switch (data.type) {
      case "message_start": {
        const message = data.message as { usage?: Json } | undefined;
        progress.usage = usage(message?.usage?.input_tokens, message?.usage?.output_tokens);
        return "";
      }
      case "content_block_delta": {
        const delta = data.delta as { type?: string; text?: string } | undefined;
        return delta?.type === "text_delta" ? (delta.text ?? "") : "";
      }
      case "message_delta": {
        const delta = data.delta as { stop_reason?: string } | undefined;
        const counted = data.usage as Json | undefined;
        if (delta?.stop_reason) progress.finishReason = delta.stop_reason;
        if (typeof counted?.output_tokens === "number") {
          // message_delta's counts are cumulative; input tokens may only appear in message_start.
          progress.usage = usage(counted.input_tokens ?? progress.usage.inputTokens, counted.output_tokens);
        }
        return "";
      }
      case "message_stop":
        progress.done = true;
        return "";
      case "error": {
        const error = data.error as { type?: string; message?: string } | undefined;
        throw new LLMResponseError(`Anthropic reported an error mid-stream (${error?.type ?? "error"}): ${error?.message ?? "unknown"}. Retry the call.`);
      }
      default:
        return "";
    }
  },
};

/** Anthropic turns alternate user/assistant; system goes top-level and tool results ride in user turns. */
function toWire(messages: readonly Message[]): Json[] {
  const turns: Array<{ role: "user" | "assistant"; content: Block[] }> = [];
  for (const message of messages) {
    if (message.role === "system") continue;
    const role = message.role === "assistant" ? "assistant" : "user";
    const blocks: Block[] = [];
    if (message.role === "tool") {
      blocks.push({ type: "tool_result", tool_use_id: message.toolCallId, content: message.content });
    } else {
      if (message.content) blocks.push({ type: "text", text: message.content });
      if (message.role === "assistant") {
        for (const call of message.toolCalls ?? []) blocks.push({ type: "tool_use", id: call.id, name: call.name, input: call.arguments });
      }
    }
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  }
  // A lone text block is sent as a plain string, the API's simplest and most common form.
  return turns.map((turn) => {
    const only = turn.content.length === 1 ? turn.content[0] : undefined;
    return { role: turn.role, content: only?.type === "text" ? only.text : turn.content };
  });
}
