import { LLMConfigError } from "./errors.js";

/** The three wire formats spoken. "openai" covers every OpenAI-compatible server (Ollama, vLLM, LM Studio, OpenRouter, ...). */
export type ProviderName = "openai" | "anthropic" | "gemini";

/** Where the model lives. From code, or from the FLOWLET_LLM_* environment variables. */
export interface ConnectionConfig {
  provider: ProviderName;
  model: string;
  /** Defaults: https://api.openai.com/v1, https://api.anthropic.com, https://generativelanguage.googleapis.com. */
  baseURL?: string;
  /** Needed by the providers' own hosts; local OpenAI-compatible servers need none. */
  apiKey?: string;
  /**
   * The model `embed()` calls. Defaults: `text-embedding-3-small` on OpenAI's own host,
   * `text-embedding-004` on Gemini; other OpenAI-compatible servers need it set.
   */
  embeddingModel?: string;
}

export const DEFAULT_BASE_URLS: Readonly<Record<ProviderName, string>> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com",
  gemini: "https://generativelanguage.googleapis.com",
};

export const ENV = {
  provider: "FLOWLET_LLM_PROVIDER",
  baseURL: "FLOWLET_LLM_BASE_URL",
  apiKey: "FLOWLET_LLM_API_KEY",
  model: "FLOWLET_LLM_MODEL",
  embeddingModel: "FLOWLET_LLM_EMBEDDING_MODEL",
} as const;

const PROVIDERS: readonly string[] = ["openai", "anthropic", "gemini"];
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * A validated connection. The API key lives in a private field: `JSON.stringify`, `console.log`,
 * spreading and structured cloning all leave it out, so it cannot leak into logs, caches or checkpoints.
 */
export class Connection {
  readonly #apiKey: string | undefined;
  readonly provider: ProviderName;
  readonly model: string;
  readonly baseURL: string;
  /** As configured; `embed()` falls back to a provider default (see {@link ConnectionConfig.embeddingModel}). */
  readonly embeddingModel: string | undefined;

  constructor(config: ConnectionConfig) {
    this.provider = config.provider;
    this.model = config.model;
    this.embeddingModel = config.embeddingModel;
    this.baseURL = (config.baseURL ?? DEFAULT_BASE_URLS[config.provider]).replace(/\/+$/, "");
    this.#apiKey = config.apiKey;
  }

  /** The key, for building request headers only. */
  get apiKey(): string | undefined {
    return this.#apiKey;
  }

  toJSON(): Record<string, string> {
    const shown: Record<string, string> = { provider: this.provider, model: this.model };
    if (this.embeddingModel !== undefined) shown.embeddingModel = this.embeddingModel;
    return { ...shown, baseURL: this.baseURL, apiKey: this.#apiKey ? "[redacted]" : "(none)" };
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
  provider?: ProviderName | "none";
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Resolves where the LLM lives, or returns `undefined` when none is configured (no
 * FLOWLET_LLM_PROVIDER, or `none`): apps use that to fall back to an offline mode.
 * Throws {@link LLMConfigError}, naming the variable to set, when the config is incomplete or invalid.
 *
 * If `config.provider` is given, the connection comes from `config` alone; else from `env`.
 */
export function resolveLLMConfig(config: ConnectionInput = {}, env: Env = process.env): Connection | undefined {
  const { provider: given, model, baseURL, apiKey, embeddingModel } = config;
  if (given !== undefined) {
    if (given === "none") return undefined;
    return check({ provider: given, model, baseURL, apiKey, embeddingModel }, (field) => `config.${field}`);
  }
  const provider = blankToUndefined(env[ENV.provider])?.toLowerCase();
  if (provider === undefined || provider === "none") {
    const stray = [ENV.baseURL, ENV.model, ENV.apiKey, ENV.embeddingModel].find((name) => blankToUndefined(env[name]) !== undefined);
    if (stray && provider === undefined) {
      throw new LLMConfigError(ENV.provider, `${stray} is set but ${ENV.provider} is not. Set ${ENV.provider} to openai, anthropic or gemini (or none).`);
    }
    return undefined;
  }
  return check(
    { provider, baseURL: blankToUndefined(env[ENV.baseURL]), apiKey: blankToUndefined(env[ENV.apiKey]), model: blankToUndefined(env[ENV.model]),
      embeddingModel: blankToUndefined(env[ENV.embeddingModel]),
    },
    (field) => ENV[field],
  );
}

function check(config: { provider: string; model?: string; baseURL?: string; apiKey?: string; embeddingModel?: string }, name: (field: keyof typeof ENV) => string): Connection {
  const { provider, model, baseURL, apiKey, embeddingModel } = config;
  if (!PROVIDERS.includes(provider)) {
    // Echo the value only if it looks like a misspelt name, never if it could be a pasted key.
    const shown = /^[\w-]{1,20}$/.test(provider) ? `"${provider}"` : "not a provider name";
    throw new LLMConfigError(name("provider"), `${name("provider")} is ${shown}: use openai (any OpenAI-compatible server: Ollama, vLLM, LM Studio, OpenRouter, ...), anthropic, gemini, or none.`);
  }
  const kind = provider as ProviderName;
  if (!model) throw new LLMConfigError(name("model"), `Set ${name("model")} to the model to call (e.g. ${exampleModel(kind)}).`);
  if (baseURL !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(baseURL);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw new LLMConfigError(name("baseURL"), `${name("baseURL")} is not an http(s) URL: set it to one such as ${DEFAULT_BASE_URLS[kind]}.`);
    }
    if (url.username || url.password) {
      throw new LLMConfigError(name("baseURL"), `${name("baseURL")} contains credentials: remove them and put the key in ${name("apiKey")}.`);
    }
  }
  const ownHost = baseURL === undefined || baseURL.replace(/\/+$/, "") === DEFAULT_BASE_URLS[kind];
  if (ownHost && !apiKey) {
    throw new LLMConfigError(name("apiKey"), `Set ${name("apiKey")}: ${kind} needs an API key at ${DEFAULT_BASE_URLS[kind]}. (A local OpenAI-compatible server needs none: set ${name("baseURL")} instead.)`);
  }
  return new Connection({ provider: kind, model, baseURL, apiKey, embeddingModel });
}

function exampleModel(provider: ProviderName): string {
  return { openai: "gpt-4o-mini, or llama3.2 on Ollama", anthropic: "claude-sonnet-4-5", gemini: "gemini-2.5-flash" }[provider];
}

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
