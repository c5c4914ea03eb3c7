/** One search result, whatever the backend. */
export interface SearchHit {
  title: string;
  /** Where the hit came from: a URL, or a local file path. */
  source: string;
  snippet: string;
}

/** The agent's search tool. Offline: {@link LocalDocsSearch}; on the web: {@link SearxngSearch}. */
export interface SearchTool {
  search(query: string, options?: { signal?: AbortSignal; limit?: number }): Promise<SearchHit[]>;
}
