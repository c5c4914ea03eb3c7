import { LLMConfigError } from "./errors.js";
import type { LimitOverrides } from "./limits.js";
import type { Provider } from "./providers/provider.js";
import { BUILTIN_PROVIDERS, getProvider, providerNames } from "./providers/registry.js";

/** The built-in wire formats. "openai" covers every OpenAI-compatible server (Ollama, vLLM, LM Studio, OpenRouter, ...). */
export type ProviderName = "openai" | "anthropic" | "gemini";

/** Where the model lives. From code, or from the FLOWLET_LLM_* environment variables. */
export interface ConnectionConfig {
  /** A registered provider's name, or a {@link Provider} object (see docs/llm.md, "Adding a provider"). */
  provider: ProviderName | (string & {}) | Provider;
  model: string;
  /** Default: the provider's own host (https://api.openai.com/v1, https://api.anthropic.com, https://generativelanguage.googleapis.com). */
  baseURL?: string;
  /** Needed by the providers' own hosts; local OpenAI-compatible servers need none. */
  apiKey?: string;
  /**
   * The model `embed()` calls. Defaults: `text-embedding-3-small` on OpenAI's own host,
   * `text-embedding-004` on Gemini; other OpenAI-compatible servers need it set.
   */
  embeddingModel?: string;
  /** The model's context window in tokens, overriding the known-models table (FLOWLET_LLM_CONTEXT_TOKENS). */
  contextTokens?: number;
  /** The model's output cap in tokens, overriding the known-models table (FLOWLET_LLM_MAX_OUTPUT_TOKENS). */
  maxOutputTokens?: number;
}

/** The built-in providers' own hosts. */
export const DEFAULT_BASE_URLS: Readonly<Record<ProviderName, string>> = Object.fromEntries(
  BUILTIN_PROVIDERS.map((provider) => [provider.name, provider.defaultBaseURL]),
) as Record<ProviderName, string>;

export const ENV = {
  provider: "FLOWLET_LLM_PROVIDER",
  baseURL: "FLOWLET_LLM_BASE_URL",
  apiKey: "FLOWLET_LLM_API_KEY",
  model: "FLOWLET_LLM_MODEL",
  embeddingModel: "FLOWLET_LLM_EMBEDDING_MODEL",
  contextTokens: "FLOWLET_LLM_CONTEXT_TOKENS",
  maxOutputTokens: "FLOWLET_LLM_MAX_OUTPUT_TOKENS",
} as const;

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * A validated connection. The API key lives in a private field: `JSON.stringify`, `console.log`,
 * spreading and structured cloning all leave it out, so it cannot leak into logs, caches or checkpoints.
 */
export class Connection {
  readonly #apiKey: string | undefined;
  readonly #api: Provider;
  /** The provider's name. */
  readonly provider: string;
  readonly model: string;
  readonly baseURL: string;
  /** As configured; `embed()` falls back to a provider default (see {@link ConnectionConfig.embeddingModel}). */
  readonly embeddingModel: string | undefined;
  /** Limits as configured (code or environment), before the known-models table. */
  readonly limitOverrides: Readonly<LimitOverrides>;
  /** Whether the limit overrides came from code or the environment. */
  readonly limitSource: "config" | "env";

  constructor(config: ConnectionConfig & { limitSource?: "config" | "env" }) {
    const api = typeof config.provider === "string" ? getProvider(config.provider) : config.provider;
    if (!api)
      throw new LLMConfigError(
        "config.provider",
        `No provider is registered under that name: use ${providerNames().join(", ")}, or pass a Provider object.`,
      );
    this.#api = api;
    this.provider = api.name;
    this.model = config.model;
    this.embeddingModel = config.embeddingModel;
    this.baseURL = (config.baseURL ?? api.defaultBaseURL).replace(/\/+$/, "");
    this.#apiKey = config.apiKey;
    this.limitOverrides = Object.freeze({
      ...(config.contextTokens !== undefined && { contextTokens: config.contextTokens }),
      ...(config.maxOutputTokens !== undefined && { maxOutputTokens: config.maxOutputTokens }),
    });
    this.limitSource = config.limitSource ?? "config";
  }

  /** The key, for building request headers only. */
  get apiKey(): string | undefined {
    return this.#apiKey;
  }

  /** The provider's wire format. */
  get api(): Provider {
    return this.#api;
  }

