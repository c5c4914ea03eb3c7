import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { SearchHit, SearchTool } from "./search.js";

/**
 * Searches the Markdown files of a folder, offline: paragraphs ranked by how many of the query's
 * words they contain. Good enough for a demo corpus; swap in {@link SearxngSearch} for the web.
 */
export class LocalDocsSearch implements SearchTool {
  constructor(private readonly folder: string) {}

  async search(query: string, options: { limit?: number } = {}): Promise<SearchHit[]> {
    const words = tokenize(query);
    const hits: (SearchHit & { score: number })[] = [];
    for (const file of (await readdir(this.folder)).filter((name) => name.endsWith(".md")).sort()) {
      const text = await readFile(join(this.folder, file), "utf8");
      const title = /^#\s+(.+)$/m.exec(text)?.[1] ?? file;
      for (const paragraph of text.split(/\n\s*\n/)) {
        const present = new Set(tokenize(paragraph));
        const score = words.filter((word) => present.has(word)).length;
        if (score > 0 && !paragraph.startsWith("#")) hits.push({ title, source: file, snippet: paragraph.trim(), score });
      }
    }
    return hits
      .sort((a, b) => b.score - a.score)
      .slice(0, options.limit ?? 3)
      .map(({ score: _score, ...hit }) => hit);
  }
}

const STOP_WORDS = new Set(["the", "a", "an", "of", "is", "was", "who", "what", "when", "did", "and", "in", "to", "for", "on", "how"]);

function tokenize(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((word) => !STOP_WORDS.has(word));
}
