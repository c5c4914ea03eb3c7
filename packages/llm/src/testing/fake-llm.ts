import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { ProviderName } from "../config.js";
import type { Message } from "../types.js";
import { type FakeLimits, contextError, fakeLimits, firstTokens, outputCapError, realTokens } from "./limits.js";
import { type Answer, type FakeTool, WIRES } from "./wire.js";

/** A request the fake received, raw and read back into provider-neutral terms. */
export interface FakeRequest {
  provider: ProviderName;
  /** Which endpoint was called. */
  kind: "chat" | "embeddings";
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The parsed JSON body, exactly as sent. */
  body: Record<string, unknown>;
  model: string;
  /** System prompts first, then the conversation; tool results as `role: "tool"` messages. */
  messages: Message[];
  /** The content of the last user message, "" if none. */
  lastUserText: string;
  tools: FakeTool[];
  stream: boolean;
  /** The texts to embed, for an embeddings request; [] for a chat. */
  inputs: string[];
}

/** How a streamed reply is delivered. */
export interface FakeStreamScript {
  /** Characters per text delta. Default: one delta per word. */
  deltaSize?: number;
  /** Write the body in pieces of this many bytes, splitting events, lines and UTF-8 characters anywhere. */
  splitBytes?: number;
  /** Cut the connection after this many bytes of the body, before the end marker. */
  truncateAfterBytes?: number;
  /** Send these exact body pieces instead of generated events (for hand-written SSE). */
  raw?: ReadonlyArray<string | Uint8Array>;
  /** Pause between writes. */
  pauseMs?: number;
}

/** One scripted reply. A plain string is shorthand for `{ text }`. */
export interface FakeReply {
  text?: string;
  toolCalls?: Array<{ id?: string; name: string; arguments: unknown }>;
  /** Token counts to report. Default: the real (o200k) counts of the prompt and the reply. */
  usage?: { inputTokens?: number; outputTokens?: number };
  /**
   * The finish reason to report, as the provider spells it. Default: the provider's "stop" (or
   * "tool calls"); its "length" when `text` is longer than the request's output cap, and then the
   * text is cut at the cap, mid-word, as a real model's is.
   */
  finishReason?: string;
  /**
   * OpenAI only: send the content as a list of parts, as several OpenAI-compatible servers do.
   * `true` sends `[{ type: "text", text }]`; a list is sent exactly as given.
   */
  contentParts?: true | unknown[];
  /** An error reply in the provider's format: e.g. `{ status: 429, headers: { "retry-after": "1" } }`. */
  status?: number;
  /** The error message, with `status`. */
  error?: string;
  headers?: Record<string, string>;
  /** A raw body sent as is (status 200 unless `status` says otherwise), e.g. invalid JSON. */
  body?: string;
  /** Never answer (`true`), or send the status and headers and then nothing (`"after-headers"`): the client has to time out or abort. */
  hang?: boolean | "after-headers";
  /** Wait this long before answering. */
  delayMs?: number;
  /** Applies when the request asked for a stream. */
  stream?: FakeStreamScript;
}

/** Decides the reply from the request, for rule-based fakes. */
export type FakeHandler = (request: FakeRequest) => FakeReply | string | Promise<FakeReply | string>;

/** One scripted embeddings reply. Without `vectors`, each input gets its {@link fakeEmbedding}. */
export interface FakeEmbeddingsReply extends Pick<FakeReply, "status" | "error" | "headers" | "body" | "hang" | "delayMs"> {
  /** Sent as they are, even if their count is wrong (to test the client's checks). */
  vectors?: number[][];
  /** Tokens to report (OpenAI only). Default: about one per 4 characters. */
  usage?: { inputTokens?: number };
}

/** Decides an embeddings reply from the request (`request.inputs`). */
export type FakeEmbeddingsHandler = (request: FakeRequest) => FakeEmbeddingsReply | Promise<FakeEmbeddingsReply>;

