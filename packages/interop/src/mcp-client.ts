import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport, getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { ToolSpec } from "@flowlet/llm";
import { InteropConfigError, MCPToolError } from "./errors.js";

/** An MCP server to start and talk to over stdio. */
export interface MCPStdioServer {
  command: string;
  args?: string[];
  /** Added to a minimal safe environment (PATH, HOME…): the parent's secrets are not passed on. */
  env?: Record<string, string>;
  cwd?: string;
}

/** A running MCP server to talk to over streamable HTTP. */
export interface MCPHttpServer {
  url: string | URL;
  /** Sent with every request, e.g. `{ Authorization: "Bearer …" }`. */
  headers?: Record<string, string>;
}

/** An MCP tool as a `@flowlet/llm` `ToolSpec`, its input schema as JSON Schema `parameters`: pass it to `llm.chat(prompt, { tools })`. */
export type MCPToolSpec = Required<Pick<ToolSpec, "name" | "description" | "parameters">>;

/** A tool call's outcome. */
export interface MCPToolResult {
  /** The text content blocks, joined by newlines: what to show a model. */
  text: string;
  /** The tool's `structuredContent`, when it returned any. */
  data: unknown;
  /** Every content block as the server sent it (images, resources…). */
  content: CallToolResult["content"];
}

/** An open connection to one MCP server. */
export interface MCPConnection {
  /** The official SDK client, for anything beyond tools. */
  readonly client: Client;
  /** Every tool the server offers, as tool specs for an LLM (all pages). */
  tools(): Promise<MCPToolSpec[]>;
  /**
   * Calls a tool. A tool that reports an error (`isError`), or a name the server does not know,
   * rejects with {@link MCPToolError}.
   */
  call(name: string, args?: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<MCPToolResult>;
  /** Disconnects; for stdio, ends the server process. */
  close(): Promise<void>;
}

/**
 * Connects to an MCP server with `@modelcontextprotocol/sdk`: a command to spawn (stdio) or a URL
 * (streamable HTTP). Open it once and share it across runs: each call is one request, not a new
 * server process.
 *
 * @example
 * const mcp = await connectMCP({ command: "npx", args: ["tsx", "server.ts"] });
 * const tools = await mcp.tools();                    // pass to llm.chat(prompt, { tools })
 * const { text } = await mcp.call("add", { a: 1, b: 2 });
 */
export async function connectMCP(server: MCPStdioServer | MCPHttpServer, info = { name: "flowlet", version: "0.1.0" }): Promise<MCPConnection> {
  const client = new Client(info);
  const where = "url" in server ? String(server.url) : [server.command, ...(server.args ?? [])].join(" ");
  const transport =
    "url" in server
      ? new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } })
      : new StdioClientTransport({
          command: server.command,
          args: server.args,
          env: { ...getDefaultEnvironment(), ...server.env },
          cwd: server.cwd,
          stderr: "inherit",
        });
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => {});
    throw new InteropConfigError(`Could not connect to the MCP server ${where}: ${(error as Error).message}. Check the command (or URL) runs an MCP server.`, {
      cause: error,
    });
  }
  return {
    client,
    async tools() {
      const specs: MCPToolSpec[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined);
        for (const tool of page.tools) specs.push({ name: tool.name, description: tool.description ?? "", parameters: tool.inputSchema });
        cursor = page.nextCursor;
      } while (cursor);
      return specs;
    },
    async call(name, args = {}, options = {}) {
      let result: CallToolResult;
      try {
        result = (await client.callTool({ name, arguments: args }, undefined, { signal: options.signal })) as CallToolResult;
      } catch (error) {
        if (options.signal?.aborted) throw error;
        throw new MCPToolError(name, `MCP tool "${name}" could not be called: ${(error as Error).message}`, { cause: error });
      }
      const text = result.content
        .flatMap((block) => (block.type === "text" ? [block.text] : []))
        .join("\n");
      if (result.isError) throw new MCPToolError(name, `MCP tool "${name}" failed: ${text || "(no message)"}`);
      return { text, data: result.structuredContent, content: result.content };
    },
    close: () => client.close(),
  };
}
