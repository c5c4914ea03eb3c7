import { LLMResponseError } from "../errors.js";
import type { Message, ToolChoice } from "../types.js";
import {
  type Provider,
  type RawReply,
  type StreamProgress,
  contentText,
  eventJSON,
  isObject,
  malformed,
  optionalArray,
  optionalString,
  usage,
  vector,
  wrongCount,
} from "./provider.js";

type Json = Record<string, unknown>;

const OPENAI_BASE_URL = "https://api.openai.com/v1";
const SERVER = "The OpenAI-compatible server";

/** OpenAI Chat Completions, spoken by OpenAI and every OpenAI-compatible server. */
export const openai: Provider = {
  name: "openai",
  defaultBaseURL: OPENAI_BASE_URL,
  exampleModel: "gpt-4o-mini, or llama3.2 on Ollama",
  authHeaders: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),

  request(endpoint, messages, options) {
    const body: Json = { model: options.model, messages: messages.map(toWire) };
    if (options.temperature !== undefined) body.temperature = options.temperature;
    // OpenAI's own API wants max_completion_tokens (its reasoning models reject max_tokens);
    // compatible servers know max_tokens.
    body[endpoint.baseURL === OPENAI_BASE_URL ? "max_completion_tokens" : "max_tokens"] = options.maxOutputTokens;
    if (options.tools.length > 0) {
      body.tools = options.tools.map((tool) => ({
        type: "function",
        function: { name: tool.name, description: tool.description, parameters: tool.parameters },
      }));
      if (options.toolChoice !== undefined) body.tool_choice = toolChoice(options.toolChoice);
    }
    if (options.stream) {
      body.stream = true;
      body.stream_options = { include_usage: true };
    }
    return { url: `${endpoint.baseURL}/chat/completions`, headers: {}, body };
  },

  parse(body, model): RawReply {
    if (!isObject(body)) malformed(SERVER, body, "the body is not a JSON object");
    const choices = optionalArray(body.choices, "choices", SERVER, body);
    const choice = choices[0];
    if (!isObject(choice) || !isObject(choice.message)) malformed(SERVER, body, "choices[0].message is missing");
    const message = choice.message;
    const { text, ignored } = contentText(message.content, "choices[0].message.content", SERVER, body);
    // Some servers put a refusal beside (or instead of) the content.
    const refusal = optionalString(message.refusal, "choices[0].message.refusal", SERVER, body);
    return {
      text: text || refusal || "",
      toolCalls: optionalArray(message.tool_calls, "choices[0].message.tool_calls", SERVER, body).map((call, index) =>
        toolCall(call, index, body),
      ),
      usage: usageOf(body.usage),
      finishReason: optionalString(choice.finish_reason, "choices[0].finish_reason", SERVER, body) ?? "",
      model: optionalString(body.model, "model", SERVER, body) ?? model,
      ...(ignored.length > 0 && { ignoredParts: ignored }),
    };
  },

  onEvent(event, progress) {
    if (event.data.trim() === "[DONE]") {
      progress.done = true;
      return "";
    }
    const chunk = eventJSON(event, SERVER);
    if (chunk.error !== undefined && chunk.error !== null) {
      const message = isObject(chunk.error) && typeof chunk.error.message === "string" ? chunk.error.message : "unknown";
      throw new LLMResponseError(`The server reported an error mid-stream: ${message}`, event.data);
    }
    if (isObject(chunk.usage)) progress.usage = usageOf(chunk.usage);
    const choice = optionalArray(chunk.choices, "choices", SERVER, event.data)[0];
    if (choice === undefined) return "";
    if (!isObject(choice)) malformed(SERVER, event.data, "choices[0] is not an object");
    const finish = optionalString(choice.finish_reason, "choices[0].finish_reason", SERVER, event.data);
    let text = "";
    if (choice.delta !== undefined && choice.delta !== null) {
      if (!isObject(choice.delta)) malformed(SERVER, event.data, "choices[0].delta is not an object");
      text = contentText(choice.delta.content, "choices[0].delta.content", SERVER, event.data).text;
      for (const piece of optionalArray(choice.delta.tool_calls, "choices[0].delta.tool_calls", SERVER, event.data))
        addToolPiece(piece, progress, event.data);
    }
    if (finish) {
      // Servers that omit [DONE] still mark the end of the answer with a finish reason.
      progress.finishReason = finish;
      progress.done = true;
    }
    return text;
  },

  embeddings: {
    // Only OpenAI's own models are known; a compatible server's (nomic-embed-text, bge-m3, ...) must be named.
    defaultModel: (endpoint) => (endpoint.baseURL === OPENAI_BASE_URL ? "text-embedding-3-small" : undefined),
    request(endpoint, texts, model) {
      return { url: `${endpoint.baseURL}/embeddings`, headers: {}, body: { model, input: texts } };
    },
    parse(body, count) {
      if (!isObject(body) || !Array.isArray(body.data)) malformed(SERVER, body);
      const data = body.data;
      if (data.length !== count) wrongCount(SERVER, data.length, count);
      const vectors: number[][] = new Array(count);
      data.forEach((item: unknown, position) => {
        // `index` says which input an embedding belongs to; the list need not be in input order.
        const index = isObject(item) ? (item.index ?? position) : position;
        if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= count || vectors[index]) {
          throw new LLMResponseError(
            `${SERVER} sent embeddings whose indexes do not match the ${count} texts sent.`,
            JSON.stringify(index) ?? "",
          );
        }
        vectors[index] = vector(isObject(item) ? item.embedding : undefined, SERVER, index);
      });
      const tokens = isObject(body.usage) ? body.usage.prompt_tokens : undefined;
      return { vectors, inputTokens: typeof tokens === "number" ? tokens : 0 };
    },
  },
};

