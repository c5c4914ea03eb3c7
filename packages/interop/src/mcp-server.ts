import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { McpServer, RegisteredTool } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { type CallToolResult, isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { RequestHandler } from "express";
import type { Flow } from "flowlet";
import type { z } from "zod";
import { withTextSink } from "./emit-text.js";
import { INVALID_REQUEST, type ListenOptions, baseUrl, guardedApp, lastResort, listen, rpcError, shut } from "./http.js";

export interface FlowToolOptions<S, Shape extends z.ZodRawShape> {
  /** The tool's name, as models see it. */
  name: string;
  title?: string;
  /** What the tool does, for the model that decides whether to call it. */
  description: string;
  /** The arguments, as a zod shape: `{ question: z.string() }`. The SDK validates calls against it. */
  inputSchema: Shape;
  /** Builds the run's shared store from the (validated) arguments. */
  toShared: (args: z.infer<z.ZodObject<Shape>>) => S | Promise<S>;
  /**
   * Reads the result from the finished run's shared store. A string is returned as text; an
   * object also as `structuredContent`. Default: `shared.output`.
   */
  fromShared?: (shared: S) => unknown;
  /** Params for every run. */
  params?: Record<string, unknown>;
}

/**
 * Registers a flow as a tool of an `McpServer` (`@modelcontextprotocol/sdk`): each call runs the
 * flow once. Cancelling the call aborts the run; text the flow streams with `emitText` goes out
 * as progress notifications when the caller asked for progress. A failing run becomes an
 * `isError` result carrying the error's message, so the calling model can read it.
 *
 * @example
 * const server = new McpServer({ name: "qa", version: "1.0.0" });
 * registerFlowTool(server, qaFlow, { name: "ask", description: "Answers a question",
 *   inputSchema: { question: z.string() }, toShared: ({ question }) => ({ question }) });
 * await server.connect(new StdioServerTransport());
 */
export function registerFlowTool<S, Shape extends z.ZodRawShape>(server: McpServer, flow: Flow<S>, options: FlowToolOptions<S, Shape>): RegisteredTool {
  const fromShared = options.fromShared ?? ((shared: S) => (shared as { output?: unknown }).output);
  const run = async (args: z.infer<z.ZodObject<Shape>>, extra: ToolExtra): Promise<CallToolResult> => {
    const token = extra._meta?.progressToken;
    let progress = 0;
    const sink = (delta: string) => {
      if (token === undefined) return;
      const params = { progressToken: token, progress: ++progress, message: delta };
      extra.sendNotification({ method: "notifications/progress", params }).catch(() => {});
    };
    try {
      const shared = await options.toShared(args);
      await withTextSink(sink, () => flow.run(shared, { signal: extra.signal, params: options.params }));
      return toolResult(fromShared(shared));
    } catch (error) {
      return { isError: true, content: [{ type: "text", text: error instanceof Error ? error.message : String(error) }] };
    }
  };
  const config = { title: options.title, description: options.description, inputSchema: options.inputSchema };
  // The SDK types the callback by a conditional over the schema's type, which TypeScript cannot
  // resolve for a generic Shape; `run` has the exact shape it resolves to for a zod shape.
  return server.registerTool(options.name, config, run as never);
}

/** The part of the SDK's request context a flow tool uses. */
interface ToolExtra {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number };
  sendNotification(notification: { method: "notifications/progress"; params: Record<string, unknown> }): Promise<void>;
}

function toolResult(value: unknown): CallToolResult {
  if (typeof value === "string") return { content: [{ type: "text", text: value }] };
  const text = JSON.stringify(value ?? null);
  const structured = value !== null && typeof value === "object" && !Array.isArray(value);
  return structured ? { content: [{ type: "text", text }], structuredContent: value as Record<string, unknown> } : { content: [{ type: "text", text }] };
}

/** A running MCP server over streamable HTTP. */
export interface MCPHttpHandle {
  /** The endpoint, e.g. "http://127.0.0.1:3000/mcp": give it to clients. */
  url: string;
  port: number;
  /** Ends every session and stops listening. */
  close(): Promise<void>;
}

/**
 * Serves MCP over streamable HTTP, one session per client, with the same guards as `serveA2A`:
 * loopback by default (with DNS-rebinding protection), a bearer token required anywhere else, a
 * body size limit. `build` makes the server for each new session (an `McpServer` serves one
 * connection), typically registering flows with {@link registerFlowTool}.
 *
 * For a local tool, stdio needs none of this: `await build().connect(new StdioServerTransport())`.
 */
export async function serveMCP(build: () => McpServer, options: ListenOptions & { path?: string } = {}): Promise<MCPHttpHandle> {
  const { app, host, auth, json } = guardedApp("MCP", options);
  const path = options.path ?? "/mcp";
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  if (auth) app.use(auth);
  app.use(path, ...json);
  app.post(path, async (req, res) => {
    const id = req.get("mcp-session-id");
    let transport = id === undefined ? undefined : sessions.get(id);
    if (!transport) {
      if (id !== undefined) return void res.status(404).json(rpcError(-32001, "Session not found: start a new session with initialize."));
      if (!isInitializeRequest(req.body)) return void res.status(400).json(rpcError(INVALID_REQUEST, "No session: the first request must be initialize."));
      const fresh = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sessionId) => void sessions.set(sessionId, fresh),
      });
      fresh.onclose = () => {
        if (fresh.sessionId) sessions.delete(fresh.sessionId);
      };
      await build().connect(fresh);
      transport = fresh;
    }
    await transport.handleRequest(req, res, req.body);
  });
  // GET opens a session's notification stream; DELETE ends the session.
  const existing: RequestHandler = async (req, res) => {
    const transport = sessions.get(req.get("mcp-session-id") ?? "");
    if (!transport) return void res.status(404).json(rpcError(-32001, "Session not found."));
    await transport.handleRequest(req, res);
  };
  app.get(path, existing);
  app.delete(path, existing);
  app.use(lastResort);

  const server = createServer(app);
  const port = await listen(server, options.port ?? 0, host, "MCP");
  return {
    url: new URL(path, baseUrl(host, port)).href,
    port,
    close: async () => {
      await Promise.all([...sessions.values()].map((t) => t.close()));
      await shut(server);
    },
  };
}
