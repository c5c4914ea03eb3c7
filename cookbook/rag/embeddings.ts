import type { LLM } from "@flowlet/llm";
import { z } from "zod";

/** Turns texts into vectors. The RAG flows need nothing else from an embeddings provider. */
export interface Embedder {
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}

/** The documented reply of an OpenAI-compatible `POST /embeddings`. */
const EmbeddingsReply = z.object({
  data: z.array(z.object({ index: z.number().int(), embedding: z.array(z.number()) })),
});

export interface EmbeddingsConfig {
  /** e.g. https://api.openai.com/v1, or http://localhost:11434/v1 for Ollama. */
  baseURL: string;
  apiKey?: string;
  /** e.g. text-embedding-3-small, or nomic-embed-text on Ollama. */
  model: string;
}

/**
 * Embeddings over the OpenAI-compatible `POST {baseURL}/embeddings` API (OpenAI, Ollama, vLLM,
 * LM Studio...). `@flowlet/llm` has no embeddings call yet, so this small client lives here.
 */
export class OpenAIEmbeddings implements Embedder {
  readonly #apiKey: string | undefined;
  readonly url: string;
  readonly model: string;

  constructor(config: EmbeddingsConfig) {
    this.url = `${config.baseURL.replace(/\/+$/, "")}/embeddings`;
    this.model = config.model;
    this.#apiKey = config.apiKey;
  }

  /**
   * From the environment: FLOWLET_EMBEDDINGS_MODEL (default text-embedding-3-small), and
   * FLOWLET_EMBEDDINGS_BASE_URL / FLOWLET_EMBEDDINGS_API_KEY, which default to the chat LLM's own
   * when that is an OpenAI-compatible one.
   */
  static fromEnv(llm: LLM, env: Readonly<Record<string, string | undefined>> = process.env): OpenAIEmbeddings {
    const model = env.FLOWLET_EMBEDDINGS_MODEL || "text-embedding-3-small";
    const baseURL = env.FLOWLET_EMBEDDINGS_BASE_URL;
    if (baseURL) return new OpenAIEmbeddings({ baseURL, apiKey: env.FLOWLET_EMBEDDINGS_API_KEY, model });
    if (llm.connection.provider !== "openai") {
      throw new EmbeddingsError(`The ${llm.connection.provider} provider has no OpenAI-compatible /embeddings endpoint: set FLOWLET_EMBEDDINGS_BASE_URL (and FLOWLET_EMBEDDINGS_API_KEY, FLOWLET_EMBEDDINGS_MODEL).`);
    }
    return new OpenAIEmbeddings({ baseURL: llm.connection.baseURL, apiKey: env.FLOWLET_EMBEDDINGS_API_KEY ?? llm.connection.apiKey, model });
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    if (texts.length === 0) return [];
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        signal,
        headers: { "content-type": "application/json", ...(this.#apiKey ? { authorization: `Bearer ${this.#apiKey}` } : {}) },
        body: JSON.stringify({ model: this.model, input: texts }),
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new EmbeddingsError(`Could not reach ${this.url} (${error instanceof Error ? error.message : String(error)}). Is the server running and FLOWLET_EMBEDDINGS_BASE_URL right?`);
    }
    if (!response.ok) {
      const detail = (await response.text().catch(() => "")).slice(0, 200);
      const clean = this.#apiKey ? detail.replaceAll(this.#apiKey, "[redacted]") : detail;
      throw new EmbeddingsError(`${this.url} answered HTTP ${response.status}: ${clean || "(no message)"}. Check that the server offers embeddings, FLOWLET_EMBEDDINGS_MODEL and the API key.`);
    }
    const parsed = EmbeddingsReply.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success || parsed.data.data.length !== texts.length) {
      throw new EmbeddingsError(`${this.url} did not answer in the OpenAI embeddings format (one embedding per input). Is it an OpenAI-compatible server?`);
    }
    return [...parsed.data.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
  }
}

/** Embedding failed or is misconfigured; the message says what to set or check. */
export class EmbeddingsError extends Error {
  override name = "EmbeddingsError";
}
