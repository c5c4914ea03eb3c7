import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import express from "express";
import { Flow, Node, type NodeContext } from "flowlet";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  InteropConfigError,
  InteropTimeoutError,
  type MCPConnection,
  MCPRequestError,
  MCPToolError,
  connectMCP,
  emitText,
  registerFlowTool,
  serveMCP,
} from "../src/index.js";

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

type Shared = { ms: number; talk: boolean; output?: unknown };
/** Works for `ms`, saying so every 100 ms when `talk` is set (each emitText is an MCP progress notification). */
class Work extends Node<Shared, Shared, string> {
  override prep(shared: Shared) {
    return shared;
  }
  override async exec({ ms, talk }: Shared, ctx: NodeContext) {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ctx.signal.throwIfAborted();
      if (talk) emitText("still working… ");
    }
    return `worked ${ms} ms`;
  }
  override post(shared: Shared, _: Shared, out: string) {
    shared.output = { done: out };
  }
}

function workServer() {
  const mcp = new McpServer({ name: "work", version: "1.0.0" });
  registerFlowTool(mcp, new Flow(new Work()), {
    name: "work",
    description: "Works for a while",
    inputSchema: { ms: z.number(), talk: z.boolean() },
    outputSchema: { done: z.string() },
    toShared: ({ ms, talk }) => ({ ms, talk }),
  });
  return mcp;
}

async function open(server: Parameters<typeof connectMCP>[0]): Promise<MCPConnection> {
  const connection = await connectMCP(server);
  closers.push(() => connection.close());
  return connection;
}

describe("connectMCP: long tools, timeouts and progress, over streamable HTTP", () => {
  it("a tool that reports progress outlives the timeout; a silent one times out with InteropTimeoutError", async () => {
    const http = await serveMCP(workServer);
    closers.push(() => http.close());
    // Seconds stand for the SDK's fixed 60 s: the timeout is the connection's (and each call's) to set.
    const mcp = await open({ url: http.url, timeoutMs: 400 });
    const progress: string[] = [];
    const started = performance.now();
    const result = await mcp.call("work", { ms: 1_500, talk: true }, { onProgress: (p) => progress.push(p.message ?? "") });
    expect(performance.now() - started).toBeGreaterThan(1_400);
    expect(result.data).toEqual({ done: "worked 1500 ms" });
    expect(progress.length).toBeGreaterThan(5);

    const silent = await mcp.call("work", { ms: 1_500, talk: false }).catch((e: unknown) => e);
    expect(silent).toBeInstanceOf(InteropTimeoutError);
    expect(String(silent)).toMatch(/did not answer the call to tool "work" in time.*Pass a larger timeoutMs/);
    // A per-call timeout overrides the connection's.
    expect((await mcp.call("work", { ms: 600, talk: false }, { timeoutMs: 3_000 })).text).toContain("worked 600 ms");
  });

  it("serveMCP declares the flow tool's outputSchema", async () => {
    const http = await serveMCP(workServer);
    closers.push(() => http.close());
    const client = new Client({ name: "t", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
    closers.push(() => client.close());
    const { tools } = await client.listTools();
    expect(tools[0]?.outputSchema).toMatchObject({ type: "object", properties: { done: { type: "string" } }, required: ["done"] });
  });
});

describe("serveMCP sessions", () => {
  it("expire after sessionIdleMs without a request; the client gets 404 and a new session works", async () => {
    const http = await serveMCP(workServer, { sessionIdleMs: 300 });
    closers.push(() => http.close());
    const transport = new StreamableHTTPClientTransport(new URL(http.url));
    const client = new Client({ name: "t", version: "1.0.0" });
    await client.connect(transport);
    expect(http.sessions).toBe(1);
    const session = transport.sessionId;
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(http.sessions).toBe(0);
    const stale = await fetch(http.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", "mcp-session-id": session ?? "" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" }),
    });
    expect(stale.status).toBe(404);
    await client.close().catch(() => {});
    const again = await open({ url: http.url });
    expect((await again.tools()).map((t) => t.name)).toEqual(["work"]);
  });

  it("connectMCP carries on after its session expired: the request goes again on a new session", async () => {
    const http = await serveMCP(workServer, { sessionIdleMs: 200 });
    closers.push(() => http.close());
    const mcp = await open({ url: http.url });
    expect((await mcp.call("work", { ms: 100, talk: false })).text).toContain("worked");
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(http.sessions).toBe(0);
    expect((await mcp.call("work", { ms: 100, talk: false })).text).toContain("worked");
    expect(http.sessions).toBe(1);
  });

  it("a session busy with a long call is not idle", async () => {
    const http = await serveMCP(workServer, { sessionIdleMs: 200 });
    closers.push(() => http.close());
    const mcp = await open({ url: http.url });
    expect((await mcp.call("work", { ms: 800, talk: false })).text).toContain("worked 800 ms");
  });

  it("refuses sessions past maxSessions with 503", async () => {
    const http = await serveMCP(workServer, { maxSessions: 1 });
    closers.push(() => http.close());
    await open({ url: http.url });
    const second = connectMCP({ url: http.url, transport: "streamable-http" });
    await expect(second).rejects.toThrow(InteropConfigError);
    await expect(second).rejects.toThrow(/Too many open sessions/);
  });
});

