import { RetryBudget } from "./budget.js";
import { type LLMCache, cacheKey, fileCache, save } from "./cache.js";
import { type Connection, type ConnectionInput, ENV, resolveLLMConfig } from "./config.js";
import { continueReply } from "./continue.js";
import {
  EmbeddingsUnsupportedError,
  LLMConfigError,
  LLMDeadlineError,
  LLMError,
  LLMHTTPError,
  LLMNetworkError,
  LLMResponseError,
  LLMTimeoutError,
  ToolCallError,
  TruncatedStreamError,
  safeURL,
} from "./errors.js";
import { unifyFinishReason } from "./finish.js";
import { type ExchangeOptions, type Live, type RetryOptions, exchange } from "./http.js";
import { type Limiter, createLimiter } from "./limiter.js";
import { type LLMLimits, resolveLimits } from "./limits.js";
import {
  NO_USAGE,
  type Provider,
  type RawReply,
  type StreamProgress,
  type WireOptions,
  type WireTool,
  bodyText,
} from "./providers/provider.js";
import { readEvents } from "./sse.js";
import { type StandardSchemaV1, toJSONSchema, validate } from "./standard-schema.js";
import { type Completion, type StructuredOptions, structured } from "./structured.js";
import { countTokens } from "./tokens.js";
import { type ModelPrice, costOf, priceOf } from "./usage.js";
import {
  type CallBudgetOptions,
  type ChatOptions,
  type ChatResult,
  type EmbedOptions,
  type EmbedResult,
  type LLMCallRecord,
  type Message,
  type Prompt,
  type ToolCall,
  type ToolSpec,
  type UsageEvent,
  toMessages,
} from "./types.js";

