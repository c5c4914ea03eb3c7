import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { Flow, Node, type NodeContext } from "flowlet";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { registerFlowTool, serveA2A, serveMCP } from "../src/index.js";
import { connect, request } from "./a2a-helpers.js";

type Shared = { input: string; output?: string };

/** Streams its words through the core's ctx.emit, in each of the forms that carry text. */
class Words extends Node<Shared, string, string> {
  override prep(shared: Shared) {
    return shared.input;
  }
  override async exec(input: string, ctx: NodeContext) {
    const [a = "", b = "", c = ""] = input.split(" ");
    await ctx.emit(`${a} `);
    await new Promise((resolve) => setTimeout(resolve, 60)); // past the delta interval: a second update
    await ctx.emit({ token: `${b} ` });
    await ctx.emit({ text: c });
    await ctx.emit({ progress: 0.5 }); // no text: not streamed
    return input;
  }
  override post(shared: Shared, _: string, output: string) {
    shared.output = output.toUpperCase();
  }
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe("ctx.emit streams like emitText", () => {
  it("as A2A artifact deltas, before the final value", async () => {
    const server = await serveA2A(new Flow(new Words()), { card: { name: "Words", description: "Emits its words" } });
    closers.push(() => server.close());
    const client = await connect(server.url);
    let streamed = "";
    let final = "";
    for await (const { payload } of client.sendMessageStream(request("one two three"))) {
      if (payload?.$case !== "artifactUpdate") continue;
      const text = payload.value.artifact?.parts.map((p) => (p.content?.$case === "text" ? p.content.value : "")).join("") ?? "";
      if (payload.value.lastChunk) final = text;
      else streamed += text;
    }
    expect(streamed).toBe("one two three");
    expect(final).toBe("ONE TWO THREE");
  });

  it("as MCP progress notifications", async () => {
    const token = "emit-token-0123456789abcdef";
    const build = () => {
      const mcp = new McpServer({ name: "words", version: "1.0.0" });
      registerFlowTool(mcp, new Flow(new Words()), {
        name: "words",
        description: "Emits its words",
        inputSchema: { input: z.string() },
        toShared: ({ input }) => ({ input }),
      });
      return mcp;
    };
    const server = await serveMCP(build, { token });
    closers.push(() => server.close());
    const client = new Client({ name: "test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
    );
    closers.push(() => client.close());
    const progress: string[] = [];
    await client.callTool({ name: "words", arguments: { input: "one two three" } }, undefined, {
      onprogress: (p) => progress.push(String(p.message)),
    });
    expect(progress).toEqual(["one ", "two ", "three"]);
  });
});