describe("connectMCP against a legacy HTTP+SSE server (official SDK's SSEServerTransport)", () => {
  it("falls back to SSE by itself, and lists and calls tools", async () => {
    const app = express();
    const transports = new Map<string, SSEServerTransport>();
    app.get("/mcp", async (_req, res) => {
      const transport = new SSEServerTransport("/messages", res);
      transports.set(transport.sessionId, transport);
      res.on("close", () => transports.delete(transport.sessionId));
      await workServer().connect(transport);
    });
    app.post("/messages", express.json(), async (req, res) => {
      const transport = transports.get(String(req.query.sessionId));
      if (!transport) return void res.status(404).end();
      await transport.handlePostMessage(req, res, req.body);
    });
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    const mcp = await open({ url });
    expect(mcp.transport).toBe("sse");
    expect((await mcp.tools()).map((t) => t.name)).toEqual(["work"]);
    expect((await mcp.call("work", { ms: 100, talk: true })).data).toEqual({ done: "worked 100 ms" });
  });
});

const kitchen = fileURLToPath(new URL("./fixtures/kitchen-server.ts", import.meta.url));
const kitchenServer = { command: process.execPath, args: ["--import", "tsx", kitchen] };

describe("connectMCP over stdio: crashes, resources and prompts", () => {
  it("reconnects with backoff after the server process crashes", async () => {
    const mcp = await open({ ...kitchenServer, reconnect: { initialDelayMs: 50 } });
    const before = (await mcp.call("pid")).text;
    const crashed = await mcp.call("crash").catch((e: unknown) => e);
    expect(crashed).toBeInstanceOf(MCPRequestError);
    expect(String(crashed)).toMatch(
      /closed the connection during the call to tool "crash" \(did it crash\?\)\. The next request reconnects/,
    );
    const after = (await mcp.call("pid")).text;
    expect(after).toMatch(/^\d+$/);
    expect(after).not.toBe(before);
  });

  it("says so when reconnecting fails", async () => {
    const mcp = await open({ ...kitchenServer, reconnect: { attempts: 0 } });
    await mcp.call("crash").catch(() => {});
    await expect(mcp.call("pid")).rejects.toThrow(
      /Lost the connection to the MCP server .* could not reconnect after 0 attempts \(reconnecting is off\)/,
    );
  });

  it("lists and reads resources, and lists and fills in prompts", async () => {
    const mcp = await open(kitchenServer);
    expect(await mcp.resources()).toEqual([{ uri: "note://readme", name: "readme", description: "The read-me", mimeType: "text/plain" }]);
    expect(await mcp.readResource("note://readme")).toEqual({
      text: "Read me first.",
      contents: [{ uri: "note://readme", mimeType: "text/plain", text: "Read me first." }],
    });
    expect((await mcp.readResource("note://shopping")).text).toBe("Note shopping.");
    await expect(mcp.readResource("nowhere://x")).rejects.toThrow(MCPRequestError);
    expect(await mcp.prompts()).toEqual([
      { name: "greet", description: "Greets someone", arguments: [{ name: "name", description: undefined, required: true }] },
    ]);
    expect((await mcp.getPrompt("greet", { name: "Ada" })).messages).toEqual([{ role: "user", text: "Say hello to Ada." }]);
    await expect(mcp.getPrompt("nope")).rejects.toThrow(/MCP prompts\/get of "nope" failed/);
    await expect(mcp.call("nope")).rejects.toThrow(MCPToolError);
  });
});
