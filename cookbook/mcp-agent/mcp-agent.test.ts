import { fileURLToPath } from "node:url";
import { type MCPConnection, connectMCP, withTextSink } from "@flowlet/interop";
import { createLLM } from "@flowlet/llm";
import { type FakeLLM, startFakeLLM } from "@flowlet/llm/testing";
import { MaxStepsExceededError } from "flowlet";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMCPAgentFlow } from "./flow.js";
import { newStore } from "./nodes.js";

// The example's own MCP server, as a real child process over stdio.
const server = fileURLToPath(new URL("./server.ts", import.meta.url));
let mcp: MCPConnection;
beforeAll(async () => {
  mcp = await connectMCP({ command: process.execPath, args: ["--import", "tsx", server] });
});
afterAll(() => mcp.close());

let fake: FakeLLM;
beforeEach(async () => {
  fake = await startFakeLLM();
});
afterEach(() => fake.close());

describe("MCP agent", () => {
  it("lets the model pick a tool, runs it on the MCP server, and answers from the result", async () => {
    fake.enqueue(
      { toolCalls: [{ name: "multiply", arguments: { a: 23, b: 19 } }] },
      { toolCalls: [{ name: "add", arguments: { a: 437, b: 4 } }] },
      "I have what I need.",
      "23 × 19 + 4 = 441.",
    );
    const shared = newStore("What is 23 × 19, plus 4?");
    const streamed: string[] = [];
    await withTextSink(
      (d) => streamed.push(d),
      () => createMCPAgentFlow(createLLM(fake.config), mcp).run(shared),
    );

    // The model was offered the server's tools, with their JSON Schemas.
    const offered = fake.requests[0]!.tools;
    expect(offered.map((t) => t.name).sort()).toEqual(["add", "celsius_to_fahrenheit", "divide", "multiply"]);
    expect(JSON.stringify(offered)).toContain('"required":["a","b"]');
    // Each tool result went back to the model, computed by the server.
    expect(fake.requests[1]!.messages.at(-1)).toMatchObject({ role: "tool", name: "multiply", content: "437" });
    expect(fake.requests[2]!.messages.at(-1)).toMatchObject({ role: "tool", name: "add", content: "441" });
    // The answer was written without tools on offer, streamed, from the whole conversation.
    expect(fake.requests).toHaveLength(4);
    expect(fake.requests[3]!).toMatchObject({ stream: true, tools: [] });
    expect(fake.requests[3]!.messages.filter((m) => m.role === "tool")).toHaveLength(2);
    expect(streamed.join("")).toBe("23 × 19 + 4 = 441.");
    expect(streamed.length).toBeGreaterThan(1);
    expect(shared.answer).toBe("23 × 19 + 4 = 441.");
  });

  it("runs every call of a multi-call turn before asking the model again", async () => {
    fake.enqueue(
      {
        toolCalls: [
          { name: "celsius_to_fahrenheit", arguments: { celsius: 21 } },
          { name: "add", arguments: { a: 1, b: 2 } },
        ],
      },
      "Done.",
      "21 °C is 70 °F, and 1 + 2 = 3.",
    );
    const shared = newStore("21 °C in °F, and 1 + 2?");
    await createMCPAgentFlow(createLLM(fake.config), mcp).run(shared);
    expect(fake.requests).toHaveLength(3);
    const results = fake.requests[1]!.messages.filter((m) => m.role === "tool");
    expect(results.map((m) => (m.role === "tool" ? [m.name, m.content] : []))).toEqual([
      ["celsius_to_fahrenheit", "70"],
      ["add", "3"],
    ]);
    expect(shared.answer).toBe("21 °C is 70 °F, and 1 + 2 = 3.");
  });

  it("hands a tool's error back to the model, which can recover", async () => {
    fake.enqueue({ toolCalls: [{ name: "divide", arguments: { a: 1, b: 0 } }] }, "No more tools.", "Dividing by zero is undefined.");
    const shared = newStore("What is 1 / 0?");
    await createMCPAgentFlow(createLLM(fake.config), mcp).run(shared);
    expect(fake.requests[1]!.messages.at(-1)).toMatchObject({
      role: "tool",
      content: 'Error: MCP tool "divide" failed: Cannot divide by zero.',
    });
    expect(shared.answer).toBe("Dividing by zero is undefined.");
  });

  it("stops a model that never stops calling tools", async () => {
    fake.respond(() => ({ toolCalls: [{ name: "add", arguments: { a: 1, b: 1 } }] }));
    const shared = newStore("loop");
    await expect(createMCPAgentFlow(createLLM(fake.config), mcp, 6).run(shared)).rejects.toBeInstanceOf(MaxStepsExceededError);
    expect(shared.answer).toBeUndefined();
  });
});
