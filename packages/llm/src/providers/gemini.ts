import { LLMResponseError } from "../errors.js";
import type { Message, ToolChoice } from "../types.js";
import {
  type Provider,
  type RawReply,
  type StreamProgress,
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
const GEMINI = "Gemini";

/** Google Gemini generateContent (v1beta). */
export const gemini: Provider = {
  name: "gemini",
  defaultBaseURL: "https://generativelanguage.googleapis.com",
  exampleModel: "gemini-2.5-flash",
  authHeaders: (apiKey) => ({ "x-goog-api-key": apiKey }),

  request(endpoint, messages, options) {
    const model = encodeURIComponent(options.model.replace(/^models\//, ""));
    const method = options.stream ? "streamGenerateContent?alt=sse" : "generateContent";
    const body: Json = { contents: toWire(messages) };
    const system = messages.filter((message) => message.role === "system").map((message) => message.content);
    if (system.length > 0) body.systemInstruction = { parts: [{ text: system.join("\n\n") }] };
    const generationConfig: Json = { maxOutputTokens: options.maxOutputTokens };
    if (options.temperature !== undefined) generationConfig.temperature = options.temperature;
    body.generationConfig = generationConfig;
    if (options.tools.length > 0) {
      body.tools = [
        {
          functionDeclarations: options.tools.map((tool) => ({
            name: tool.name,
            description: tool.description,
            parametersJsonSchema: tool.parameters,
          })),
        },
      ];
      if (options.toolChoice !== undefined) body.toolConfig = { functionCallingConfig: toolChoice(options.toolChoice) };
    }
    return { url: `${endpoint.baseURL}/v1beta/models/${model}:${method}`, headers: {}, body };
  },

  parse(body, model): RawReply {
    if (!isObject(body)) malformed(GEMINI, body, "the body is not a JSON object");
    const candidate = firstCandidate(body, body);
    const { text, toolCalls, ignored } = partsOf(candidate, body);
    return {
      text,
      toolCalls: toolCalls.map((call, index) => ({ id: call.id ?? `call_${index}`, name: call.name, arguments: call.args })),
      usage: usageOf(body.usageMetadata),
      finishReason: optionalString(candidate.finishReason, "candidates[0].finishReason", GEMINI, body) ?? "",
      model: optionalString(body.modelVersion, "modelVersion", GEMINI, body) ?? model,
      ...(ignored.length > 0 && { ignoredParts: ignored }),
    };
  },

  onEvent(event, progress) {
    const reply = eventJSON(event, GEMINI);
    if (reply.error !== undefined && reply.error !== null) {
      const message = isObject(reply.error) && typeof reply.error.message === "string" ? reply.error.message : "unknown";
      throw new LLMResponseError(`Gemini reported an error mid-stream: ${message}. Retry the call.`, event.data);
    }
    if (isObject(reply.usageMetadata)) progress.usage = usageOf(reply.usageMetadata);
    const candidate = firstCandidate(reply, event.data);
    const { text, toolCalls } = partsOf(candidate, event.data);
    addCalls(toolCalls, progress);
    const finish = optionalString(candidate.finishReason, "candidates[0].finishReason", GEMINI, event.data);
    // Gemini has no end-of-stream event: the chunk carrying a finish reason is the last.
    if (finish) {
      progress.finishReason = finish;
      progress.done = true;
    }
    return text;
  },

  embeddings: {
    defaultModel: () => "text-embedding-004",
    request(endpoint, texts, model) {
      const name = model.replace(/^models\//, "");
      const requests = texts.map((text) => ({ model: `models/${name}`, content: { parts: [{ text }] } }));
      return { url: `${endpoint.baseURL}/v1beta/models/${encodeURIComponent(name)}:batchEmbedContents`, headers: {}, body: { requests } };
    },
    parse(body, count) {
      if (!isObject(body) || !Array.isArray(body.embeddings)) malformed(GEMINI, body);
      const embeddings = body.embeddings;
      if (embeddings.length !== count) wrongCount(GEMINI, embeddings.length, count);
      // batchEmbedContents answers in request order and reports no token counts.
      return {
        vectors: embeddings.map((item: unknown, index) => vector(isObject(item) ? item.values : undefined, GEMINI, index)),
        inputTokens: 0,
      };
    },
  },
};

function usageOf(value: unknown) {
  const counts = isObject(value) ? value : {};
  return usage(counts.promptTokenCount, counts.candidatesTokenCount, counts.totalTokenCount);
}

function firstCandidate(reply: Json, body: unknown): Json {
  const candidate = optionalArray(reply.candidates, "candidates", GEMINI, body)[0];
  if (isObject(candidate)) return candidate;
  if (candidate !== undefined) malformed(GEMINI, body, "candidates[0] is not an object");
  const feedback = isObject(reply.promptFeedback) ? reply.promptFeedback : {};
  if (typeof feedback.blockReason === "string") {
    throw new LLMResponseError(
      `Gemini blocked the prompt (${feedback.blockReason}). Rephrase it or adjust the safety settings.`,
      JSON.stringify(feedback),
    );
  }
  return malformed(GEMINI, body, "no candidates");
}

interface FunctionCall {
  id: string | undefined;
  name: string;
  args: unknown;
}

/** The answer's text (thought summaries are not part of it), its function calls, and the parts it skipped. */
function partsOf(candidate: Json, body: unknown): { text: string; toolCalls: FunctionCall[]; ignored: string[] } {
  const content = candidate.content;
  if (content !== undefined && content !== null && !isObject(content)) malformed(GEMINI, body, "candidates[0].content is not an object");
  const parts = optionalArray(content?.parts, "candidates[0].content.parts", GEMINI, body);
  let text = "";
  const toolCalls: FunctionCall[] = [];
  const ignored: string[] = [];
  for (const [index, part] of parts.entries()) {
    if (!isObject(part)) malformed(GEMINI, body, `parts[${index}] is not an object`);
    if (typeof part.text === "string") {
      if (part.thought !== true) text += part.text;
    } else if (isObject(part.functionCall)) {
      const call = part.functionCall;
      if (typeof call.name !== "string") malformed(GEMINI, body, `parts[${index}].functionCall has no name`);
      toolCalls.push({ id: typeof call.id === "string" ? call.id : undefined, name: call.name, args: call.args ?? {} });
    } else if (part.text !== undefined) malformed(GEMINI, body, `parts[${index}].text is not a string`);
    else ignored.push(Object.keys(part)[0] ?? "empty");
  }
  return { text, toolCalls, ignored };
}

/** Gemini streams each function call whole, in the chunk that carries it. */
function addCalls(calls: readonly FunctionCall[], progress: StreamProgress): void {
  for (const call of calls) {
    const index = progress.toolCalls.length;
    progress.toolCalls.push({ id: call.id ?? `call_${index}`, name: call.name, arguments: isObject(call.args) ? call.args : {} });
  }
}

function toolChoice(choice: ToolChoice): Json {
  if (choice === "auto") return { mode: "AUTO" };
  if (choice === "none") return { mode: "NONE" };
  if (choice === "required") return { mode: "ANY" };
  return { mode: "ANY", allowedFunctionNames: [choice.name] };
}

/** Gemini turns are user/model; system goes to systemInstruction and tool results ride in user turns. */
function toWire(messages: readonly Message[]): Json[] {
  const turns: Array<{ role: "user" | "model"; parts: Json[] }> = [];
  for (const message of messages) {
    if (message.role === "system") continue;
    const role = message.role === "assistant" ? "model" : "user";
    const parts: Json[] = [];
    if (message.role === "tool") {
      parts.push({ functionResponse: { name: message.name, response: toolResponse(message.content) } });
    } else {
      if (message.content) parts.push({ text: message.content });
      if (message.role === "assistant") {
        for (const call of message.toolCalls ?? []) parts.push({ functionCall: { name: call.name, args: call.arguments } });
      }
    }
    const last = turns.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else turns.push({ role, parts });
  }
  return turns;
}

/** functionResponse.response must be an object: JSON objects pass as they are, anything else is wrapped. */
function toolResponse(content: string): Json {
  try {
    const parsed: unknown = JSON.parse(content);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Json;
  } catch {
    // Plain text.
  }
  return { result: content };
}
