export { createLLM, EMBED_BATCH_SIZE, type LLM, type LLMConfig, type LLMStream, type StreamOptions, type ContinueOptions } from "./llm.js";
export {
  resolveLLMConfig,
  Connection,
  DEFAULT_BASE_URLS,
  ENV,
  type ConnectionConfig,
  type ConnectionInput,
  type ProviderName,
} from "./config.js";
export type {
  Message,
  ToolSpec,
  ToolCall,
  ToolChoice,
  Usage,
  UsageEvent,
  ChatOptions,
  ChatResult,
  CallBudgetOptions,
  CallRecorder,
  LLMCallRecord,
  Prompt,
  EmbedOptions,
  EmbedResult,
} from "./types.js";
export { unifyFinishReason, type FinishReason, type UnifiedFinishReason } from "./finish.js";
export { MODEL_LIMITS, DEFAULT_LIMITS, knownLimits, type ModelLimits, type LLMLimits, type LimitsSource } from "./limits.js";
export {
  countTokens,
  estimateTokens,
  encodingFor,
  tokenCountMethod,
  ESTIMATE_MARGIN,
  type Encoding,
  type TokenCountMethod,
} from "./tokens.js";
export { RetryBudget, createRetryBudget, type RetryBudgetOptions } from "./budget.js";
export { CONTINUE_INSTRUCTION } from "./continue.js";
export { REASK_EXCERPT_CHARS, type StructuredOptions } from "./structured.js";
export { extractBlock, parseReply, type StructuredFormat } from "./extract.js";
export { createLimiter, type Limiter, type LimiterOptions } from "./limiter.js";
export type { RetryOptions, RetryEvent, HttpRequest } from "./http.js";
export { registerProvider, getProvider, providerNames } from "./providers/registry.js";
export { openai } from "./providers/openai.js";
export { anthropic } from "./providers/anthropic.js";
export { gemini } from "./providers/gemini.js";
export type {
  Provider,
  Endpoint,
  WireOptions,
  WireTool,
  RawReply,
  ServerEvent,
  StreamProgress,
  StreamToolCall,
  EmbeddingsWire,
} from "./providers/provider.js";
export { fileCache, memoryCache, type LLMCache, type CachedReply, type FileCacheOptions } from "./cache.js";
export { UsageMeter, type ModelPrice, type UsageTotals } from "./usage.js";
export type { StandardSchemaV1 } from "./standard-schema.js";
export {
  LLMError,
  LLMConfigError,
  EmbeddingsUnsupportedError,
  LLMHTTPError,
  ContextLengthError,
  LLMNetworkError,
  LLMTimeoutError,
  LLMDeadlineError,
  LLMResponseError,
  TruncatedStreamError,
  StructuredOutputError,
  ToolCallError,
} from "./errors.js";
