import type { LLM } from "@flowlet/llm";
import { Node, type NodeContext } from "flowlet";
import { z } from "zod";
import type { SearchHit, SearchTool } from "./search.js";

export interface AgentStore {
  question: string;
  /** Every search so far, with what it found: the agent's working memory. */
  searches: { query: string; hits: SearchHit[] }[];
  answer?: string;
}

/** What DecideAction asks the model for, as YAML. */
export const Decision = z.discriminatedUnion("action", [
  z.object({ action: z.literal("search"), reason: z.string(), query: z.string().min(1) }),
  z.object({ action: z.literal("answer"), reason: z.string() }),
]);
export type Decision = z.infer<typeof Decision>;

/** Renders the searches so far for a prompt. */
export function describeResearch(searches: AgentStore["searches"]): string {
  if (searches.length === 0) return "(nothing searched yet)";
  return searches
    .map(
      ({ query, hits }) =>
        `Search "${query}":\n${hits.map((h) => `- [${h.source}] ${h.title}: ${h.snippet}`).join("\n") || "- no results"}`,
    )
    .join("\n\n");
}

/** Decides to search (with a query) or to answer, from the question and the research so far. */
export class DecideAction extends Node<AgentStore, string, Decision> {
  constructor(private readonly llm: LLM) {
    super();
  }
  override prep(shared: AgentStore): string {
    return [
      `Question: ${shared.question}`,
      `Research so far:\n${describeResearch(shared.searches)}`,
      "Decide the next step. Search if the research does not answer the question yet; otherwise answer.",
      "Reply in YAML with fields: action (search or answer), reason, and query (for search).",
    ].join("\n\n");
  }
  override exec(prompt: string, ctx: NodeContext): Promise<Decision> {
    return this.llm.structured(prompt, Decision, { format: "yaml", maxAttempts: 3, signal: ctx.signal });
  }
  override post(shared: AgentStore, _prompt: string, decision: Decision): string {
    if (decision.action === "search") shared.searches.push({ query: decision.query, hits: [] });
    return decision.action;
  }
}

/** Runs the query DecideAction chose with the search tool, whichever it is. */
export class Search extends Node<AgentStore, string, SearchHit[]> {
  constructor(private readonly tool: SearchTool) {
    super({ maxRetries: 2, wait: 500 });
  }
  override prep(shared: AgentStore): string {
    return shared.searches.at(-1)!.query;
  }
  override exec(query: string, ctx: NodeContext): Promise<SearchHit[]> {
    return this.tool.search(query, { signal: ctx.signal, limit: 3 });
  }
  override post(shared: AgentStore, _query: string, hits: SearchHit[]): string {
    shared.searches.at(-1)!.hits = hits;
    return "decide";
  }
}

export class Answer extends Node<AgentStore, string, string> {
  constructor(private readonly llm: LLM) {
    super({ maxRetries: 2 });
  }
  override prep(shared: AgentStore): string {
    return `Question: ${shared.question}\n\nResearch:\n${describeResearch(shared.searches)}\n\nAnswer the question from the research, citing sources in [brackets].`;
  }
  override async exec(prompt: string, ctx: NodeContext): Promise<string> {
    return (await this.llm.chat(prompt, { signal: ctx.signal })).text.trim();
  }
  override post(shared: AgentStore, _prompt: string, answer: string): undefined {
    shared.answer = answer;
  }
}