/** Options of {@link startFakeLLM}. */
export interface FakeLLMOptions {
  provider?: ProviderName;
  model?: string;
  /** The key the fake expects (and `config` carries). `false`: no key, none checked. Default "fake-key". */
  apiKey?: string | false;
  /** The embedding model `config` names. Default `fake-<provider>-embedding`. */
  embeddingModel?: string;
  /**
   * The model's context window and output cap, enforced as the real provider does: a prompt over
   * the window (counted with the real o200k tokenizer) gets the provider's real 400, an output cap
   * over the model's gets OpenAI's and Anthropic's 400, a reply longer than the request's cap is
   * cut with finish reason "length" (`max_tokens`, `MAX_TOKENS`). Default: a known model's limits
   * from the table, else 128 000 / 16 384. `config` carries them, so the client knows them too.
   */
  limits?: Partial<FakeLimits>;
}

/** A running fake provider. */
export interface FakeLLM {
  readonly provider: ProviderName;
  /** What `createLLM` needs to talk to this fake. */
  readonly config: {
    provider: ProviderName;
    baseURL: string;
    apiKey?: string;
    model: string;
    embeddingModel: string;
    contextTokens: number;
    maxOutputTokens: number;
  };
  /** Every request received, in order. */
  readonly requests: FakeRequest[];
  /** Queues replies, used one per request before the handler is consulted. */
  enqueue(...replies: Array<FakeReply | string>): FakeLLM;
  /** Answers every request the queue does not: the rule-based mode. */
  respond(handler: FakeHandler): FakeLLM;
  /**
   * Queues embeddings replies, used one per embeddings request (OpenAI and Gemini) before the
   * embeddings handler. Chat and embeddings have separate queues, so a flow can do both.
   */
  enqueueEmbeddings(...replies: FakeEmbeddingsReply[]): FakeLLM;
  /** Answers the embeddings requests the queue does not. Without one, every text gets its {@link fakeEmbedding}. */
  respondEmbeddings(handler: FakeEmbeddingsHandler): FakeLLM;
  /** Replies still queued, chat and embeddings. */
  readonly pending: number;
  close(): Promise<void>;
}

const DEFAULT_KEY = "fake-key";

/**
 * Starts a fake LLM provider on 127.0.0.1, speaking the real wire format of `provider` over real
 * HTTP (JSON and server-sent events), scripted per test with `enqueue` or `respond`.
 */
