import type { ProviderName } from "../config.js";
import type { Message } from "../types.js";

type Json = Record<string, unknown>;

/** A tool as the fake saw it in the request. */
export interface FakeTool {
  name: string;
  description?: string;
  parameters?: unknown;
}

/** What a provider's request says, read back into provider-neutral terms. */
export interface ParsedRequest {
  model: string;
  /** System prompts first, then the turns; tool results as `role: "tool"` messages. */
  messages: Message[];
  tools: FakeTool[];
  stream: boolean;
  /** The output cap the request asked for, if any. */
  maxOutputTokens: number | undefined;
}

/** A reply ready to render: text, tool calls and token counts. */
export interface Answer {
  text: string;
  toolCalls: Array<{ id: string; name: string; arguments: unknown }>;
  inputTokens: number;
  outputTokens: number;
  finishReason: string | undefined;
  model: string;
  /** OpenAI only: send `message.content` (and stream deltas' content) as this list of parts instead of a string. */
  contentParts?: unknown[] | undefined;
}

/** How one provider's wire format is read and written by the fake. */
export interface FakeWire {
  /** The request path this provider is called on, or undefined if `path` is not one. */
  route(path: string): { model?: string; stream: boolean } | undefined;
  /** The request header that carries the key, and its expected value. */
  auth(apiKey: string): [header: string, value: string];
  parse(body: Json, route: { model?: string; stream: boolean }): ParsedRequest;
  reply(answer: Answer): Json;
  /** The SSE body, as one string per event, deltas split into `pieces`. */
  events(answer: Answer, pieces: readonly string[]): string[];
  error(status: number, message: string, code?: string): Json;
  /** Absent when the provider has no embeddings API. */
  embeddings?: FakeEmbeddingsWire;
}

/** How one provider's embeddings endpoint is read and written by the fake. */
export interface FakeEmbeddingsWire {
  /** The embeddings path, with the model it names, or undefined if `path` is not it. */
  route(path: string): { model?: string } | undefined;
  /** The model and texts, or what is wrong with the request (the real API rejects it too). */
  parse(body: Json, route: { model?: string }): { model: string; inputs: string[] } | string;
  reply(vectors: readonly number[][], model: string, inputTokens: number): Json;
}

