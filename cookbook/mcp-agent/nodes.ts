import type { LLM, Message, ToolCall } from "@flowlet/llm";
import { CallMCPTool, type MCPConnection, type MCPToolResult, type MCPToolSpec, emitText } from "@flowlet/interop";
import { Node, type NodeContext } from "flowlet";

export interface MCPAgentStore {
  question: string;
  /** The conversation with the model, tool calls and their results included. */
  messages: Message[];
  /** The MCP server's tools, listed once per run. */
  tools: MCPToolSpec[];
  /** Tool calls the model asked for and that have not run yet. */
  pending: ToolCall[];
  answer?: string;
}

export function newStore(question: string): MCPAgentStore {
  return { question, messages: [], tools: [], pending: [] };
}

/** Lists the MCP server's tools for the model. */
export class GetTools extends Node<MCPAgentStore, undefined, MCPToolSpec[]> {
  constructor(private readonly mcp: MCPConnection) {
    super({ maxRetries: 2 });
  }
  override exec(): Promise<MCPToolSpec[]> {
    return this.mcp.tools();
  }
  override post(shared: MCPAgentStore, _: undefined, tools: MCPToolSpec[]): undefined {
    shared.tools = tools;
    shared.messages = [
      {
        role: "system",
        content: "Answer the user's question. Use the tools for any arithmetic or conversion; never compute in your head.",
      },
      { role: "user", content: shared.question },
    ];
  }
}

/** Asks the model for the next step: tool calls to make, or "answer" once the tools have done their part. */
export class Decide extends Node<MCPAgentStore, { messages: Message[]; tools: MCPToolSpec[] }, ToolCall[]> {
  constructor(private readonly llm: LLM) {
    super({ maxRetries: 2, wait: 500 });
  }
  override prep(shared: MCPAgentStore) {
    return { messages: shared.messages, tools: shared.tools };
  }
  override async exec({ messages, tools }: { messages: Message[]; tools: MCPToolSpec[] }, ctx: NodeContext): Promise<ToolCall[]> {
    return (await this.llm.chat(messages, { tools, signal: ctx.signal })).toolCalls;
  }
  override post(shared: MCPAgentStore, _: unknown, toolCalls: ToolCall[]): string {
    if (toolCalls.length === 0) return "answer";
    shared.messages.push({ role: "assistant", content: "", toolCalls });
    shared.pending = [...toolCalls];
    return "execute";
  }
}

/** Writes the final answer from the conversation and the tool results, streaming it as it comes. */
export class Answer extends Node<MCPAgentStore, Message[], string> {
  constructor(private readonly llm: LLM) {
    super({ maxRetries: 2, wait: 500 });
  }
  override prep(shared: MCPAgentStore): Message[] {
    return [...shared.messages, { role: "user", content: "Now answer my question in one or two sentences, using the tool results above." }];
  }
  override async exec(messages: Message[], ctx: NodeContext): Promise<string> {
    let answer = "";
    for await (const delta of this.llm.stream(messages, { signal: ctx.signal })) {
      emitText(delta); // reaches a caller's terminal, or an A2A client if this flow is served
      answer += delta;
    }
    return answer.trim();
  }
  override post(shared: MCPAgentStore, _: Message[], answer: string): undefined {
    shared.answer = answer;
  }
}

/**
 * Runs the next pending call on the MCP server. A tool's error goes back to the model as the
 * tool's result (so it can correct itself) instead of failing the run.
 */
export class ExecuteTool extends CallMCPTool<MCPAgentStore, ToolCall> {
  constructor(mcp: MCPConnection) {
    super({
      name: "ExecuteTool",
      connection: mcp,
      call: (shared) => shared.pending[0]!,
      save: (shared, result, call) => {
        shared.pending.shift();
        shared.messages.push({ role: "tool", toolCallId: call.id, name: call.name, content: result.text });
        return shared.pending.length > 0 ? "execute" : "decide";
      },
    });
  }
  override execFallback(_call: ToolCall, error: unknown): MCPToolResult {
    return { text: `Error: ${error instanceof Error ? error.message : String(error)}`, data: undefined, content: [] };
  }
}
