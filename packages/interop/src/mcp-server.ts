import { randomUUID } from "node:crypto";
import type { McpServer, RegisteredTool } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { type CallToolResult, isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { RequestHandler } from "express";
import type { Flow, Hooks } from "flowlet";
import type { z } from "zod";
import { textOfEmit, withTextSink } from "./emit-text.js";
import { InteropConfigError } from "./errors.js";
import { INVALID_REQUEST, baseUrl, guardedApp, lastResort, listen, notFound, rpcError, shut } from "./http.js";
import type { ListenOptions } from "./listen-options.js";

export interface FlowToolOptions<S, Shape extends z.ZodRawShape> {
  /** The tool's name, as models see it. */
  name: string;
  title?: string;
  /** What the tool does, for the model that decides whether to call it. */
  description: string;
  /** The arguments, as a zod shape: `{ question: z.string() }`. The SDK validates calls against it. */
  inputSchema: Shape;
  /**
   * The result's shape, when the flow returns an object: declared to clients as the tool's
   * `outputSchema` (JSON Schema), and the SDK checks every result's `structuredContent` against it.
   */
  outputSchema?: z.ZodRawShape;
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
export function registerFlowTool<S, Shape extends z.ZodRawShape>(
  server: McpServer,
  flow: Flow<S>,
  options: FlowToolOptions<S, Shape>,
): RegisteredTool {
  const fromShared = options.fromShared ?? ((shared: S) => (shared as { output?: unknown }).output);
  const run = async (args: z.infer<z.ZodObject<Shape>>, extra: ToolExtra): Promise<CallToolResult> => {
    const token = extra._meta?.progressToken;
    let progress = 0;
    const sink = (delta: string) => {
      if (token === undefined || !delta) return;
      const params = { progressToken: token, progress: ++progress, message: delta };
      extra.sendNotification({ method: "notifications/progress", params }).catch(() => {});
    };
    try {
      const shared = await options.toShared(args);
      const hooks: Hooks = { custom: (e) => sink(textOfEmit(e.data) ?? "") }; // ctx.emit(text) streams as emitText(text)
      await withTextSink(sink, () => flow.run(shared, { signal: extra.signal, params: options.params, hooks }));
      return toolResult(fromShared(shared));
    } catch (error) {
      return { isError: true, content: [{ type: "text", text: error instanceof Error ? error.message : String(error) }] };
    }
  };
  const config = {
    title: options.title,
    description: options.description,
    inputSchema: options.inputSchema,
    outputSchema: options.outputSchema,
  };
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
  return structured
    ? { content: [{ type: "text", text }], structuredContent: value as Record<string, unknown> }
    : { content: [{ type: "text", text }] };
}

/** A running MCP server over streamable HTTP. */
export interface MCPHttpHandle {
  /** The endpoint, e.g. "http://127.0.0.1:3000/mcp": give it to clients. */
  url: string;
  port: number;
  /** How many client sessions are open now. */
  readonly sessions: number;
  /** Ends every session and stops listening. */
  close(): Promise<void>;
}

/** Where serveMCP listens, and how long it keeps sessions. */
export interface ServeMCPOptions extends ListenOptions {
  /** The endpoint's path. Default "/mcp". */
  path?: string;
  /**
   * A session with no request for this long is closed (clients that vanish without DELETE would
   * otherwise hold theirs for ever); its client gets 404 and starts a new one. A request in flight
   * keeps its session alive; an open notification stream (GET) alone does not. Default 30 minutes.
   */
  sessionIdleMs?: number;
  /** Most sessions open at once; past it, initialize gets HTTP 503. Default 1,000. */
  maxSessions?: number;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  lastSeen: number;
  inFlight: number;
}

/**
 * Serves MCP over streamable HTTP, one session per client, with the same guards as `serveA2A`:
 * loopback by default (with DNS-rebinding protection), a bearer token required anywhere else, a
 * body size limit, request timeouts and a connection cap; idle sessions expire. `build` makes the
 * server for each new session (an `McpServer` serves one connection), typically registering flows
 * with {@link registerFlowTool}.
 *
 * For a local tool, stdio needs none of this: `await build().connect(new StdioServerTransport())`.
 */
export async function serveMCP(build: () => McpServer, options: ServeMCPOptions = {}): Promise<MCPHttpHandle> {
  const guarded = guardedApp("MCP", options);
  const { app, host, auth, json } = guarded;
  const path = options.path ?? "/mcp";
  const idleMs = options.sessionIdleMs ?? 30 * 60_000;
  const maxSessions = options.maxSessions ?? 1000;
  if (!(idleMs > 0)) throw new InteropConfigError(`sessionIdleMs must be a positive number of ms, got ${String(options.sessionIdleMs)}.`);
  if (!(Number.isInteger(maxSessions) && maxSessions > 0)) {
    throw new InteropConfigError(`maxSessions must be a positive integer, got ${String(options.maxSessions)}.`);
  }
  const sessions = new Map<string, Session>();
  /** Counts a request against its session for as long as its response is open. */
  const track = (session: Session, res: { once(event: "close", listener: () => void): unknown }, counts = true) => {
    session.lastSeen = Date.now();
    if (!counts) return;
    session.inFlight++;
    res.once("close", () => {
      session.inFlight--;
      session.lastSeen = Date.now();
    });
  };
  if (auth) app.use(auth);
  app.use(path, ...json);
  app.post(path, async (req, res) => {
    const id = req.get("mcp-session-id");
    let session = id === undefined ? undefined : sessions.get(id);
    if (!session) {
      if (id !== undefined) return void res.status(404).json(rpcError(-32001, "Session not found: start a new session with initialize."));
      if (!isInitializeRequest(req.body))
        return void res.status(400).json(rpcError(INVALID_REQUEST, "No session: the first request must be initialize."));
      if (sessions.size >= maxSessions) {
        return void res
          .status(503)
          .json(rpcError(-32000, `Too many open sessions (${maxSessions}): end unused ones with DELETE, or try again later.`));
      }
      const fresh: Session = {
        transport: new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (sessionId) => void sessions.set(sessionId, fresh),
        }),
        lastSeen: Date.now(),
        inFlight: 0,
      };
      fresh.transport.onclose = () => {
        if (fresh.transport.sessionId) sessions.delete(fresh.transport.sessionId);
      };
      await build().connect(fresh.transport);
      session = fresh;
    }
    track(session, res);
    await session.transport.handleRequest(req, res, req.body);
  });
  // GET opens a session's notification stream; DELETE ends the session.
  const existing: RequestHandler = async (req, res) => {
    const session = sessions.get(req.get("mcp-session-id") ?? "");
    if (!session) return void res.status(404).json(rpcError(-32001, "Session not found."));
    track(session, res, req.method !== "GET");
    await session.transport.handleRequest(req, res);
  };
  app.get(path, existing);
  app.delete(path, existing);
  app.use(notFound(`this MCP server answers at ${path}.`));
  app.use(lastResort);

  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - idleMs;
      for (const session of sessions.values()) if (session.inFlight === 0 && session.lastSeen < cutoff) void session.transport.close();
    },
    Math.max(10, Math.min(60_000, Math.floor(idleMs / 4))),
  );
  sweep.unref();

  const server = guarded.server();
  const port = await listen(server, options.port ?? 0, host, "MCP").catch((error: unknown) => {
    clearInterval(sweep);
    throw error;
  });
  return {
    url: new URL(path, baseUrl(host, port)).href,
    port,
    get sessions() {
      return sessions.size;
    },
    close: async () => {
      clearInterval(sweep);
      await Promise.all([...sessions.values()].map((s) => s.transport.close()));
      await shut(server);
    },
  };
}