export async function startFakeLLM(options: FakeLLMOptions = {}): Promise<FakeLLM> {
  const provider = options.provider ?? "openai";
  const model = options.model ?? `fake-${provider}-model`;
  const apiKey = options.apiKey === false ? undefined : (options.apiKey ?? DEFAULT_KEY);
  const wire = WIRES[provider];
  const queue: FakeReply[] = [];
  const embeddingsQueue: FakeEmbeddingsReply[] = [];
  const requests: FakeRequest[] = [];
  let handler: FakeHandler | undefined;
  let embeddingsHandler: FakeEmbeddingsHandler | undefined;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, wire.error(500, `fake LLM failed: ${(error as Error).message}`));
      else res.destroy();
    });
  });

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? "/";
    const embeddingsRoute = req.method === "POST" ? wire.embeddings?.route(path) : undefined;
    const route = req.method === "POST" && !embeddingsRoute ? wire.route(path) : undefined;
    if (!route && !embeddingsRoute) return send(res, 404, wire.error(404, `fake ${provider} LLM: no such endpoint ${req.method} ${path}`));
    if (apiKey !== undefined) {
      const [header, expected] = wire.auth(apiKey);
      if (req.headers[header] !== expected)
        return send(res, 401, wire.error(401, `fake ${provider} LLM: missing or wrong ${header} header`));
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
    } catch {
      return send(res, 400, wire.error(400, "fake LLM: the request body is not JSON"));
    }
    const common = {
      provider,
      method: req.method ?? "POST",
      path,
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : (value ?? "")]),
      ),
      body,
    };
    if (embeddingsRoute && wire.embeddings) {
      const embeddings = wire.embeddings.parse(body, embeddingsRoute);
      if (typeof embeddings === "string") return send(res, 400, wire.error(400, `fake ${provider} LLM: ${embeddings}`));
      const request: FakeRequest = {
        ...common,
        kind: "embeddings",
        ...embeddings,
        messages: [],
        lastUserText: "",
        tools: [],
        stream: false,
      };
      requests.push(request);
      const scripted = embeddingsQueue.shift() ?? (embeddingsHandler ? await embeddingsHandler(request) : {});
      if (await sendScripted(res, scripted)) return;
      const vectors = scripted.vectors ?? embeddings.inputs.map((input) => fakeEmbedding(input));
      const inputTokens = scripted.usage?.inputTokens ?? Math.ceil(embeddings.inputs.reduce((sum, input) => sum + input.length, 0) / 4);
      return send(res, 200, wire.embeddings.reply(vectors, embeddings.model, inputTokens), scripted.headers);
    }
    if (!route) return; // Unreachable: one of the two routes matched.
    const parsed = wire.parse(body, route);
    const request: FakeRequest = {
      ...common,
      kind: "chat",
      ...parsed,
      lastUserText: parsed.messages.findLast((message) => message.role === "user")?.content ?? "",
      inputs: [],
    };
    requests.push(request);

    const scripted = queue.shift() ?? (handler ? normalize(await handler(request)) : undefined);
    if (!scripted) {
      return send(
        res,
        400,
        wire.error(400, `fake ${provider} LLM: nothing scripted for request #${requests.length}. Call enqueue() or respond() first.`),
      );
    }
    // The provider checks the request against the model's limits before anything else.
    const modelName = parsed.model || model;
    const limits = fakeLimits(modelName, options.limits);
    const inputTokens = promptTokens(parsed.messages, parsed.tools);
    const cap = parsed.maxOutputTokens;
    if (cap !== undefined && cap > limits.maxOutputTokens) {
      const error = outputCapError(provider, cap, limits, modelName);
      if (error) return send(res, 400, wire.error(400, error.message, error.code));
    }
    const reserved = provider === "gemini" ? 0 : (cap ?? 0);
    if (inputTokens > limits.contextTokens || inputTokens + reserved > limits.contextTokens) {
      const error = contextError(provider, inputTokens, reserved, limits, modelName);
      return send(res, 400, wire.error(400, error.message, error.code));
    }
    if (await sendScripted(res, scripted)) return;

    let text = scripted.text ?? "";
    const allowed = Math.min(cap ?? limits.maxOutputTokens, limits.maxOutputTokens);
    let outputTokens = text ? realTokens(text) : 1;
    let finishReason = scripted.finishReason;
    if (outputTokens > allowed && scripted.finishReason === undefined) {
      text = firstTokens(text, allowed);
      outputTokens = allowed;
      finishReason = LENGTH[provider];
    }
    const answer: Answer = {
      text,
      toolCalls: (scripted.toolCalls ?? []).map((call, index) => ({
        id: call.id ?? `call_${requests.length}_${index}`,
        name: call.name,
        arguments: call.arguments,
      })),
      inputTokens: scripted.usage?.inputTokens ?? inputTokens,
      outputTokens: scripted.usage?.outputTokens ?? outputTokens,
      finishReason,
      model: modelName,
      contentParts: scripted.contentParts === true ? [{ type: "text", text }] : scripted.contentParts,
    };
    if (!parsed.stream) return send(res, 200, wire.reply(answer), scripted.headers);
    await stream(
      res,
      scripted.stream ?? {},
      scripted.stream?.raw ?? wire.events(answer, split(text, scripted.stream?.deltaSize)),
      scripted.headers,
    );
  }

  /** Delays, hangs, errors and raw bodies, common to every endpoint. True when the reply is dealt with. */
  async function sendScripted(res: ServerResponse, scripted: FakeEmbeddingsReply): Promise<boolean> {
    if (scripted.delayMs) await pause(scripted.delayMs);
    if (scripted.hang === "after-headers") {
      res.writeHead(scripted.status ?? 200, { "content-type": "application/json", ...scripted.headers });
      res.flushHeaders();
      return true;
    }
    if (scripted.hang) return true; // The socket stays open until the client gives up or close() runs.
    if (scripted.status && scripted.status >= 400) {
      send(
        res,
        scripted.status,
        scripted.body ?? wire.error(scripted.status, scripted.error ?? `fake error ${scripted.status}`),
        scripted.headers,
      );
      return true;
    }
    if (scripted.body === undefined) return false;
    send(res, scripted.status ?? 200, scripted.body, scripted.headers);
    return true;
  }

  async function stream(
    res: ServerResponse,
    script: FakeStreamScript,
    pieces: ReadonlyArray<string | Uint8Array>,
    headers: Record<string, string> = {},
  ): Promise<void> {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...headers });
    let bytes = Buffer.concat(pieces.map((piece) => (typeof piece === "string" ? Buffer.from(piece, "utf8") : piece)));
    const truncated = script.truncateAfterBytes !== undefined;
    if (truncated) bytes = bytes.subarray(0, script.truncateAfterBytes);
    const writes: Uint8Array[] = [];
    if (script.splitBytes)
      for (let at = 0; at < bytes.length; at += script.splitBytes) writes.push(bytes.subarray(at, at + script.splitBytes));
    else if (truncated) writes.push(bytes);
    else writes.push(...pieces.map((piece) => (typeof piece === "string" ? Buffer.from(piece, "utf8") : piece)));
    for (const chunk of writes) {
      if (res.destroyed) return;
      await new Promise((resolve) => res.write(chunk, resolve));
      if (script.pauseMs) await pause(script.pauseMs);
      else if (script.splitBytes) await new Promise((resolve) => setImmediate(resolve)); // lets each piece go out on its own
    }
    // A truncated stream dies without the chunked encoding's final chunk, as a dropped connection does.
    if (truncated) res.destroy();
    else res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const root = `http://127.0.0.1:${port}`;

  const fake: FakeLLM = {
    provider,
    config: {
      provider,
      baseURL: provider === "openai" ? `${root}/v1` : root,
      ...(apiKey !== undefined && { apiKey }),
      model,
      embeddingModel: options.embeddingModel ?? `fake-${provider}-embedding`,
      ...fakeLimits(model, options.limits),
    },
    requests,
    enqueue(...replies) {
      queue.push(...replies.map(normalize));
      return fake;
    },
    respond(next) {
      handler = next;
      return fake;
    },
    enqueueEmbeddings(...replies) {
      embeddingsQueue.push(...replies);
      return fake;
    },
    respondEmbeddings(next) {
      embeddingsHandler = next;
      return fake;
    },
    get pending() {
      return queue.length + embeddingsQueue.length;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
  return fake;
}

/** Dimensions of {@link fakeEmbedding}'s vectors. */
export const FAKE_EMBEDDING_DIMENSIONS = 64;

/**
 * The fake's default embedding: a bag of words (4+ letters or digits, lower-cased) hashed into
 * {@link FAKE_EMBEDDING_DIMENSIONS} dimensions. Deterministic, and texts sharing words are close
 * in cosine similarity, so retrieval in a RAG test behaves like the real thing.
 */
export function fakeEmbedding(text: string): number[] {
  const vector = new Array<number>(FAKE_EMBEDDING_DIMENSIONS).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]{4,}/gu) ?? []) {
    let hash = 0x811c9dc5; // FNV-1a
    for (const unit of word) hash = Math.imul(hash ^ (unit.codePointAt(0) ?? 0), 0x01000193) >>> 0;
    vector[hash % FAKE_EMBEDDING_DIMENSIONS]! += 1;
  }
  return vector;
}

/** Each provider's spelling of "cut at the output cap". */
const LENGTH: Readonly<Record<ProviderName, string>> = { openai: "length", anthropic: "max_tokens", gemini: "MAX_TOKENS" };

/** The prompt's real size: message texts, tool calls and tool definitions, plus a few framing tokens per message. */
function promptTokens(messages: readonly Message[], tools: readonly FakeTool[]): number {
  let total = 3;
  for (const message of messages) {
    total += 4 + realTokens(message.content);
    if (message.role === "assistant" && message.toolCalls?.length) total += realTokens(JSON.stringify(message.toolCalls));
  }
  return tools.length > 0 ? total + realTokens(JSON.stringify(tools)) : total;
}

function normalize(reply: FakeReply | string): FakeReply {
  return typeof reply === "string" ? { text: reply } : reply;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Text deltas: fixed-size pieces, or words with their following space. */
function split(text: string, size: number | undefined): string[] {
  const points = Array.from(text);
  if (size)
    return Array.from({ length: Math.ceil(points.length / size) }, (_, index) => points.slice(index * size, (index + 1) * size).join(""));
  return text.match(/\S+\s*|\s+/g) ?? [];
}
