import { LLMResponseError } from "../errors.js";
import type { Message, ToolChoice } from "../types.js";
import { type Provider, type RawReply, eventJSON, isObject, malformed, optionalString, usage } from "./provider.js";

type Json = Record<string, unknown>;
type Block = Json & { type: string };

export const ANTHROPIC_VERSION = "2023-06-01";
const ANTHROPIC = "Anthropic";

/** Anthropic Messages API. */
export const anthropic: Provider = {
  name: "anthropic",
  defaultBaseURL: "https://api.anthropic.com",
  exampleModel: "claude-sonnet-4-5",
  prefill: true,
  authHeaders: (apiKey) => ({ "x-api-key": apiKey }),

  request(endpoint, messages, options) {
    const headers: Record<string, string> = { "anthropic-version": ANTHROPIC_VERSION };
    const system = messages.filter((message) => message.role === "system").map((message) => message.content);
    // Anthropic requires max_tokens on every request; the client always fits one to the model.
    const body: Json = { model: options.model, max_tokens: options.maxOutputTokens, messages: toWire(messages) };
    if (system.length > 0) body.system = system.join("\n\n");
    if (options.temperature !== undefined) body.temperature = options.temperature;
    if (options.tools.length > 0) {
      body.tools = options.tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.parameters }));
      if (options.toolChoice !== undefined) body.tool_choice = toolChoice(options.toolChoice);
    }
    if (options.stream) body.stream = true;
    return { url: `${endpoint.baseURL}/v1/messages`, headers, body };
  },

  parse(body, model): RawReply {
    if (!isObject(body) || !Array.isArray(body.content)) malformed(ANTHROPIC, body, "content is not a list of blocks");
    let text = "";
    const toolCalls: RawReply["toolCalls"] = [];
    const ignored: string[] = [];
    for (const [index, block] of body.content.entries()) {
      if (!isObject(block)) malformed(ANTHROPIC, body, `content[${index}] is not an object`);
      if (block.type === "text") text += optionalString(block.text, `content[${index}].text`, ANTHROPIC, body) ?? "";
      else if (block.type === "tool_use") {
        if (typeof block.name !== "string") malformed(ANTHROPIC, body, `content[${index}] is a tool_use without a name`);
        toolCalls.push({ id: typeof block.id === "string" ? block.id : `call_${index}`, name: block.name, arguments: block.input ?? {} });
      } else if (block.type !== "thinking" && block.type !== "redacted_thinking")
        ignored.push(typeof block.type === "string" ? block.type : "untyped");
    }
    const counts = isObject(body.usage) ? body.usage : {};
    return {
      text,
      toolCalls,
      usage: usage(counts.input_tokens, counts.output_tokens),
      finishReason: optionalString(body.stop_reason, "stop_reason", ANTHROPIC, body) ?? "",
      model: optionalString(body.model, "model", ANTHROPIC, body) ?? model,
      ...(ignored.length > 0 && { ignoredParts: ignored }),
    };
  },

  onEvent(event, progress) {
    const data = eventJSON(event, ANTHROPIC);
    switch (data.type) {
      case "message_start": {
        const counts = isObject(data.message) && isObject(data.message.usage) ? data.message.usage : {};
        progress.usage = usage(counts.input_tokens, counts.output_tokens);
        return "";
      }
      case "content_block_start": {
        const block = data.content_block;
        if (isObject(block) && block.type === "tool_use" && typeof data.index === "number" && data.index >= 0 && data.index < 1000) {
          const input = isObject(block.input) && Object.keys(block.input).length > 0 ? block.input : "";
          progress.toolCalls[data.index] = {
            id: typeof block.id === "string" ? block.id : `call_${data.index}`,
            name: String(block.name ?? ""),
            arguments: input,
          };
        }
        return "";
      }
      case "content_block_delta": {
        const delta = isObject(data.delta) ? data.delta : {};
        if (delta.type === "text_delta") return optionalString(delta.text, "delta.text", ANTHROPIC, event.data) ?? "";
        if (delta.type === "input_json_delta" && typeof data.index === "number") {
          const call = progress.toolCalls[data.index];
          if (call && typeof call.arguments === "string" && typeof delta.partial_json === "string") call.arguments += delta.partial_json;
        }
        return "";
      }
      case "message_delta": {
        const delta = isObject(data.delta) ? data.delta : {};
        const counted = isObject(data.usage) ? data.usage : {};
        const stop = optionalString(delta.stop_reason, "delta.stop_reason", ANTHROPIC, event.data);
        if (stop) progress.finishReason = stop;
        if (typeof counted.output_tokens === "number") {
          // message_delta's counts are cumulative; input tokens may only appear in message_start.
          progress.usage = usage(counted.input_tokens ?? progress.usage.inputTokens, counted.output_tokens);
        }
        return "";
      }
      case "message_stop":
        progress.done = true;
        return "";
      case "error": {
        const error = isObject(data.error) ? data.error : {};
        throw new LLMResponseError(
          `Anthropic reported an error mid-stream (${String(error.type ?? "error")}): ${String(error.message ?? "unknown")}. Retry the call.`,
          event.data,
        );
      }
      default:
        return "";
    }
  },
};

function toolChoice(choice: ToolChoice): Json {
  if (choice === "auto") return { type: "auto" };
  if (choice === "none") return { type: "none" };
  if (choice === "required") return { type: "any" };
  return { type: "tool", name: choice.name };
}

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