function text(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content.map((part) => (typeof part === "string" ? part : typeof part?.text === "string" ? part.text : "")).join("");
  return "";
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

function parseArguments(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Tool results name their call by id only (OpenAI, Anthropic): find the name from the earlier call. */
function nameOf(messages: readonly Message[], id: string): string {
  for (const message of messages) {
    if (message.role === "assistant") for (const call of message.toolCalls ?? []) if (call.id === id) return call.name;
  }
  return "";
}

const sse = (data: unknown, event?: string) =>
  `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;

const openai: FakeWire = {
  route: (path) => (path === "/v1/chat/completions" ? { stream: false } : undefined),
  auth: (apiKey) => ["authorization", `Bearer ${apiKey}`],
  parse(body) {
    const messages: Message[] = [];
    for (const message of (body.messages as Json[] | undefined) ?? []) {
      const content = text(message.content);
      if (message.role === "tool") {
        const id = String(message.tool_call_id);
        messages.push({ role: "tool", toolCallId: id, name: nameOf(messages, id), content });
      } else if (message.role === "assistant") {
        const calls = (message.tool_calls as Array<{ id: string; function: { name: string; arguments: unknown } }> | undefined) ?? [];
        messages.push({
          role: "assistant",
          content,
          toolCalls: calls.map((call) => ({ id: call.id, name: call.function.name, arguments: parseArguments(call.function.arguments) })),
        });
      } else {
        messages.push({ role: message.role === "system" || message.role === "developer" ? "system" : "user", content });
      }
    }
    const tools = ((body.tools as Array<{ function: FakeTool }> | undefined) ?? []).map((tool) => tool.function);
    return {
      model: String(body.model),
      messages,
      tools,
      stream: body.stream === true,
      maxOutputTokens: count(body.max_completion_tokens ?? body.max_tokens),
    };
  },
  reply: (answer) => ({
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: answer.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: answer.contentParts ?? (answer.toolCalls.length > 0 && !answer.text ? null : answer.text),
          ...(answer.toolCalls.length > 0 && {
            tool_calls: answer.toolCalls.map((call) => ({
              id: call.id,
              type: "function",
              function: { name: call.name, arguments: JSON.stringify(call.arguments) },
            })),
          }),
        },
        finish_reason: answer.finishReason ?? (answer.toolCalls.length > 0 ? "tool_calls" : "stop"),
      },
    ],
    usage: {
      prompt_tokens: answer.inputTokens,
      completion_tokens: answer.outputTokens,
      total_tokens: answer.inputTokens + answer.outputTokens,
    },
  }),
  events(answer, pieces) {
    const chunk = (delta: Json, finish: string | null) => ({
      id: "chatcmpl-fake",
      object: "chat.completion.chunk",
      created: Math.floor(Date.now() / 1000),
      model: answer.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    return [
      sse(chunk({ role: "assistant", content: "" }, null)),
      ...pieces.map((piece) => sse(chunk({ content: answer.contentParts ? [{ type: "text", text: piece }] : piece }, null))),
      ...answer.toolCalls.map((call, index) =>
        sse(
          chunk(
            {
              tool_calls: [
                { index, id: call.id, type: "function", function: { name: call.name, arguments: JSON.stringify(call.arguments) } },
              ],
            },
            null,
          ),
        ),
      ),
      sse(chunk({}, answer.finishReason ?? (answer.toolCalls.length > 0 ? "tool_calls" : "stop"))),
      sse({
        id: "chatcmpl-fake",
        object: "chat.completion.chunk",
        model: answer.model,
        choices: [],
        usage: {
          prompt_tokens: answer.inputTokens,
          completion_tokens: answer.outputTokens,
          total_tokens: answer.inputTokens + answer.outputTokens,
        },
      }),
      sse("[DONE]"),
    ];
  },
  error: (status, message, code) => ({
    error: { message, type: status === 429 ? "rate_limit_exceeded" : "invalid_request_error", param: null, code: code ?? null },
  }),
  embeddings: {
    route: (path) => (path === "/v1/embeddings" ? {} : undefined),
    parse(body) {
      const input = typeof body.input === "string" ? [body.input] : body.input;
      if (!Array.isArray(input) || !input.every((item) => typeof item === "string")) return "input must be a string or an array of strings";
      if (typeof body.model !== "string") return "model is required";
      return { model: body.model, inputs: input };
    },
    reply: (vectors, model, inputTokens) => ({
      object: "list",
      data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
      model,
      usage: { prompt_tokens: inputTokens, total_tokens: inputTokens },
    }),
  },
};

const anthropic: FakeWire = {
  route: (path) => (path === "/v1/messages" ? { stream: false } : undefined),
  auth: (apiKey) => ["x-api-key", apiKey],
  parse(body) {
    const messages: Message[] = [];
    const system = text(body.system);
    if (system) messages.push({ role: "system", content: system });
    for (const turn of (body.messages as Json[] | undefined) ?? []) {
      const blocks =
        typeof turn.content === "string" ? [{ type: "text", text: turn.content }] : ((turn.content as Json[] | undefined) ?? []);
      const words = blocks.filter((block) => block.type === "text").map((block) => String(block.text));
      if (turn.role === "assistant") {
        const calls = blocks
          .filter((block) => block.type === "tool_use")
          .map((block) => ({ id: String(block.id), name: String(block.name), arguments: block.input }));
        messages.push({ role: "assistant", content: words.join(""), toolCalls: calls });
        continue;
      }
      for (const block of blocks.filter((block) => block.type === "tool_result")) {
        const id = String(block.tool_use_id);
        messages.push({ role: "tool", toolCallId: id, name: nameOf(messages, id), content: text(block.content) });
      }
      if (words.length > 0) messages.push({ role: "user", content: words.join("") });
    }
    const tools = ((body.tools as Json[] | undefined) ?? []).map((tool) => ({
      name: String(tool.name),
      description: tool.description as string | undefined,
      parameters: tool.input_schema,
    }));
    return { model: String(body.model), messages, tools, stream: body.stream === true, maxOutputTokens: count(body.max_tokens) };
  },
  reply: (answer) => ({
    id: "msg_fake",
    type: "message",
    role: "assistant",
    model: answer.model,
    content: [
      ...(answer.text ? [{ type: "text", text: answer.text }] : []),
      ...answer.toolCalls.map((call) => ({ type: "tool_use", id: call.id, name: call.name, input: call.arguments })),
    ],
    stop_reason: answer.finishReason ?? (answer.toolCalls.length > 0 ? "tool_use" : "end_turn"),
    stop_sequence: null,
    usage: { input_tokens: answer.inputTokens, output_tokens: answer.outputTokens },
  }),
  events: (answer, pieces) => [
    sse(
      {
        type: "message_start",
        message: {
          id: "msg_fake",
          type: "message",
          role: "assistant",
          model: answer.model,
          content: [],
          stop_reason: null,
          usage: { input_tokens: answer.inputTokens, output_tokens: 1 },
        },
      },
      "message_start",
    ),
    sse({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }, "content_block_start"),
    sse({ type: "ping" }, "ping"),
    ...pieces.map((piece) =>
      sse({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: piece } }, "content_block_delta"),
    ),
    sse({ type: "content_block_stop", index: 0 }, "content_block_stop"),
    ...answer.toolCalls.flatMap((call, offset) => {
      const index = offset + 1;
      const json = JSON.stringify(call.arguments);
      const half = Math.floor(json.length / 2);
      return [
        sse(
          { type: "content_block_start", index, content_block: { type: "tool_use", id: call.id, name: call.name, input: {} } },
          "content_block_start",
        ),
        sse(
          { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: json.slice(0, half) } },
          "content_block_delta",
        ),
        sse(
          { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: json.slice(half) } },
          "content_block_delta",
        ),
        sse({ type: "content_block_stop", index }, "content_block_stop"),
      ];
    }),
    sse(
      {
        type: "message_delta",
        delta: { stop_reason: answer.finishReason ?? (answer.toolCalls.length > 0 ? "tool_use" : "end_turn"), stop_sequence: null },
        usage: { output_tokens: answer.outputTokens },
      },
      "message_delta",
    ),
    sse({ type: "message_stop" }, "message_stop"),
  ],
  error: (status, message) => ({
    type: "error",
    error: { type: status === 429 ? "rate_limit_error" : status >= 500 ? "api_error" : "invalid_request_error", message },
  }),
};

const gemini: FakeWire = {
  route(path) {
    const match = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent\?alt=sse)$/.exec(path);
    return match ? { model: decodeURIComponent(match[1] ?? ""), stream: match[2] !== "generateContent" } : undefined;
  },
  auth: (apiKey) => ["x-goog-api-key", apiKey],
  parse(body, route) {
    const messages: Message[] = [];
    const system = ((body.systemInstruction as { parts?: Json[] } | undefined)?.parts ?? [])
      .map((part) => String(part.text ?? ""))
      .join("");
    if (system) messages.push({ role: "system", content: system });
    for (const turn of (body.contents as Array<{ role?: string; parts?: Json[] }> | undefined) ?? []) {
      const parts = turn.parts ?? [];
      const words = parts.filter((part) => typeof part.text === "string").map((part) => String(part.text));
      if (turn.role === "model") {
        const calls = parts
          .filter((part) => part.functionCall)
          .map((part, index) => {
            const call = part.functionCall as { id?: string; name: string; args?: unknown };
            return { id: call.id ?? `call_${index}`, name: call.name, arguments: call.args ?? {} };
          });
        messages.push({ role: "assistant", content: words.join(""), toolCalls: calls });
        continue;
      }
      for (const part of parts.filter((part) => part.functionResponse)) {
        const response = part.functionResponse as { id?: string; name: string; response?: unknown };
        messages.push({
          role: "tool",
          toolCallId: response.id ?? response.name,
          name: response.name,
          content: JSON.stringify(response.response ?? {}),
        });
      }
      if (words.length > 0) messages.push({ role: "user", content: words.join("") });
    }
    const declarations = ((body.tools as Array<{ functionDeclarations?: Json[] }> | undefined) ?? []).flatMap(
      (tool) => tool.functionDeclarations ?? [],
    );
    const tools = declarations.map((tool) => ({
      name: String(tool.name),
      description: tool.description as string | undefined,
      parameters: tool.parametersJsonSchema ?? tool.parameters,
    }));
    const generation = (body.generationConfig as Json | undefined) ?? {};
    return { model: route.model ?? "", messages, tools, stream: route.stream, maxOutputTokens: count(generation.maxOutputTokens) };
  },
  reply: (answer) => ({
    candidates: [
      {
        content: {
          role: "model",
          parts: [
            ...(answer.text ? [{ text: answer.text }] : []),
            ...answer.toolCalls.map((call) => ({ functionCall: { name: call.name, args: call.arguments } })),
          ],
        },
        finishReason: answer.finishReason ?? "STOP",
        index: 0,
      },
    ],
    usageMetadata: {
      promptTokenCount: answer.inputTokens,
      candidatesTokenCount: answer.outputTokens,
      totalTokenCount: answer.inputTokens + answer.outputTokens,
    },
    modelVersion: answer.model,
  }),
  // Gemini separates events with CRLF pairs and marks the last chunk with a finishReason.
  events: (answer, pieces) =>
    (pieces.length > 0 ? pieces : [""]).map((piece, index, all) => {
      const last = index === all.length - 1;
      const chunk = {
        candidates: [
          {
            content: {
              role: "model",
              parts: [
                { text: piece },
                ...(last ? answer.toolCalls.map((call) => ({ functionCall: { name: call.name, args: call.arguments } })) : []),
              ],
            },
            index: 0,
            ...(last && { finishReason: answer.finishReason ?? "STOP" }),
          },
        ],
        usageMetadata: {
          promptTokenCount: answer.inputTokens,
          ...(last && { candidatesTokenCount: answer.outputTokens, totalTokenCount: answer.inputTokens + answer.outputTokens }),
        },
        modelVersion: answer.model,
      };
      return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
    }),
  error: (status, message) => ({
    error: {
      code: status,
      message,
      status: status === 429 ? "RESOURCE_EXHAUSTED" : status >= 500 ? "INTERNAL" : status === 401 ? "UNAUTHENTICATED" : "INVALID_ARGUMENT",
    },
  }),
  embeddings: {
    route(path) {
      const match = /^\/v1beta\/models\/([^/:]+):batchEmbedContents$/.exec(path);
      return match ? { model: decodeURIComponent(match[1] ?? "") } : undefined;
    },
    parse(body, route) {
      const requests = body.requests as Array<{ model?: unknown; content?: { parts?: Json[] } }> | undefined;
      if (!Array.isArray(requests)) return "requests must be an array";
      const inputs: string[] = [];
      for (const [index, request] of requests.entries()) {
        // The real API rejects a batch whose requests name another model than the URL.
        if (request?.model !== `models/${route.model}`) return `requests[${index}].model must be "models/${route.model}", as in the URL`;
        inputs.push(text(request.content?.parts));
      }
      return { model: route.model ?? "", inputs };
    },
    reply: (vectors) => ({ embeddings: vectors.map((values) => ({ values })) }),
  },
};

export const WIRES: Readonly<Record<ProviderName, FakeWire>> = { openai, anthropic, gemini };
