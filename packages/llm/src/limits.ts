/** How much a model takes in and gives back, in tokens. */
export interface ModelLimits {
  /** The context window: prompt and reply together. */
  contextTokens: number;
  /** The most a single reply may hold (the provider's output cap). */
  maxOutputTokens: number;
}

/** Where the limits came from, most specific first. */
export type LimitsSource = "config" | "env" | "table" | "default";

/** A client's limits, and what they leave for the prompt. */
export interface LLMLimits extends ModelLimits {
  /** The model they apply to. */
  model: string;
  /**
   * The reply's cap when a call sets no `maxOutputTokens`: `maxOutputTokens`, but at most half the
   * window, so a prompt always has room. A call lowers it further when its prompt leaves less.
   */
  defaultOutputTokens: number;
  /** The largest prompt that still leaves `defaultOutputTokens` for the reply: `contextTokens - defaultOutputTokens`. */
  maxInputTokens: number;
  source: LimitsSource;
}

/**
 * Known models' limits, from the providers' model pages (platform.openai.com/docs/models,
 * docs.anthropic.com/en/docs/about-claude/models/overview, ai.google.dev/gemini-api/docs/models),
 * checked in December 2025. A model matches the longest entry its name starts with, so dated
 * snapshots (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`) and `models/` prefixes match too.
 * Override with `contextTokens` / `maxOutputTokens` (or FLOWLET_LLM_CONTEXT_TOKENS / FLOWLET_LLM_MAX_OUTPUT_TOKENS).
 */
export const MODEL_LIMITS: Readonly<Record<string, ModelLimits>> = {
  // OpenAI
  "gpt-5": { contextTokens: 400_000, maxOutputTokens: 128_000 },
  "gpt-4.1": { contextTokens: 1_047_576, maxOutputTokens: 32_768 },
  "gpt-4o": { contextTokens: 128_000, maxOutputTokens: 16_384 },
  "chatgpt-4o": { contextTokens: 128_000, maxOutputTokens: 16_384 },
  "gpt-4-turbo": { contextTokens: 128_000, maxOutputTokens: 4_096 },
  "gpt-4": { contextTokens: 8_192, maxOutputTokens: 8_192 },
  "gpt-3.5-turbo": { contextTokens: 16_385, maxOutputTokens: 4_096 },
  o1: { contextTokens: 200_000, maxOutputTokens: 100_000 },
  "o1-mini": { contextTokens: 128_000, maxOutputTokens: 65_536 },
  o3: { contextTokens: 200_000, maxOutputTokens: 100_000 },
  "o4-mini": { contextTokens: 200_000, maxOutputTokens: 100_000 },
  "gpt-oss": { contextTokens: 131_072, maxOutputTokens: 131_072 },
  // Anthropic
  "claude-opus-4-5": { contextTokens: 200_000, maxOutputTokens: 64_000 },
  "claude-sonnet-4-5": { contextTokens: 200_000, maxOutputTokens: 64_000 },
  "claude-haiku-4-5": { contextTokens: 200_000, maxOutputTokens: 64_000 },
  "claude-opus-4-1": { contextTokens: 200_000, maxOutputTokens: 32_000 },
  "claude-opus-4": { contextTokens: 200_000, maxOutputTokens: 32_000 },
  "claude-sonnet-4": { contextTokens: 200_000, maxOutputTokens: 64_000 },
  "claude-3-7-sonnet": { contextTokens: 200_000, maxOutputTokens: 64_000 },
  "claude-3-5-sonnet": { contextTokens: 200_000, maxOutputTokens: 8_192 },
  "claude-3-5-haiku": { contextTokens: 200_000, maxOutputTokens: 8_192 },
  "claude-3-haiku": { contextTokens: 200_000, maxOutputTokens: 4_096 },
  // Gemini
  "gemini-2.5-pro": { contextTokens: 1_048_576, maxOutputTokens: 65_536 },
  "gemini-2.5-flash": { contextTokens: 1_048_576, maxOutputTokens: 65_536 },
  "gemini-2.0-flash": { contextTokens: 1_048_576, maxOutputTokens: 8_192 },
  "gemini-1.5-pro": { contextTokens: 2_097_152, maxOutputTokens: 8_192 },
  "gemini-1.5-flash": { contextTokens: 1_048_576, maxOutputTokens: 8_192 },
};

/**
 * Used for a model the table does not know (most local models): small on purpose, since Ollama
 * and llama.cpp default to a few thousand tokens of context whatever the model could take.
 * Raise it with FLOWLET_LLM_CONTEXT_TOKENS when the server is started with more.
 */
export const DEFAULT_LIMITS: Readonly<ModelLimits> = Object.freeze({ contextTokens: 8_192, maxOutputTokens: 4_096 });

/** The table's entry for `model` (longest matching prefix), or undefined. */
export function knownLimits(model: string): ModelLimits | undefined {
  const name = model.replace(/^models\//, "").toLowerCase();
  let best: string | undefined;
  for (const key of Object.keys(MODEL_LIMITS)) {
    if ((name === key || name.startsWith(`${key}-`) || name.startsWith(`${key}:`)) && (best === undefined || key.length > best.length))
      best = key;
  }
  return best === undefined ? undefined : MODEL_LIMITS[best];
}

/** Overrides as configured: from code or from the environment. */
export interface LimitOverrides {
  contextTokens?: number;
  maxOutputTokens?: number;
}

/** The limits for `model`: overrides first, then the table, then {@link DEFAULT_LIMITS}. */
export function resolveLimits(model: string, overrides: LimitOverrides, source: "config" | "env"): LLMLimits {
  const known = knownLimits(model);
  const base = known ?? DEFAULT_LIMITS;
  const contextTokens = overrides.contextTokens ?? base.contextTokens;
  // An output cap can never exceed the window it lives in.
  const maxOutputTokens = Math.min(overrides.maxOutputTokens ?? base.maxOutputTokens, contextTokens);
  const overridden = overrides.contextTokens !== undefined || overrides.maxOutputTokens !== undefined;
  return {
    model,
    contextTokens,
    maxOutputTokens,
    defaultOutputTokens: Math.min(maxOutputTokens, Math.ceil(contextTokens / 2)),
    maxInputTokens: contextTokens - Math.min(maxOutputTokens, Math.ceil(contextTokens / 2)),
    source: overridden ? source : known ? "table" : "default",
  };
}