  toJSON(): Record<string, string | number> {
    const shown: Record<string, string | number> = { provider: this.provider, model: this.model };
    if (this.embeddingModel !== undefined) shown.embeddingModel = this.embeddingModel;
    return { ...shown, ...this.limitOverrides, baseURL: this.baseURL, apiKey: this.#apiKey ? "[redacted]" : "(none)" };
  }

  [INSPECT](): string {
    return `Connection ${JSON.stringify(this.toJSON())}`;
  }

  toString(): string {
    return this[INSPECT]();
  }
}

/** A connection as given in code: any field may be missing, and `provider: "none"` means no LLM. */
export interface ConnectionInput extends Partial<Omit<ConnectionConfig, "provider">> {
  provider?: ConnectionConfig["provider"] | "none";
}

type Env = Readonly<Record<string, string | undefined>>;
type Field = keyof typeof ENV;

/**
 * Resolves where the LLM lives, or returns `undefined` when none is configured (no
 * FLOWLET_LLM_PROVIDER, or `none`): apps use that to fall back to an offline mode.
 * Throws {@link LLMConfigError}, naming the variable to set, when the config is incomplete or invalid.
 *
 * If `config.provider` is given, the connection comes from `config` alone; else from `env`.
 */
export function resolveLLMConfig(config: ConnectionInput = {}, env: Env = process.env): Connection | undefined {
  const { provider: given, ...rest } = config;
  if (given !== undefined) {
    if (given === "none") return undefined;
    return check({ ...rest, provider: given }, (field) => `config.${field}`, "config");
  }
  const provider = blankToUndefined(env[ENV.provider])?.toLowerCase();
  if (provider === undefined || provider === "none") {
    const stray = [ENV.baseURL, ENV.model, ENV.apiKey, ENV.embeddingModel].find((name) => blankToUndefined(env[name]) !== undefined);
    if (stray && provider === undefined) {
      throw new LLMConfigError(
        ENV.provider,
        `${stray} is set but ${ENV.provider} is not. Set ${ENV.provider} to ${providerNames().join(", ")} (or none).`,
      );
    }
    return undefined;
  }
  return check(
    {
      provider,
      baseURL: blankToUndefined(env[ENV.baseURL]),
      apiKey: blankToUndefined(env[ENV.apiKey]),
      model: blankToUndefined(env[ENV.model]),
      embeddingModel: blankToUndefined(env[ENV.embeddingModel]),
      contextTokens: tokenCount(env[ENV.contextTokens], ENV.contextTokens),
      maxOutputTokens: tokenCount(env[ENV.maxOutputTokens], ENV.maxOutputTokens),
    },
    (field) => ENV[field],
    "env",
  );
}

function tokenCount(value: string | undefined, variable: string): number | undefined {
  const text = blankToUndefined(value);
  if (text === undefined) return undefined;
  const count = /^\d{1,10}$/.test(text.replace(/[_,]/g, "")) ? Number(text.replace(/[_,]/g, "")) : Number.NaN;
  if (!(count >= 1)) throw new LLMConfigError(variable, `${variable} must be a whole number of tokens, such as 128000.`);
  return count;
}

function check(
  config: Partial<ConnectionConfig> & Pick<ConnectionConfig, "provider">,
  name: (field: Field) => string,
  source: "config" | "env",
): Connection {
  const { provider, model, baseURL, apiKey, contextTokens, maxOutputTokens } = config;
  const api = typeof provider === "string" ? getProvider(provider) : provider;
  if (!api) {
    // Never echo the value: a key pasted into the wrong variable must not reach a log.
    const close = typeof provider === "string" ? providerNames().find((known) => nearMiss(known, provider)) : undefined;
    throw new LLMConfigError(
      name("provider"),
      `${name("provider")} is not a known provider name${close ? ` (did you mean ${close}?)` : ""}: use openai (any OpenAI-compatible server: ` +
        `Ollama, vLLM, LM Studio, OpenRouter, ...), ${providerNames()
          .filter((known) => known !== "openai")
          .join(", ")}, or none.`,
    );
  }
  if (!model) throw new LLMConfigError(name("model"), `Set ${name("model")} to the model to call (e.g. ${api.exampleModel}).`);
  if (baseURL !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(baseURL);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw new LLMConfigError(name("baseURL"), `${name("baseURL")} is not an http(s) URL: set it to one such as ${api.defaultBaseURL}.`);
    }
    if (url.username || url.password) {
      throw new LLMConfigError(
        name("baseURL"),
        `${name("baseURL")} contains credentials: remove them and put the key in ${name("apiKey")}.`,
      );
    }
  }
  for (const field of ["contextTokens", "maxOutputTokens"] as const) {
    const value = config[field];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new LLMConfigError(name(field), `${name(field)} must be a whole number of tokens ≥ 1, got ${value}.`);
    }
  }
  const root = (baseURL ?? api.defaultBaseURL).replace(/\/+$/, "");
  const needsKey = api.needsKey ? api.needsKey(root) : root === api.defaultBaseURL.replace(/\/+$/, "");
  if (needsKey && !apiKey) {
    throw new LLMConfigError(
      name("apiKey"),
      `Set ${name("apiKey")}: ${api.name} needs an API key at ${api.defaultBaseURL}. (A local OpenAI-compatible server needs none: set ${name("baseURL")} instead.)`,
    );
  }
  return new Connection({ ...config, provider: api, model, baseURL, apiKey, contextTokens, maxOutputTokens, limitSource: source });
}

/** A misspelling of `known`: same letters but one, or two swapped. Short values only (a key is long). */
function nearMiss(known: string, value: string): boolean {
  const given = value.toLowerCase();
  if (given.length > 20 || Math.abs(given.length - known.length) > 1) return false;
  let i = 0;
  while (i < known.length && known[i] === given[i]) i++;
  const tail = (a: number, b: number) => known.slice(a) === given.slice(b);
  const swapped = known[i] === given[i + 1] && known[i + 1] === given[i] && tail(i + 2, i + 2);
  return tail(i + 1, i + 1) || tail(i + 1, i) || tail(i, i + 1) || swapped;
}

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
