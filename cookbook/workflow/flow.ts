import type { LLM } from "@flowlet/llm";
import { Flow } from "flowlet";
import { type ArticleStore, BatchDrafter, Combiner, Outliner } from "./nodes.js";

/** Outliner → BatchDrafter → Combiner. */
export function createArticleFlow(llm: LLM): Flow<ArticleStore> {
  const outliner = new Outliner(llm);
  outliner.next(new BatchDrafter(llm)).next(new Combiner());
  return new Flow(outliner, { name: "ArticleWriter" });
}
