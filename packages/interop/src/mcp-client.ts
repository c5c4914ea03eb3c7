import type { ToolSpec } from "@flowlet/llm";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StdioClientTransport, getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type CallToolResult, ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { InteropConfigError, InteropTimeoutError, MCPRequestError, MCPToolError } from "./errors.js";

/** What every MCP connection can tune. */
export interface MCPConnectOptions {
  /**
   * Default timeout of each request, in ms. A progress notification from the server restarts it,
   * so a long tool that reports progress is never cut off. Default 60,000 (the SDK's).
   */
  timeoutMs?: number;
  /**
   * After the connection drops (a stdio server crashed, an HTTP server restarted), the next request
   * reconnects, trying `attempts` times with a delay doubling from `initialDelayMs` up to
   * `maxDelayMs`. Defaults 5, 100 ms, 5,000 ms; `{ attempts: 0 }` turns reconnecting off.
   */
  reconnect?: { attempts?: number; initialDelayMs?: number; maxDelayMs?: number };
}

/** An MCP server to start and talk to over stdio. */
export interface MCPStdioServer extends MCPConnectOptions {
  command: string;
  args?: string[];
  /** Added to a minimal safe environment (PATH, HOME…): the parent's secrets are not passed on. */
  env?: Record<string, string>;
  cwd?: string;
}

/** A running MCP server to talk to over HTTP. */
export interface MCPHttpServer extends MCPConnectOptions {
  url: string | URL;
  /** Sent with every request, e.g. `{ Authorization: "Bearer …" }`. */
  headers?: Record<string, string>;
  /**
   * "streamable-http" (the current transport), "sse" (the legacy HTTP+SSE one, for servers from
   * before 2025-03-26), or "auto" (default): streamable HTTP, falling back to SSE when the server
   * answers it with 400, 404 or 405.
   */
  transport?: "auto" | "streamable-http" | "sse";
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

/** A progress notification from the server, as `call`'s `onProgress` receives it. */
export interface MCPProgress {
  progress: number;
  total?: number;
  message?: string;
}

/** Options of one tool call. */
export interface MCPCallOptions {
  signal?: AbortSignal;
  /** This call's timeout, in ms; progress restarts it. Default: the connection's `timeoutMs`. */
  timeoutMs?: number;
  /** Receives the server's progress notifications for this call (e.g. the text a flow tool streams). */
  onProgress?: (progress: MCPProgress) => void;
}

/** A resource the server lists. */
export interface MCPResource {
  uri: string;
  name: string;
  description?: string;
  mimeType?: string;
}

/** A resource's contents: `text` joins its text parts; `contents` has every part (blobs are base64). */
export interface MCPResourceContents {
  text: string;
  contents: { uri: string; mimeType?: string; text?: string; blob?: string }[];
}

/** A prompt template the server lists. */
export interface MCPPrompt {
  name: string;
  description?: string;
  arguments: { name: string; description?: string; required?: boolean }[];
}

/** A prompt, filled in: its messages' text parts, ready for a model. */
export interface MCPPromptMessages {
  description?: string;
  messages: { role: "user" | "assistant"; text: string }[];
}

/** An open connection to one MCP server. */
export interface MCPConnection {
  /** The official SDK client now in use, for anything beyond this interface (it changes on reconnect). */
  readonly client: Client;
  /** The transport in use: "stdio", "streamable-http" or "sse". */
  readonly transport: "stdio" | "streamable-http" | "sse";
  /** Every tool the server offers, as tool specs for an LLM (all pages). */
  tools(): Promise<MCPToolSpec[]>;
  /**
   * Calls a tool. A tool that reports an error (`isError`), a name the server does not know or
   * invalid arguments reject with {@link MCPToolError}; a timeout with `InteropTimeoutError`; a
   * dropped connection with {@link MCPRequestError} (the next call reconnects).
   */
  call(name: string, args?: Record<string, unknown>, options?: MCPCallOptions): Promise<MCPToolResult>;
  /** Every resource the server lists (all pages). */
  resources(): Promise<MCPResource[]>;
  /** Reads a resource by URI. */
  readResource(uri: string): Promise<MCPResourceContents>;
  /** Every prompt template the server lists (all pages). */
  prompts(): Promise<MCPPrompt[]>;
  /** Fills in a prompt template. */
  getPrompt(name: string, args?: Record<string, string>): Promise<MCPPromptMessages>;
  /** Disconnects; for stdio, ends the server process. */
  close(): Promise<void>;
}

type Kind = MCPConnection["transport"];

/**
 * Connects to an MCP server with `@modelcontextprotocol/sdk`: a command to spawn (stdio) or a URL
 * (streamable HTTP, or legacy HTTP+SSE). Open it once and share it across runs: each call is one
 * request, not a new server process. A dropped connection is reopened on the next request.
 *
 * @example
 * const mcp = await connectMCP({ command: "npx", args: ["tsx", "server.ts"] });
 * const tools = await mcp.tools();                    // pass to llm.chat(prompt, { tools })
 * const { text } = await mcp.call("add", { a: 1, b: 2 });
 */
export async function connectMCP(
  server: MCPStdioServer | MCPHttpServer,
  info = { name: "flowlet", version: "0.1.0" },
): Promise<MCPConnection> {
  const link = new Link(server, info);
  await link.open();
  return link.connection();
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** One server: the current client, and reopening it after the connection drops. */
class Link {
  readonly #server: MCPStdioServer | MCPHttpServer;
  readonly #info: { name: string; version: string };
  readonly #where: string;
  #client: Client | undefined;
  #kind: Kind = "stdio";
  #lost = false;
  #closed = false;
  #reopening: Promise<Client> | undefined;

  constructor(server: MCPStdioServer | MCPHttpServer, info: { name: string; version: string }) {
    this.#server = server;
    this.#info = info;
    this.#where = "url" in server ? String(server.url) : [server.command, ...(server.args ?? [])].join(" ");
    const timeoutMs = server.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0))
      throw new InteropConfigError(`connectMCP's timeoutMs must be a positive number of ms, got ${String(server.timeoutMs)}.`);
  }