/** Everything `createLLM` accepts. Every field is optional: the connection falls back to FLOWLET_LLM_* variables. */
export interface LLMConfig extends ConnectionInput {
  /** Per attempt; for a stream, the longest silence allowed. Default 120 000 ms. */
  timeoutMs?: number;
  /** Per call, every retry and wait included. Default 600 000 ms. */
  deadlineMs?: number;
  retry?: RetryOptions;
  /** Told before each retry's wait (see {@link RetryEvent}). */
  onRetry?: CallBudgetOptions["onRetry"];
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
  /** US dollars per million tokens, by model name prefix (as `UsageMeter`'s): calls recorded with `record` then carry their `cost`. */
  prices?: Readonly<Record<string, ModelPrice>>;
  /** Defaults for every call. */
  temperature?: number;
  /** @deprecated A default reply cap for every call; prefer `maxOutputTokens` (the model's cap) or the per-call option. */
  maxTokens?: number;
  /** Extra request headers, e.g. OpenRouter's `HTTP-Referer`. */
  headers?: Record<string, string>;
  /**
   * Connections tried in order when a call fails in a way retries could not fix (server down,
   * persistent 5xx or 429, timeouts, a reply in the wrong format, 401/404 from that host). Each is
   * a full connection (`provider`, `model`, ...); the rest of this config applies to it too.
   * `embed()` never falls back: vectors from different models do not share a space.
   */
  fallback?: readonly ConnectionInput[];
  /** Where the FLOWLET_LLM_* variables are read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Options of {@link LLM.stream}: the cache does not apply to streams. */
export type StreamOptions = Omit<ChatOptions, "cache">;

/** A streamed reply: iterate it for the text, then ask for the whole result. */
export interface LLMStream extends AsyncIterable<string> {
  /**
   * The whole reply, tool calls and finish reason included, once the stream has ended. Called
   * before or without iterating, it reads the stream itself (and yields nothing afterwards).
   */
  result(): Promise<ChatResult>;
}

/** Options of {@link LLM.continue}. */
export interface ContinueOptions extends ChatOptions {
  /** Further calls at most while the reply keeps hitting its cap. Default 3. */
  maxContinuations?: number;
}

/** A configured client. Safe to share across nodes, runs and parallel items. */
export interface LLM {
  /** Provider, model and base URL. Its API key is private and redacted from JSON and inspection. */
  readonly connection: Connection;
  /** The configured model's context window and output cap, and what they leave for a prompt. */
  readonly limits: LLMLimits;
  /** The same for another model on this connection (a per-call `model`). */
  limitsFor(model: string): LLMLimits;
  /**
   * Tokens in `prompt` for the configured model (or `model`): exact for OpenAI-style models, a
   * conservative estimate elsewhere (see `countTokens`). Counts message texts and a few tokens of
   * framing per message.
   */
  countTokens(prompt: Prompt, model?: string): number;
  /** One call: the reply's text, tool calls, usage and finish reason. */
  chat(prompt: Prompt, options?: ChatOptions): Promise<ChatResult>;
  /**
   * Continues a reply cut at its output cap (`finishReason.unified === "length"`) until it ends or
   * `maxContinuations` more calls were made; returns the joined reply, usage summed.
   */
  continue(prompt: Prompt, reply: ChatResult, options?: ContinueOptions): Promise<ChatResult>;
  /** The reply's text as it is generated. Throws {@link TruncatedStreamError} if the stream breaks off. */
  stream(prompt: Prompt, options?: StreamOptions): LLMStream;
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

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_DEADLINE_MS = 600_000;
const DEFAULT_RETRY = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 30_000, malformedReplies: false };
/** Framing tokens per message (role markers), as OpenAI's chat format spends them. */
const TOKENS_PER_MESSAGE = 4;

/** One connection's client; {@link createLLM} puts the fallbacks behind the first. */
interface Client {
  connection: Connection;
  limitsFor(model: string): LLMLimits;
  countTokens(prompt: Prompt, model?: string): number;
  complete(messages: readonly Message[], options: ChatOptions, store: boolean, budget: RetryBudget): Promise<Completion>;
  stream(
    messages: readonly Message[],
    options: StreamOptions,
    budget: RetryBudget,
    onStart: () => void,
  ): AsyncGenerator<string, ChatResult>;
  embed(texts: readonly string[], options: EmbedOptions, budget: RetryBudget): Promise<EmbedResult>;
}

/**
 * Creates a client from `config`, falling back to the FLOWLET_LLM_* environment variables.
 * Throws {@link LLMConfigError}, naming the variable to set, when no valid LLM is configured.
 */
export function createLLM(config: LLMConfig = {}): LLM {
  const primary = connect(config);
  if (config.limiter && (config.maxConcurrency !== undefined || config.rpm !== undefined)) {
    throw new LLMConfigError("config.limiter", "Give either a shared limiter or maxConcurrency/rpm, not both: set them on the limiter.");
  }
  const limiter =
    config.limiter ??
    (config.maxConcurrency !== undefined || config.rpm !== undefined
      ? createLimiter({ concurrency: config.maxConcurrency, rpm: config.rpm })
      : undefined);
  const cache = typeof config.cache === "string" ? fileCache(config.cache) : config.cache || undefined;
  const retry = { ...DEFAULT_RETRY, ...config.retry };
  const maxAttempts = retry.maxAttempts ?? retry.maxRetries + 1;
  const shared: Shared = { config, limiter, cache, retry };
  const clients = [primary, ...(config.fallback ?? []).map((input, index) => fallbackConnection(input, index))].map((connection) =>
    client(connection, shared),
  );
  const first = clients[0] as Client;

  function budgetFor(options: CallBudgetOptions): RetryBudget {
    return (
      options.budget ??
      new RetryBudget({
        maxAttempts: options.maxAttempts ?? maxAttempts,
        deadlineMs: options.deadlineMs ?? config.deadlineMs ?? DEFAULT_DEADLINE_MS,
      })
    );
  }

  /** Runs `task` on each connection in turn while it fails in a way another connection could fix. */
  async function withFallback<T>(
    options: CallBudgetOptions,
    budget: RetryBudget,
    task: (client: Client, budget: RetryBudget) => Promise<T>,
  ): Promise<T> {
    let current = budget;
    for (const [index, each] of clients.entries()) {
      try {
        return await task(each, current);
      } catch (error) {
        if (index === clients.length - 1 || !canFallBack(error) || options.signal?.aborted) throw error;
        // The next connection gets its own attempts, within what is left of the deadline.
        const remaining = current.remainingMs();
        if (remaining === 0) throw error;
        current = new RetryBudget({ maxAttempts: current.maxAttempts, deadlineMs: remaining });
      }
    }
    throw new LLMConfigError("config.fallback", "No connection to try."); // Unreachable: there is always one.
  }

  async function chat(prompt: Prompt, options: ChatOptions): Promise<ChatResult> {
    const messages = toMessages(prompt);
    return (await withFallback(options, budgetFor(options), (each, budget) => each.complete(messages, options, true, budget))).result;
  }

  function stream(prompt: Prompt, options: StreamOptions): LLMStream {
    const messages = toMessages(prompt);
    return streamHandle(async function* () {
      const budget = budgetFor(options);
      let current = budget;
      for (const [index, each] of clients.entries()) {
        let started = false;
        try {
          return yield* each.stream(messages, options, current, () => (started = true));
        } catch (error) {
          // Once text has been yielded, another connection cannot take over the same reply.
          if (started || index === clients.length - 1 || !canFallBack(error) || options.signal?.aborted || current.remainingMs() === 0)
            throw error;
          current = new RetryBudget({ maxAttempts: current.maxAttempts, deadlineMs: current.remainingMs() });
        }
      }
      throw new LLMConfigError("config.fallback", "No connection to try.");
    });
  }

  const llm: LLM = {
    connection: primary,
    get limits() {
      return first.limitsFor(primary.model);
    },
    limitsFor: (model) => first.limitsFor(model),
    countTokens: (prompt, model) => first.countTokens(prompt, model),
    chat(prompt, options = {}) {
      return chat(prompt, options);
    },
    continue(prompt, reply, options = {}) {
      return continueReply(
        (messages, callOptions) => chat(messages, callOptions),
        toMessages(prompt),
        reply,
        options,
        primary.api.prefill === true,
      );
    },
    stream(prompt, options = {}) {
      return stream(prompt, options);
    },
    structured(prompt, schema, options = {}) {
      // Its maxAttempts counts re-asks; the transport's attempts are the client's (or the budget's).
      const budget = budgetFor({ ...options, maxAttempts: undefined });
      return structured(
        {
          complete: (messages, callOptions) =>
            withFallback(callOptions, budget, (each, current) => each.complete(messages, callOptions, false, current)),
          countTokens: (messages, model) => first.countTokens(messages, model),
          limitsFor: (model) => first.limitsFor(model),
          model: primary.model,
        },
        toMessages(prompt),
        schema,
        options,
      );
    },
    embed(texts, options = {}) {
      return first.embed(texts, options, budgetFor(options));
    },
  };
  return llm;
}

/** A failure that another connection might not have. Cancellations, bad tool arguments and the deadline are not. */
function canFallBack(error: unknown): boolean {
  if (error instanceof LLMDeadlineError) return false;
  return (
    error instanceof LLMHTTPError ||
    error instanceof LLMNetworkError ||
    error instanceof LLMTimeoutError ||
    error instanceof LLMResponseError
  );
}

interface Shared {
  config: LLMConfig;
  limiter: Limiter | undefined;
  cache: LLMCache | undefined;
  retry: typeof DEFAULT_RETRY;
}

function client(connection: Connection, { config, limiter, cache, retry }: Shared): Client {
  const provider: Provider = connection.api;
  const limitsCache = new Map<string, LLMLimits>();

  function limitsFor(model: string): LLMLimits {
    let found = limitsCache.get(model);
    if (!found) {
      found = resolveLimits(model, connection.limitOverrides, connection.limitSource);
      limitsCache.set(model, found);
    }
    return found;
  }

  function tokensOf(prompt: Prompt, model = connection.model): number {
    const messages = toMessages(prompt);
    let total = 3; // the reply's priming
    for (const message of messages) {
      total += TOKENS_PER_MESSAGE + countTokens(message.content, model);
      if (message.role === "assistant" && message.toolCalls?.length) total += countTokens(JSON.stringify(message.toolCalls), model);
    }
    return total;
  }

  function exchangeOptions(options: CallBudgetOptions, budget: RetryBudget): ExchangeOptions {
    return {
      retry,
      budget,
      timeoutMs: options.timeoutMs ?? config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      limiter,
      signal: options.signal,
      onRetry: options.onRetry ?? config.onRetry,
      secret: connection.apiKey,
    };
  }

  /** The reply's cap: as asked, else the model's default, lowered to what the prompt leaves of the window. */
  function outputCap(messages: readonly Message[], tools: readonly WireTool[], options: ChatOptions, model: string): number {
    const asked = options.maxOutputTokens ?? options.maxTokens ?? config.maxTokens;
    if (asked !== undefined) return asked;
    const limits = limitsFor(model);
    // A token covers at least one character (give or take), so short prompts need no counting.
    let chars = tools.length > 0 ? JSON.stringify(tools).length : 0;
    for (const message of messages) chars += message.content.length + 16;
    if (chars + limits.defaultOutputTokens <= limits.contextTokens) return limits.defaultOutputTokens;
    const prompt = tokensOf(messages, model) + (tools.length > 0 ? countTokens(JSON.stringify(tools), model) : 0);
    // When the prompt alone overflows, send a small cap and let the provider say the prompt is too long.
    return Math.max(Math.min(256, limits.defaultOutputTokens), Math.min(limits.defaultOutputTokens, limits.contextTokens - prompt));
  }

  function wireOptions(messages: readonly Message[], options: ChatOptions, stream: boolean): WireOptions {
    const model = options.model ?? connection.model;
    const tools = (options.tools ?? []).map(wireTool);
    return {
      model,
      tools,
      toolChoice: options.toolChoice,
      temperature: options.temperature ?? config.temperature,
      maxOutputTokens: outputCap(messages, tools, options, model),
      stream,
    };
  }

  function request(messages: readonly Message[], wire: WireOptions) {
    const built = provider.request(connection, messages, wire);
    return { ...built, headers: { ...config.headers, ...built.headers, ...auth() } };
  }

  function auth(): Record<string, string> {
    return connection.apiKey ? provider.authHeaders(connection.apiKey) : {};
  }

  /** Emits `record` to `options.record`, with the API key scrubbed from every string in it. */
  async function recordCall(options: CallBudgetOptions, record: LLMCallRecord): Promise<void> {
    if (!options.record) return;
    const price = config.prices && priceOf(config.prices, record.model);
    const priced = price ? { ...record, cost: costOf(record, price) } : record;
    await options.record.emit(scrub(priced, connection.apiKey), { log: "llm" });
  }

  function reportUsage(raw: Pick<RawReply, "usage" | "model">, options: ChatOptions | StreamOptions | EmbedOptions): void {
    const event: UsageEvent = { provider: connection.provider, model: raw.model, ...raw.usage };
    config.onUsage?.(event);
    options.onUsage?.(event);
  }

  /** Reads a whole body: transport failures stay transport failures, anything unreadable is an LLMResponseError. */
  async function readReply<T>(response: Response, url: string, parse: (body: unknown) => T): Promise<T> {
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new LLMResponseError(`${safeURL(url)} answered ${response.status} with a body that is not JSON. Check the base URL.`, text);
    }
    return guard(() => parse(body), url, text);
  }

