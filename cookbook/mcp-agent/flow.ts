import type { LLM } from "@flowlet/llm";
import type { MCPConnection } from "@flowlet/interop";
import { Flow } from "flowlet";
import { Answer, Decide, ExecuteTool, GetTools, type MCPAgentStore } from "./nodes.js";

/**
 * GetTools → Decide ⇄ ExecuteTool → Answer: the model picks tools until it needs no more, then
 * writes the answer. One MCP connection serves every call of every run. `maxSteps` stops a model
 * that keeps calling tools.
 */
export function createMCPAgentFlow(llm: LLM, mcp: MCPConnection, maxSteps = 20): Flow<MCPAgentStore> {
  const getTools = new GetTools(mcp);
  const decide = new Decide(llm);
  const execute = new ExecuteTool(mcp);
  getTools.next(decide);
  decide.on("execute", execute);
  decide.on("answer", new Answer(llm));
  execute.on("execute", execute).on("decide", decide);
  return new Flow(getTools, { name: "MCPAgent", maxSteps });
}
