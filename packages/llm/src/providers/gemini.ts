import { LLMResponseError } from "../errors.js";
import type { Message } from "../types.js";
import { type Provider, type RawReply, eventJSON, malformed, usage, vector, wrongCount } from "./provider.js";

type Json = Record<string, unknown>;
type Part = { text?: string; thought?: boolean; functionCall?: { id?: string; name: string; args?: unknown } };
type Candidate = { content?: { parts?: Part[] }; finishReason?: string };
type Reply = { candidates?: Candidate[]; usageMetadata?: Json; modelVersion?: string; promptFeedback?: { blockReason?: string } };

/** Google Gemini generateContent (v1beta). */
export const gemini: Provider = {
  request(connection, messages, options) {
    const headers: Record<string, string> = {};
    if (connection.apiKey) headers["x-goog-api-key"] = connection.apiKey;
    const model = encodeURIComponent(options.model.replace(/^models\//, ""));
    const method = options.stream ? "streamGenerateContent?alt=sse" : "generateContent";
    const body: Json = { contents: toWire(messages) };
    const system = messages.filter((message) => message.role === "system").map((message) => message.content);
    if (system.length > 0) body.systemInstruction = { parts: [{ text: system.join("\n\n") }] };
    const generationConfig: Json = {};
    if (options.temperature !== undefined) generationConfig.temperature = options.temperature;
    if (options.maxTokens !== undefined) generationConfig.maxOutputTokens = options.maxTokens;
    if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
    if (options.tools.length > 0) {
      body.tools = [
        { functionDeclarations: options.tools.map((tool) => ({ name: tool.name, description: tool.description, parametersJsonSchema: tool.parameters })) },
      ];
    }
    return { url: `${connection.baseURL}/v1beta/models/${model}:${method}`, headers, body };
  },

  parse(body, model): RawReply {
    const reply = body as Reply;
    const candidate = firstCandidate(reply, body);
    const parts = candidate.content?.parts ?? [];
    return {
      text: textOf(parts),
      toolCalls: parts
        .filter((part) => part.functionCall)
        .map((part, index) => ({ id: part.functionCall?.id ?? `call_${index}`, name: part.functionCall?.name ?? "", arguments: part.functionCall?.args ?? {} })),
      usage: usage(reply.usageMetadata?.promptTokenCount, reply.usageMetadata?.candidatesTokenCount, reply.usageMetadata?.totalTokenCount),
      finishReason: candidate.finishReason ?? "",
      model: reply.modelVersion ?? model,
    };
  },

  onEvent(event, progress) {
    const reply = eventJSON(event, "Gemini") as Reply & { error?: { message?: string } };
    if (reply.error) throw new LLMResponseError(`Gemini reported an error mid-stream: ${reply.error.message ?? "unknown"}. Retry the call.`);
    if (reply.usageMetadata) {
      progress.usage = usage(reply.usageMetadata.promptTokenCount, reply.usageMetadata.candidatesTokenCount, reply.usageMetadata.totalTokenCount);
    }
    const candidate = firstCandidate(reply, reply);
    // Gemini has no end-of-stream event: the chunk carrying a finish reason is the last.
    if (candidate.finishReason) {
      progress.finishReason = candidate.finishReason;
      progress.done = true;
    }
    return textOf(candidate.content?.parts ?? []);
  },

  embeddings: {
    defaultModel: () => "text-embedding-004",
    request(connection, texts, model) {
      const headers: Record<string, string> = {};
      if (connection.apiKey) headers["x-goog-api-key"] = connection.apiKey;
      const name = model.replace(/^models\//, "");
      const requests = texts.map((text) => ({ model: `models/${name}`, content: { parts: [{ text }] } }));
      return { url: `${connection.baseURL}/v1beta/models/${encodeURIComponent(name)}:batchEmbedContents`, headers, body: { requests } };
    },
    parse(body, count) {
      const reply = body as { embeddings?: Array<{ values?: unknown }> };
      if (!Array.isArray(reply?.embeddings)) malformed("Gemini", body);
      if (reply.embeddings.length !== count) wrongCount("Gemini", reply.embeddings.length, count);
      // batchEmbedContents answers in request order and reports no token counts.
      return { vectors: reply.embeddings.map((item, index) => vector(item?.values, "Gemini", index)), inputTokens: 0 };
    },
  },
};

function firstCandidate(reply: Reply, body: unknown): Candidate {
  const candidate = reply?.candidates?.[0];
  if (candidate) return candidate;
  if (reply?.promptFeedback?.blockReason) {
    throw new LLMResponseError(`Gemini blocked the prompt (${reply.promptFeedback.blockReason}). Rephrase it or adjust the safety settings.`);
  }
  return malformed("Gemini", body);
}

/** The answer's text: thought summaries are not part of it. */
function textOf(parts: readonly Part[]): string {
  return parts
    .filter((part) => typeof part.text === "string" && !part.thought)
    .map((part) => part.text)
    .join("");
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