  async function complete(messages: readonly Message[], options: ChatOptions, store: boolean, budget: RetryBudget): Promise<Completion> {
    const wire = wireOptions(messages, options, false);
    const useCache = cache && options.cache !== false ? cache : undefined;
    const { provider: name, baseURL } = connection;
    const key = useCache
      ? cacheKey({
          version: 1,
          provider: name,
          baseURL,
          model: wire.model,
          messages,
          tools: wire.tools,
          temperature: wire.temperature,
          maxTokens: options.maxOutputTokens ?? options.maxTokens ?? config.maxTokens,
          ...(wire.toolChoice !== undefined && { toolChoice: wire.toolChoice }),
        })
      : undefined;
    const started = performance.now();
    const record = (result: ChatResult) =>
      recordCall(options, {
        call: "chat",
        provider: name,
        model: result.model,
        ...(result.cached ? { ...NO_USAGE, cached: true as const } : result.usage),
        durationMs: performance.now() - started,
        finishReason: result.finishReason.unified,
        prompt: [...messages],
        reply: result.text,
        ...(result.toolCalls.length > 0 && { toolCalls: result.toolCalls }),
      });
    if (useCache && key && options.cache !== "refresh") {
      const hit = await useCache.get(key);
      if (hit) {
        const result = await toResult(hit, options.tools, true, provider);
        await record(result);
        return { result, raw: hit, key, cache: useCache, maxOutputTokens: wire.maxOutputTokens };
      }
    }
    const httpRequest = request(messages, wire);
    const raw = await exchange(httpRequest, exchangeOptions(options, budget), (response) =>
      readReply(response, httpRequest.url, (body) => provider.parse(body, wire.model)),
    );
    reportUsage(raw, options);
    const result = await toResult(raw, options.tools, false, provider);
    await record(result);
    if (useCache && key && store) await save(useCache, key, raw);
    return { result, raw, key, cache: useCache, maxOutputTokens: wire.maxOutputTokens };
  }

