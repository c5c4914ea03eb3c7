import { createLLM, type LLM, type LLMConfig, resolveLLMConfig } from "@flowlet/llm";

/** Used when no FLOWLET_LLM_* variable is set: Ollama's OpenAI-compatible endpoint, no key. */
export const LOCAL_LLM = { provider: "openai", baseURL: "http://localhost:11434/v1", model: "llama3.2" } as const;

/**
 * The model: from FLOWLET_LLM_PROVIDER, FLOWLET_LLM_MODEL, FLOWLET_LLM_BASE_URL and
 * FLOWLET_LLM_API_KEY when they are set, else the local server above.
 */
export function llmFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): LLM {
  const found = resolveLLMConfig({}, env);
  const config: LLMConfig = found
    ? { provider: found.provider, model: found.model, baseURL: found.baseURL, apiKey: found.apiKey, embeddingModel: found.embeddingModel }
    : LOCAL_LLM;
  return createLLM(config);
}
