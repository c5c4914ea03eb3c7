import type { ToolCall } from "@flowlet/llm";
import { Node, type NodeContext, type RetryOptions } from "flowlet";
import type { MCPConnection, MCPToolResult } from "./mcp-client.js";

/** What a tool call needs: `@flowlet/llm`'s `ToolCall` (a model's request) fits, id and all. */
export type ToolCallInput = Pick<ToolCall, "name" | "arguments">;

export interface CallMCPToolOptions<S, C extends ToolCallInput = ToolCallInput> extends RetryOptions {
  /** The open connection (see `connectMCP`), shared by every run. */
  connection: MCPConnection;
  /** Reads the call to make from the shared store. */
  call: (shared: S) => C;
  /** Writes the result; its return value is the node's action. `call` is what `call` returned (a `ToolCall` keeps its id). */
  save: (shared: S, result: MCPToolResult, call: C) => string | undefined | void;
  /** The call's timeout, in ms; the server's progress notifications restart it. Default: the connection's. */
  timeoutMs?: number;
}

/**
 * A node that executes one tool call on an MCP server. Tool errors throw `MCPToolError`, so
 * `maxRetries` and `execFallback` apply (a fallback can hand the error back to the model instead).
 */
export class CallMCPTool<S, C extends ToolCallInput = ToolCallInput> extends Node<S, C, MCPToolResult> {
  constructor(private readonly options: CallMCPToolOptions<S, C>) {
    super({ name: "CallMCPTool", ...options });
  }

  override prep(shared: S): C {
    return this.options.call(shared);
  }

  override exec(call: C, ctx: NodeContext): Promise<MCPToolResult> {
    const args = (call.arguments ?? {}) as Record<string, unknown>;
    return this.options.connection.call(call.name, args, { signal: ctx.signal, timeoutMs: this.options.timeoutMs });
  }

  override post(shared: S, call: C, result: MCPToolResult): string | undefined {
    return this.options.save(shared, result, call) ?? undefined;
  }
}