  async function* streamText(
    messages: readonly Message[],
    options: StreamOptions,
    budget: RetryBudget,
    onStart: () => void,
  ): AsyncGenerator<string, ChatResult> {
    const wire = wireOptions(messages, options, true);
    const httpRequest = request(messages, wire);
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { response, live } = await exchange(
      httpRequest,
      exchangeOptions(options, budget),
      async (response, live: Live) => ({ response, live }),
      true,
    );
    const progress: StreamProgress = { usage: NO_USAGE, finishReason: "", done: false, toolCalls: [] };
    let text = "";
    let raw: RawReply | undefined;
    const where = safeURL(httpRequest.url);
    try {
      if (response.headers.get("content-type")?.includes("application/json")) {
        // A server that ignores `stream: true` sends the whole reply as one JSON body.
        raw = await readReply(response, httpRequest.url, (body) => provider.parse(body, wire.model));
        progress.done = true;
        if (raw.text) {
          onStart();
          yield raw.text;
        }
      } else {
        for await (const event of readEvents(response, live)) {
          const delta = guard(() => provider.onEvent(event, progress), httpRequest.url, event.data);
          // Events already read when the signal fired are dropped: nothing is yielded after an abort.
          options.signal?.throwIfAborted();
          if (typeof delta === "string" && delta) {
            text += delta;
            onStart();
            yield delta;
          }
        }
      }
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (error instanceof LLMError) throw error;
      if (live.signal.aborted) {
        if (budget.remainingMs() === 0) throw new LLMDeadlineError(where, budget.deadlineMs, budget.failures + 1);
        throw new LLMTimeoutError(where, timeoutMs, budget.failures + 1);
      }
      throw new TruncatedStreamError(where, text, error);
    } finally {
      live.finish();
    }
    if (!progress.done) throw new TruncatedStreamError(where, text);
    raw ??= {
      text,
      toolCalls: progress.toolCalls.filter((call) => call !== undefined && call.name !== ""),
      usage: progress.usage,
      finishReason: progress.finishReason,
      model: wire.model,
    };
    reportUsage(raw, options);
    const result = await toResult(raw, options.tools, false, provider);
    await recordCall(options, {
      call: "stream",
      provider: connection.provider,
      model: result.model,
      ...result.usage,
      durationMs: performance.now() - started,
      finishReason: result.finishReason.unified,
      prompt: [...messages],
      reply: result.text,
      ...(result.toolCalls.length > 0 && { toolCalls: result.toolCalls }),
    });
    return result;
  }

