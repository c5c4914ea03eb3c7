export { createLLM, EMBED_BATCH_SIZE, type LLM, type LLMConfig, type StreamOptions } from "./llm.js";
export { resolveLLMConfig, Connection, DEFAULT_BASE_URLS, ENV, type ConnectionConfig, type ConnectionInput, type ProviderName } from "./config.js";
export type { Message, ToolSpec, ToolCall, Usage, UsageEvent, ChatOptions, ChatResult, Prompt, EmbedOptions, EmbedResult } from "./types.js";
export type { StructuredOptions } from "./structured.js";
export { extractBlock, parseReply, type StructuredFormat } from "./extract.js";
export { createLimiter, type Limiter, type LimiterOptions } from "./limiter.js";
export type { RetryOptions } from "./http.js";
export { fileCache, memoryCache, type LLMCache, type CachedReply, type FileCacheOptions } from "./cache.js";
export { UsageMeter, type ModelPrice, type UsageTotals } from "./usage.js";
export type { StandardSchemaV1 } from "./standard-schema.js";
export {
  LLMError,
  LLMConfigError,
  EmbeddingsUnsupportedError,
  LLMHTTPError,
  LLMNetworkError,
  LLMTimeoutError,
  LLMResponseError,
  TruncatedStreamError,
  StructuredOutputError,
  ToolCallError,
} from "./errors.js";
