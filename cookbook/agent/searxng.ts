import { z } from "zod";
import type { SearchHit, SearchTool } from "./search.js";

/** The part of SearXNG's `/search?format=json` reply the agent uses. */
const SearxngReply = z.object({
  results: z.array(z.object({ title: z.string(), url: z.string(), content: z.string().optional() })),
});

export interface SearxngOptions {
  /** The instance, e.g. http://localhost:8888 (run one with `docker run -p 8888:8080 searxng/searxng`). */
  baseURL: string;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
}

/**
 * Web search through a SearXNG instance's JSON API (`GET /search?q=...&format=json`).
 * The instance must allow the JSON format: `search.formats: [html, json]` in its settings.yml.
 */
export class SearxngSearch implements SearchTool {
  readonly #endpoint: URL;
  readonly #timeoutMs: number;

  constructor(options: SearxngOptions) {
    this.#endpoint = new URL("search", options.baseURL.endsWith("/") ? options.baseURL : `${options.baseURL}/`);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async search(query: string, options: { signal?: AbortSignal; limit?: number } = {}): Promise<SearchHit[]> {
    const url = new URL(this.#endpoint);
    url.searchParams.set("q", query);
    url.searchParams.set("format", "json");
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(url, { signal, headers: { accept: "application/json" } });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const why = timeout.aborted ? `no answer within ${this.#timeoutMs} ms` : describe(error);
      throw new WebSearchError(
        `Could not reach SearXNG at ${this.#endpoint.origin} (${why}). Is the instance running and SEARXNG_URL right?`,
      );
    }
    if (response.status === 403) {
      throw new WebSearchError(
        `SearXNG at ${this.#endpoint.origin} refused the JSON format (HTTP 403). Add json to search.formats in its settings.yml.`,
      );
    }
    if (!response.ok)
      throw new WebSearchError(`SearXNG at ${this.#endpoint.origin} answered HTTP ${response.status}. Check the instance's logs.`);
    const parsed = SearxngReply.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success)
      throw new WebSearchError(
        `SearXNG at ${this.#endpoint.origin} sent a reply that is not its JSON search format. Is SEARXNG_URL a SearXNG instance?`,
      );
    return parsed.data.results.slice(0, options.limit ?? 5).map((r) => ({ title: r.title, source: r.url, snippet: r.content ?? "" }));
  }
}

/** The web search failed; the message says what to check. */
export class WebSearchError extends Error {
  override name = "WebSearchError";
}

function describe(error: unknown): string {
  const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (inner as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : inner instanceof Error ? inner.message : String(inner);
}