  // From the environment unless the config named a provider: errors then name the variable to set.
  const setting = (field: "provider" | "embeddingModel") => (config.provider === undefined ? ENV[field] : `config.${field}`);

  async function embedAll(texts: readonly string[], options: EmbedOptions, budget: RetryBudget): Promise<EmbedResult> {
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
      const httpRequest = { ...built, headers: { ...config.headers, ...built.headers, ...auth() } };
      const started = performance.now();
      const reply = await exchange(httpRequest, exchangeOptions(options, budget), (response) =>
        readReply(response, httpRequest.url, (body) => wire.parse(body, batch.length)),
      );
      const dimensions = vectors[0]?.length ?? reply.vectors[0]?.length;
      if (reply.vectors.some((vector) => vector.length !== dimensions)) {
        throw new LLMResponseError(
          `${safeURL(httpRequest.url)} sent embeddings of different lengths in one call: they cannot share an index. Retry the call.`,
        );
      }
      vectors.push(...reply.vectors);
      inputTokens += reply.inputTokens;
      const usage = { inputTokens: reply.inputTokens, outputTokens: 0, totalTokens: reply.inputTokens };
      reportUsage({ usage, model }, options);
      const durationMs = performance.now() - started;
      await recordCall(options, { call: "embed", provider: connection.provider, model, ...usage, durationMs, texts: batch.length });
    }
    return { vectors, usage: { inputTokens, outputTokens: 0, totalTokens: inputTokens } };
  }

  return { connection, limitsFor, countTokens: tokensOf, complete, stream: streamText, embed: embedAll };
}