function usageOf(value: unknown) {
  const counts = isObject(value) ? value : {};
  return usage(counts.prompt_tokens, counts.completion_tokens, counts.total_tokens);
}

function toolCall(call: unknown, index: number, body: unknown): RawReply["toolCalls"][number] {
  if (!isObject(call) || !isObject(call.function) || typeof call.function.name !== "string") {
    malformed(SERVER, body, `choices[0].message.tool_calls[${index}] has no function name`);
  }
  const args = call.function.arguments;
  return { id: typeof call.id === "string" ? call.id : `call_${index}`, name: call.function.name, arguments: args ?? "" };
}

/** Stream deltas carry a call's id and name once, then its arguments in pieces, all by `index`. */
function addToolPiece(piece: unknown, progress: StreamProgress, data: string): void {
  if (!isObject(piece)) malformed(SERVER, data, "a tool_calls delta is not an object");
  const index =
    typeof piece.index === "number" && Number.isInteger(piece.index) && piece.index >= 0 && piece.index < 1000
      ? piece.index
      : progress.toolCalls.length;
  const fn = isObject(piece.function) ? piece.function : {};
  const call = progress.toolCalls[index] ?? { id: "", name: "", arguments: "" };
  progress.toolCalls[index] = call;
  if (typeof piece.id === "string" && piece.id) call.id = piece.id;
  if (typeof fn.name === "string" && fn.name) call.name = fn.name;
  if (typeof fn.arguments === "string" && typeof call.arguments === "string") call.arguments += fn.arguments;
}

function toolChoice(choice: ToolChoice): unknown {
  return typeof choice === "string" ? choice : { type: "function", function: { name: choice.name } };
}

function toWire(message: Message): Json {
  switch (message.role) {
    case "assistant":
      if (!message.toolCalls?.length) return { role: "assistant", content: message.content };
      return {
        role: "assistant",
        content: message.content || null,
        tool_calls: message.toolCalls.map((call) => ({
          id: call.id,
          type: "function",
          function: { name: call.name, arguments: JSON.stringify(call.arguments) },
        })),
      };
    case "tool":
      return { role: "tool", tool_call_id: message.toolCallId, content: message.content };
    default:
      return { role: message.role, content: message.content };
  }
}
