import { type LLMCache, cacheKey, fileCache, save } from "./cache.js";
import { type Connection, type ConnectionInput, ENV, type ProviderName, resolveLLMConfig } from "./config.js";
import { EmbeddingsUnsupportedError, LLMConfigError, LLMError, LLMResponseError, LLMTimeoutError, ToolCallError, TruncatedStreamError, safeURL } from "./errors.js";
import { type ExchangeOptions, type Live, type RetryOptions, exchange } from "./http.js";
import { type Limiter, createLimiter } from "./limiter.js";
import { anthropic } from "./providers/anthropic.js";
import { gemini } from "./providers/gemini.js";
import { openai } from "./providers/openai.js";
import { NO_USAGE, type Provider, type RawReply, type StreamProgress, type WireOptions, type WireTool } from "./providers/provider.js";
import { readEvents } from "./sse.js";
import { type StandardSchemaV1, toJSONSchema, validate } from "./standard-schema.js";
import { type Completion, type StructuredOptions, structured } from "./structured.js";
import { type ChatOptions, type ChatResult, type EmbedOptions, type EmbedResult, type Message, type Prompt, type ToolCall, type ToolSpec, type UsageEvent, toMessages } from "./types.js";

/** Everything `createLLM` accepts. Every field is optional: the connection falls back to FLOWLET_LLM_* variables. */
export interface LLMConfig extends ConnectionInput {
  /** Per attempt; for a stream, the longest silence allowed. Default 120 000 ms. */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** A limiter shared with other clients (see `createLimiter`). Exclusive with maxConcurrency/rpm. */
  limiter?: Limiter;
  /** Shorthand for a limiter of this client alone. */
  maxConcurrency?: number;
  /** Shorthand for a limiter of this client alone. */
  rpm?: number;
  /** A cache, or a directory for a file cache. Default none. */
  cache?: LLMCache | string | false;
  /** Called after every billed call (see `UsageMeter`). */
  onUsage?: (event: UsageEvent) => void;
  /** Defaults for every call. */
  temperature?: number;
  maxTokens?: number;
  /** Extra request headers, e.g. OpenRouter's `HTTP-Referer`. */
  headers?: Record<string, string>;
  /** Where the FLOWLET_LLM_* variables are read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Options of {@link LLM.stream}: tools and the cache do not apply to streams. */
export type StreamOptions = Omit<ChatOptions, "tools" | "cache">;

/** A configured client. Safe to share across nodes, runs and parallel items. */
export interface LLM {
  /** Provider, model and base URL. Its API key is private and redacted from JSON and inspection. */
  readonly connection: Connection;
  /** One call: the reply's text, tool calls and usage. */
  chat(prompt: Prompt, options?: ChatOptions): Promise<ChatResult>;
  /** The reply's text as it is generated. Throws {@link TruncatedStreamError} if the stream breaks off. */
  stream(prompt: Prompt, options?: StreamOptions): AsyncIterable<string>;
  /** Asks for YAML or JSON, parses and validates it, and re-asks with the error until it is valid. */
  structured<S extends StandardSchemaV1>(prompt: Prompt, schema: S, options?: StructuredOptions): Promise<StandardSchemaV1.InferOutput<S>>;
  /**
   * Embeds `texts` with the embedding model (`embeddingModel`, not the chat model): one vector per
   * text, in order. Large inputs go {@link EMBED_BATCH_SIZE} texts per request, one request at a time.
   * Throws {@link EmbeddingsUnsupportedError} on Anthropic, which has no embeddings API.
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<EmbedResult>;
}

/** Texts per embeddings request: Gemini's batchEmbedContents accepts at most 100. */
export const EMBED_BATCH_SIZE = 100;

const PROVIDERS: Record<ProviderName, Provider> = { openai, anthropic, gemini };
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_RETRY: Required<RetryOptions> = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Creates a client from `config`, falling back to the FLOWLET_LLM_* environment variables.
 * Throws {@link LLMConfigError}, naming the variable to set, when no valid LLM is configured.
 */
export function createLLM(config: LLMConfig = {}): LLM {
  const connection = connect(config);
  if (config.limiter && (config.maxConcurrency !== undefined || config.rpm !== undefined)) {
    throw new LLMConfigError("config.limiter", "Give either a shared limiter or maxConcurrency/rpm, not both: set them on the limiter.");
  }
  const limiter = config.limiter ?? (config.maxConcurrency !== undefined || config.rpm !== undefined ? createLimiter({ concurrency: config.maxConcurrency, rpm: config.rpm }) : undefined);
  const cache = typeof config.cache === "string" ? fileCache(config.cache) : config.cache || undefined;
  const provider = PROVIDERS[connection.provider];
  const retry = { ...DEFAULT_RETRY, ...config.retry };

  function exchangeOptions(options: ChatOptions | StreamOptions | EmbedOptions): ExchangeOptions {
    return { retry, timeoutMs: options.timeoutMs ?? config.timeoutMs ?? DEFAULT_TIMEOUT_MS, limiter, signal: options.signal, secret: connection.apiKey };
  }

  function wireOptions(options: ChatOptions, stream: boolean): WireOptions {
    return {
      model: options.model ?? connection.model,
      tools: (options.tools ?? []).map(wireTool),
      temperature: options.temperature ?? config.temperature,
      maxTokens: options.maxTokens ?? config.maxTokens,
      stream,
    };
  }

  function request(messages: readonly Message[], wire: WireOptions) {
    const built = provider.request(connection, messages, wire);
    return { ...built, headers: { ...config.headers, ...built.headers } };
  }

  function reportUsage(raw: Pick<RawReply, "usage" | "model">, options: ChatOptions | StreamOptions | EmbedOptions): void {
    const event: UsageEvent = { provider: connection.provider, model: raw.model, ...raw.usage };
    config.onUsage?.(event);
    options.onUsage?.(event);
  }

  async function complete(messages: readonly Message[], options: ChatOptions, store: boolean): Promise<Completion> {
    const wire = wireOptions(options, false);
    const useCache = cache && options.cache !== false ? cache : undefined;
    const { provider: name, baseURL } = connection;
    const key = useCache ? cacheKey({ version: 1, provider: name, baseURL, model: wire.model, messages, tools: wire.tools, temperature: wire.temperature, maxTokens: wire.maxTokens }) : undefined;
    if (useCache && key && options.cache !== "refresh") {
      const hit = await useCache.get(key);
      if (hit) return { result: await toResult(hit, options.tools, true), raw: hit, key, cache: useCache };
    }
    const httpRequest = request(messages, wire);
    const raw = await exchange(httpRequest, exchangeOptions(options), async (response) => provider.parse(await readJSON(response, httpRequest.url), wire.model));
    reportUsage(raw, options);
    const result = await toResult(raw, options.tools, false);
    if (useCache && key && store) await save(useCache, key, raw);
    return { result, raw, key, cache: useCache };
  }

  async function* streamText(messages: readonly Message[], options: StreamOptions): AsyncGenerator<string> {
    const wire = wireOptions(options, true);
    const httpRequest = request(messages, wire);
    const timeoutMs = options.timeoutMs ?? config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { response, live } = await exchange(httpRequest, exchangeOptions(options), async (response, live: Live) => ({ response, live }), true);
    const progress: StreamProgress = { usage: NO_USAGE, finishReason: "", done: false };
    let text = "";
    try {
      if (response.headers.get("content-type")?.includes("application/json")) {
        // A server that ignores `stream: true` sends the whole reply as one JSON body.
        const whole = provider.parse(await readJSON(response, httpRequest.url), wire.model);
        progress.usage = whole.usage;
        progress.done = true;
        if (whole.text) yield whole.text;
      } else {
        for await (const event of readEvents(response, live)) {
          const delta = provider.onEvent(event, progress);
          // Events already read when the signal fired are dropped: nothing is yielded after an abort.
          options.signal?.throwIfAborted();
          if (delta) {
            text += delta;
            yield delta;
          }
        }
      }
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (error instanceof LLMError) throw error;
      if (live.signal.aborted) throw new LLMTimeoutError(safeURL(httpRequest.url), timeoutMs, 1);
      throw new TruncatedStreamError(safeURL(httpRequest.url), text, error);
    } finally {
      live.finish();
    }
    if (!progress.done) throw new TruncatedStreamError(safeURL(httpRequest.url), text);
    reportUsage({ usage: progress.usage, model: wire.model }, options);
  }

  // From the environment unless the config named a provider: errors then name the variable to set.
  const setting = (field: "provider" | "embeddingModel") => (config.provider === undefined ? ENV[field] : `config.${field}`);

  async function embedAll(texts: readonly string[], options: EmbedOptions): Promise<EmbedResult> {
    const wire = provider.embeddings;
    if (!wire) throw new EmbeddingsUnsupportedError(connection.provider, setting("provider"));
    const model = options.model ?? connection.embeddingModel ?? wire.defaultModel(connection);
    if (!model) {
      throw new LLMConfigError(
        setting("embeddingModel"),
        `Set ${setting("embeddingModel")} to the embedding model to call on ${safeURL(connection.baseURL)} (e.g. nomic-embed-text on Ollama): the chat model usually cannot embed.`,
      );
    }
    const vectors: number[][] = [];
    let inputTokens = 0;
    for (let start = 0; start < texts.length; start += EMBED_BATCH_SIZE) {
      const batch = texts.slice(start, start + EMBED_BATCH_SIZE);
      const built = wire.request(connection, batch, model);
      const httpRequest = { ...built, headers: { ...config.headers, ...built.headers } };
      const reply = await exchange(httpRequest, exchangeOptions(options), async (response) => wire.parse(await readJSON(response, httpRequest.url), batch.length));
      const dimensions = vectors[0]?.length ?? reply.vectors[0]?.length;
      if (reply.vectors.some((vector) => vector.length !== dimensions)) {
        throw new LLMResponseError(`${safeURL(httpRequest.url)} sent embeddings of different lengths in one call: they cannot share an index. Retry the call.`);
      }
      vectors.push(...reply.vectors);
      inputTokens += reply.inputTokens;
      reportUsage({ usage: { inputTokens: reply.inputTokens, outputTokens: 0, totalTokens: reply.inputTokens }, model }, options);
    }
    return { vectors, usage: { inputTokens, outputTokens: 0, totalTokens: inputTokens } };
  }

  return {
    connection,
    embed(texts, options = {}) {
      return embedAll(texts, options);
    },
    async chat(prompt, options = {}) {
      return (await complete(toMessages(prompt), options, true)).result;
    },
    stream(prompt, options = {}) {
      return streamText(toMessages(prompt), options);
    },
    structured(prompt, schema, options = {}) {
      return structured((messages, callOptions) => complete(messages, callOptions, false), toMessages(prompt), schema, options);
    },
  };
}

function connect(config: LLMConfig): Connection {
  const connection = resolveLLMConfig(config.provider === undefined ? {} : config, config.env ?? process.env);
  if (connection) return connection;
  const variable = config.provider === "none" ? "config.provider" : ENV.provider;
  throw new LLMConfigError(variable, `No LLM is configured: set ${variable} to openai (any OpenAI-compatible server), anthropic or gemini, along with ${ENV.model}.`);
}

async function readJSON(response: Response, url: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new LLMResponseError(`${safeURL(url)} answered 200 with a body that is not JSON. Check the base URL.`, text.slice(0, 300));
  }
}

function wireTool(tool: ToolSpec, index: number): WireTool {
  const parameters = tool.parameters ?? (tool.schema ? toJSONSchema(tool.schema) : { type: "object", properties: {} });
  if (!parameters) {
    throw new LLMConfigError(
      `tools[${index}].parameters`,
      `Tool "${tool.name}": its ${tool.schema?.["~standard"].vendor} schema cannot be turned into JSON Schema. Add tools[${index}].parameters (JSON Schema) alongside it.`,
    );
  }
  return { name: tool.name, description: tool.description, parameters };
}

/** Parses and validates tool arguments, so callers get either good calls or a {@link ToolCallError}. */
async function toResult(raw: RawReply, tools: readonly ToolSpec[] | undefined, cached: boolean): Promise<ChatResult> {
  const toolCalls: ToolCall[] = [];
  for (const call of raw.toolCalls) {
    const tool = tools?.find((candidate) => candidate.name === call.name);
    if (!tool) throw new ToolCallError(call.name, call.arguments, [{ message: `no tool named "${call.name}" was offered` }]);
    let args = call.arguments;
    if (typeof args === "string") {
      try {
        args = args.trim() === "" ? {} : JSON.parse(args);
      } catch (error) {
        throw new ToolCallError(call.name, call.arguments, [{ message: `arguments are not valid JSON (${(error as Error).message})` }]);
      }
    }
    if (tool.schema) {
      const checked = await validate(tool.schema, args);
      if (checked.issues) throw new ToolCallError(call.name, call.arguments, checked.issues);
      args = checked.value;
    }
    toolCalls.push({ id: call.id, name: call.name, arguments: args });
  }
  return { text: raw.text, toolCalls, usage: raw.usage, finishReason: raw.finishReason, model: raw.model, cached };
}