/** Runs a provider's parser: whatever it throws on a body it cannot read becomes an {@link LLMResponseError} with the body. */
function guard<T>(parse: () => T, url: string, body: string): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof LLMError) throw error;
    throw new LLMResponseError(
      `${safeURL(url)} sent a reply its provider could not read (${(error as Error)?.message ?? String(error)}).`,
      bodyText(body),
    );
  }
}

/** Wraps a generator so it can be iterated once and its final {@link ChatResult} asked for. */
function streamHandle(start: () => AsyncGenerator<string, ChatResult>): LLMStream {
  let generator: AsyncGenerator<string, ChatResult> | undefined;
  let settle: { resolve: (result: ChatResult) => void; reject: (error: unknown) => void } | undefined;
  let final: Promise<ChatResult> | undefined;
  let iterated = false;
  const finished = () => {
    final ??= new Promise<ChatResult>((resolve, reject) => (settle = { resolve, reject }));
    return final;
  };
  async function* iterate(): AsyncGenerator<string> {
    if (iterated) throw new LLMConfigError("stream", "A stream can be read once: call llm.stream() again for another reply.");
    iterated = true;
    finished();
    generator = start();
    try {
      for (;;) {
        const step = await generator.next();
        if (step.done) {
          settle?.resolve(step.value);
          return;
        }
        yield step.value;
      }
    } catch (error) {
      settle?.reject(error);
      // The iterating caller sees the error; result() must not also raise an unhandled rejection.
      final?.catch(() => {});
      throw error;
    } finally {
      // Breaking out early: the reply never completed.
      settle?.reject(new LLMError("The stream was not read to its end, so it has no result."));
      final?.catch(() => {});
      await generator.return(undefined as never).catch(() => {});
    }
  }
  return {
    [Symbol.asyncIterator]: () => iterate(),
    async result() {
      if (!iterated) for await (const _ of iterate());
      return finished();
    },
  };
}

function connect(config: LLMConfig): Connection {
  const connection = resolveLLMConfig(config.provider === undefined ? {} : config, config.env ?? process.env);
  if (connection) return connection;
  const variable = config.provider === "none" ? "config.provider" : ENV.provider;
  throw new LLMConfigError(
    variable,
    `No LLM is configured: set ${variable} to openai (any OpenAI-compatible server), anthropic or gemini, along with ${ENV.model}.`,
  );
}

function fallbackConnection(input: ConnectionInput, index: number): Connection {
  if (input.provider === undefined || input.provider === "none") {
    throw new LLMConfigError(
      `config.fallback[${index}].provider`,
      `config.fallback[${index}] needs a provider (and model, and a key for a provider's own host).`,
    );
  }
  const connection = resolveLLMConfig(input);
  if (!connection) throw new LLMConfigError(`config.fallback[${index}].provider`, `config.fallback[${index}] is not a connection.`);
  return connection;
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
async function toResult(raw: RawReply, tools: readonly ToolSpec[] | undefined, cached: boolean, provider: Provider): Promise<ChatResult> {
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
  const finishReason = provider.finishReason ? provider.finishReason(raw.finishReason) : unifyFinishReason(raw.finishReason);
  return { text: raw.text, toolCalls, usage: raw.usage, finishReason, model: raw.model, cached, ignoredParts: raw.ignoredParts ?? [] };
}

/** `value` with every occurrence of `secret` in its strings replaced: an API key must never reach a log. */
function scrub<T>(value: T, secret: string | undefined): T {
  if (!secret) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return v.includes(secret) ? v.split(secret).join("[redacted]") : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
