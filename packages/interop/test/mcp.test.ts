import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { Flow, Node, type NodeContext, NodeError } from "flowlet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CallMCPTool,
  InteropConfigError,
  type MCPConnection,
  type MCPHttpHandle,
  MCPToolError,
  type MCPToolResult,
  connectMCP,
  emitText,
  registerFlowTool,
  serveMCP,
} from "../src/index.js";

const fixture = fileURLToPath(new URL("./fixtures/math-server.ts", import.meta.url));
/** The fixture as a real child process, run by node with tsx's loader. */
const mathServer = { command: process.execPath, args: ["--import", "tsx", fixture], env: { FLOWLET_VISIBLE: "yes" } };

describe("connectMCP over stdio, against a server process built with the official SDK", () => {
  let mcp: MCPConnection;
  beforeAll(async () => {
    process.env.FLOWLET_TEST_SECRET = "do-not-leak";
    mcp = await connectMCP(mathServer);
  });
  afterAll(async () => {
    delete process.env.FLOWLET_TEST_SECRET;
    await mcp.close();
  });

  it("lists the tools as specs for LLM tool calling", async () => {
    const tools = await mcp.tools();
    expect(tools.map((t) => t.name)).toEqual(["add", "divide", "env"]);
    expect(tools[0]).toMatchObject({
      name: "add",
      description: "Adds two numbers",
      parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
    });
  });

  it("calls a tool and returns its text and structured content", async () => {
    expect(await mcp.call("add", { a: 2, b: 40 })).toMatchObject({ text: "42", data: { sum: 42 } });
  });

  it("turns a tool's own error and an unknown tool into MCPToolError", async () => {
    const failed = await mcp.call("divide", { a: 1, b: 0 }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(MCPToolError);
    expect(failed).toMatchObject({ tool: "divide", message: 'MCP tool "divide" failed: cannot divide by zero' });
    await expect(mcp.call("nope", {})).rejects.toThrow(MCPToolError);
    const invalid = await mcp.call("add", { a: "two" }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(MCPToolError);
    expect(String(invalid)).toMatch(/MCP tool "add" failed: .*a/);
  });

  it("passes the server only a safe environment plus what it was given", async () => {
    expect((await mcp.call("env", { name: "FLOWLET_VISIBLE" })).text).toBe("set: yes");
    expect((await mcp.call("env", { name: "FLOWLET_TEST_SECRET" })).text).toBe("unset");
  });

  it("CallMCPTool executes a chosen call inside a flow, sharing one connection across runs", async () => {
    type Shared = { call: { name: string; arguments: unknown }; result?: MCPToolResult };
    const node = new CallMCPTool<Shared>({
      connection: mcp,
      call: (s) => s.call,
      save: (s, result) => {
        s.result = result;
      },
    });
    const runs = [1, 2, 3].map(async (n) => {
      const shared: Shared = { call: { name: "add", arguments: { a: n, b: 10 } } };
      await new Flow(node).run(shared);
      return shared.result?.text;
    });
    expect(await Promise.all(runs)).toEqual(["11", "12", "13"]);

    const error = await new Flow(node).run({ call: { name: "divide", arguments: { a: 1, b: 0 } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).cause).toBeInstanceOf(MCPToolError);
  });

  it("reports a command that is no MCP server with InteropConfigError", async () => {
    const bad = connectMCP({ command: process.execPath, args: ["-e", "process.exit(3)"] });
    await expect(bad).rejects.toThrow(InteropConfigError);
    await expect(bad).rejects.toThrow(/Could not connect to the MCP server/);
  });
});

describe("registerFlowTool + serveMCP, driven by the official client over streamable HTTP", () => {
  type Shared = { question: string; output?: unknown };
  let waitingRuns = 0;
  let abortedRuns = 0;
  class Answer extends Node<Shared, string, string> {
    override prep(s: Shared) {
      return s.question;
    }
    override async exec(question: string, ctx: NodeContext) {
      if (question === "fail") throw new Error("no answer for that");
      if (question === "wait") {
        waitingRuns++;
        await new Promise((_, reject) =>
          ctx.signal.addEventListener("abort", () => {
            abortedRuns++;
            reject(ctx.signal.reason);
          }),
        );
      }
      for (const word of ["forty", "two"]) emitText(word);
      return `${question} -> 42`;
    }
    override post(s: Shared, _: string, answer: string) {
      s.output = s.question === "json" ? { answer: 42, words: 2 } : answer;
    }
  }

  const TOKEN = "mcp-token-0123456789abcdef";
  let url: URL;
  let server: MCPHttpHandle;
  const build = () => {
    const mcp = new McpServer({ name: "flowlet-qa", version: "1.0.0" });
    registerFlowTool(mcp, new Flow(new Answer()), {
      name: "ask",
      description: "Answers a question",
      inputSchema: { question: z.string() },
      toShared: ({ question }) => ({ question }),
    });
    return mcp;
  };
  const transport = () => new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } });
  beforeAll(async () => {
    server = await serveMCP(build, { token: TOKEN, maxBodyBytes: 4096 });
    url = new URL(server.url);
  });
  afterAll(() => server.close());

  it("serves on 127.0.0.1 and refuses calls without the token", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = new Client({ name: "test", version: "1.0.0" });
    await expect(client.connect(new StreamableHTTPClientTransport(url))).rejects.toThrow(/Missing bearer token/);
    const wrong = new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: "Bearer nope" } } });
    await expect(new Client({ name: "test", version: "1.0.0" }).connect(wrong)).rejects.toThrow(/Invalid bearer token/);
  });

  it("answers oversized, malformed and sessionless requests with JSON-RPC errors", async () => {
    const post = async (body: string, headers: Record<string, string> = {}) => {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${TOKEN}`,
          "Content-Type": "application/json",
          Accept: "application/json, text/event-stream",
          ...headers,
        },
        body,
      });
      return { status: response.status, json: await response.json() };
    };
    expect(await post(JSON.stringify({ padding: "x".repeat(5000) }))).toMatchObject({ status: 413, json: { error: { code: -32600 } } });
    expect(await post("{oops")).toMatchObject({ json: { error: { code: -32700 } } });
    expect(await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }))).toMatchObject({
      status: 400,
      json: { error: { code: -32600 } },
    });
    const stale = await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }), { "mcp-session-id": "gone" });
    expect(stale).toMatchObject({ status: 404, json: { error: { code: -32001 } } });
  });

  it("lists the flow as a tool with its JSON Schema", async () => {
    const client = new Client({ name: "test", version: "1.0.0" });
    await client.connect(transport());
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(1);
    expect(tools[0]).toMatchObject({
      name: "ask",
      description: "Answers a question",
      inputSchema: { properties: { question: { type: "string" } } },
    });
    await client.close();
  });

  it("runs the flow per call; streamed text arrives as progress", async () => {
    const client = new Client({ name: "test", version: "1.0.0" });
    await client.connect(transport());
    const progress: string[] = [];
    const result = await client.callTool({ name: "ask", arguments: { question: "life" } }, undefined, {
      onprogress: (p) => progress.push(String(p.message)),
    });
    expect(result.content).toEqual([{ type: "text", text: "life -> 42" }]);
    expect(result.isError).toBeFalsy();
    expect(progress).toEqual(["forty", "two"]);

    const json = await client.callTool({ name: "ask", arguments: { question: "json" } });
    expect(json.structuredContent).toEqual({ answer: 42, words: 2 });
    expect(JSON.parse((json.content as { text: string }[])[0]!.text)).toEqual({ answer: 42, words: 2 });
    await client.close();
  });

  it("returns a failed run as an isError result, and rejects invalid arguments", async () => {
    const client = new Client({ name: "test", version: "1.0.0" });
    await client.connect(transport());
    const failed = await client.callTool({ name: "ask", arguments: { question: "fail" } });
    expect(failed.isError).toBe(true);
    expect(JSON.stringify(failed.content)).toContain("no answer for that");
    const invalid = await client.callTool({ name: "ask", arguments: { question: 7 } });
    expect(invalid.isError).toBe(true);
    await client.close();
  });

  it("aborts the run when the caller cancels", async () => {
    const client = new Client({ name: "test", version: "1.0.0" });
    await client.connect(transport());
    const controller = new AbortController();
    const call = client.callTool({ name: "ask", arguments: { question: "wait" } }, undefined, { signal: controller.signal });
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await until(() => waitingRuns === 1);
    controller.abort(new Error("user gave up"));
    await expect(call).rejects.toThrow(/user gave up/);
    // The client's cancellation notice reaches the server, which aborts the run's signal.
    await until(() => abortedRuns === 1);
    expect(abortedRuns).toBe(1);
    await client.close();
  });

  it("connectMCP reaches it too, by URL", async () => {
    const mcp = await connectMCP({ url, headers: { Authorization: `Bearer ${TOKEN}` } });
    expect((await mcp.tools()).map((t) => t.name)).toEqual(["ask"]);
    expect(await mcp.call("ask", { question: "q" })).toMatchObject({ text: "q -> 42" });
    await mcp.close();
  });
});