  /** Opens the first connection: a failure here is a configuration problem, said as such. */
  async open(): Promise<void> {
    try {
      this.#client = await this.#connect();
    } catch (error) {
      throw new InteropConfigError(
        `Could not connect to the MCP server ${this.#where}: ${(error as Error).message}. Check the command (or URL) runs an MCP server.`,
        { cause: error },
      );
    }
  }

  async #connect(): Promise<Client> {
    const server = this.#server;
    if (!("url" in server)) {
      const transport = new StdioClientTransport({
        command: server.command,
        args: server.args,
        env: { ...getDefaultEnvironment(), ...server.env },
        cwd: server.cwd,
        stderr: "inherit",
      });
      return this.#attach(transport, "stdio");
    }
    const url = new URL(server.url);
    const requestInit = { headers: server.headers };
    const mode = server.transport ?? "auto";
    if (mode === "sse") return this.#attach(new SSEClientTransport(url, { requestInit }), "sse");
    try {
      return await this.#attach(new StreamableHTTPClientTransport(url, { requestInit }), "streamable-http");
    } catch (error) {
      // A server from before streamable HTTP refuses its POST: speak its older HTTP+SSE instead.
      const legacy = error instanceof StreamableHTTPError && [400, 404, 405].includes(error.code ?? 0);
      if (mode === "auto" && legacy) return this.#attach(new SSEClientTransport(url, { requestInit }), "sse");
      throw error;
    }
  }

  async #attach(transport: StdioClientTransport | StreamableHTTPClientTransport | SSEClientTransport, kind: Kind): Promise<Client> {
    const client = new Client(this.#info);
    try {
      await client.connect(transport);
    } catch (error) {
      await client.close().catch(() => {});
      throw error;
    }
    client.onclose = () => {
      if (this.#client === client && !this.#closed) this.#lost = true;
    };
    this.#kind = kind;
    return client;
  }

  /** The client to send on: reopened first if the connection dropped. */
  async #ready(): Promise<Client> {
    if (this.#closed) throw new MCPRequestError(`The connection to the MCP server ${this.#where} is closed.`);
    if (!this.#lost && this.#client) return this.#client;
    this.#reopening ??= this.#reopen().finally(() => {
      this.#reopening = undefined;
    });
    return this.#reopening;
  }

  async #reopen(): Promise<Client> {
    const { attempts = 5, initialDelayMs = 100, maxDelayMs = 5_000 } = this.#server.reconnect ?? {};
    await this.#client?.close().catch(() => {});
    let last: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1))));
      if (this.#closed) break;
      try {
        this.#client = await this.#connect();
        this.#lost = false;
        return this.#client;
      } catch (error) {
        last = error;
      }
    }
    const why = last instanceof Error ? `: ${last.message}` : attempts === 0 ? " (reconnecting is off)" : "";
    throw new MCPRequestError(
      `Lost the connection to the MCP server ${this.#where}, and could not reconnect after ${attempts} attempts${why}.`,
      {
        cause: last,
      },
    );
  }

  /** Runs one request, turning the SDK's errors into ours. */
  async #request<T>(what: string, send: (client: Client) => Promise<T>, onOther: (error: Error) => Error, retried = false): Promise<T> {
    const client = await this.#ready();
    try {
      return await send(client);
    } catch (error) {
      if (!retried && error instanceof StreamableHTTPError && error.code === 404) {
        // The server expired our session (or restarted): it never ran this request, so send it again on a new one.
        this.#lost = true;
        return this.#request(what, send, onOther, true);
      }
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
        const ms = Number((error.data as { timeout?: unknown } | undefined)?.timeout) || 0;
        throw new InteropTimeoutError(
          ms,
          `The MCP server ${this.#where} did not answer ${what} in time (${error.message}). Pass a larger timeoutMs.`,
          {
            cause: error,
          },
        );
      }
      if (this.#lost || (error instanceof McpError && error.code === ErrorCode.ConnectionClosed)) {
        this.#lost = true;
        throw new MCPRequestError(
          `The MCP server ${this.#where} closed the connection during ${what} (did it crash?). The next request reconnects.`,
          { cause: error },
        );
      }
      throw onOther(error as Error);
    }
  }

  connection(): MCPConnection {
    const link = this;
    const timeout = (ms: number | undefined) => ms ?? this.#server.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const other = (what: string) => (error: Error) => new MCPRequestError(`MCP ${what} failed: ${error.message}`, { cause: error });
    return {
      get client() {
        return link.#client as Client;
      },
      get transport() {
        return link.#kind;
      },
      tools: () =>
        this.#request(
          "listing tools",
          async (client) => {
            const specs: MCPToolSpec[] = [];
            let cursor: string | undefined;
            do {
              const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: timeout(undefined) });
              for (const tool of page.tools)
                specs.push({ name: tool.name, description: tool.description ?? "", parameters: tool.inputSchema });
              cursor = page.nextCursor;
            } while (cursor);
            return specs;
          },
          other("tools/list"),
        ),
      call: async (name, args = {}, options = {}) => {
        const { signal, onProgress } = options;
        const result = await this.#request(
          `the call to tool "${name}"`,
          async (client) =>
            (await client.callTool({ name, arguments: args }, undefined, {
              signal,
              timeout: timeout(options.timeoutMs),
              // Always asked for, so that progress restarts the timeout even with no callback.
              onprogress: (p) => onProgress?.({ progress: p.progress, total: p.total, message: p.message }),
              resetTimeoutOnProgress: true,
            })) as CallToolResult,
          (error) => {
            if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : error;
            return new MCPToolError(name, `MCP tool "${name}" could not be called: ${error.message}`, { cause: error });
          },
        );
        const text = result.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("\n");
        if (result.isError) throw new MCPToolError(name, `MCP tool "${name}" failed: ${text || "(no message)"}`);
        return { text, data: result.structuredContent, content: result.content };
      },
      resources: () =>
        this.#request(
          "listing resources",
          async (client) => {
            const all: MCPResource[] = [];
            let cursor: string | undefined;
            do {
              const page = await client.listResources(cursor ? { cursor } : undefined, { timeout: timeout(undefined) });
              for (const r of page.resources) all.push({ uri: r.uri, name: r.name, description: r.description, mimeType: r.mimeType });
              cursor = page.nextCursor;
            } while (cursor);
            return all;
          },
          other("resources/list"),
        ),
      readResource: (uri) =>
        this.#request(
          `reading resource ${uri}`,
          async (client) => {
            const { contents } = await client.readResource({ uri }, { timeout: timeout(undefined) });
            const parts: MCPResourceContents["contents"] = contents.map((c) =>
              "text" in c
                ? { uri: c.uri, mimeType: c.mimeType, text: String(c.text) }
                : { uri: c.uri, mimeType: c.mimeType, blob: String(c.blob) },
            );
            return { text: parts.flatMap((p) => (p.text === undefined ? [] : [p.text])).join("\n"), contents: parts };
          },
          other(`resources/read of ${uri}`),
        ),
      prompts: () =>
        this.#request(
          "listing prompts",
          async (client) => {
            const all: MCPPrompt[] = [];
            let cursor: string | undefined;
            do {
              const page = await client.listPrompts(cursor ? { cursor } : undefined, { timeout: timeout(undefined) });
              for (const p of page.prompts) {
                const parameters = (p.arguments ?? []).map((a) => ({ name: a.name, description: a.description, required: a.required }));
                all.push({ name: p.name, description: p.description, arguments: parameters });
              }
              cursor = page.nextCursor;
            } while (cursor);
            return all;
          },
          other("prompts/list"),
        ),
      getPrompt: (name, args = {}) =>
        this.#request(
          `getting prompt "${name}"`,
          async (client) => {
            const result = await client.getPrompt({ name, arguments: args }, { timeout: timeout(undefined) });
            const messages = result.messages.map((m) => ({ role: m.role, text: m.content.type === "text" ? m.content.text : "" }));
            return { description: result.description, messages };
          },
          other(`prompts/get of "${name}"`),
        ),
      close: async () => {
        this.#closed = true;
        await this.#client?.close();
      },
    };
  }
}
