import { LLMConfigError } from "../errors.js";
import { anthropic } from "./anthropic.js";
import { gemini } from "./gemini.js";
import { openai } from "./openai.js";
import type { Provider } from "./provider.js";

/** The wire formats built in. "openai" covers every OpenAI-compatible server (Ollama, vLLM, LM Studio, OpenRouter, ...). */
export const BUILTIN_PROVIDERS: readonly Provider[] = [openai, anthropic, gemini];

// The one registry: FLOWLET_LLM_PROVIDER, config.provider strings and fallbacks all resolve here.
const registry = new Map<string, Provider>(BUILTIN_PROVIDERS.map((provider) => [provider.name, provider]));

/**
 * Makes `provider` known by its name, so FLOWLET_LLM_PROVIDER=<name> (and `provider: "<name>"`)
 * select it. Replacing a built-in one is refused; registering the same object twice is harmless.
 */
export function registerProvider(provider: Provider): void {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(provider.name)) {
    throw new LLMConfigError(
      "provider.name",
      'A provider\'s name must be lower case letters, digits and dashes (e.g. "my-gateway"), starting with a letter.',
    );
  }
  const known = registry.get(provider.name);
  if (known && known !== provider) {
    throw new LLMConfigError("provider.name", `A different provider is already registered as "${provider.name}": give yours another name.`);
  }
  registry.set(provider.name, provider);
}

/** The provider registered as `name`, or undefined. */
export function getProvider(name: string): Provider | undefined {
  return registry.get(name);
}

/** The names of every registered provider, built-in ones first. */
export function providerNames(): string[] {
  return [...registry.keys()];
}
