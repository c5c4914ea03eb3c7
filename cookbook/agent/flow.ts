import type { LLM } from "@flowlet/llm";
import { Flow } from "flowlet";
import { Answer, type AgentStore, DecideAction, Search } from "./nodes.js";
import type { SearchTool } from "./search.js";

/**
 * DecideAction ⇄ Search → Answer. `maxSteps` is the loop guard: a model that never stops
 * searching makes the run reject with MaxStepsExceededError instead of looping forever.
 */
export function createAgentFlow(llm: LLM, search: SearchTool, maxSteps = 12): Flow<AgentStore> {
  const decide = new DecideAction(llm);
  decide.on("search", new Search(search)).on("decide", decide);
  decide.on("answer", new Answer(llm));
  return new Flow(decide, { name: "ResearchAgent", maxSteps });
}
