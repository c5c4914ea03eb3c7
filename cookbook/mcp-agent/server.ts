// The small MCP server this example ships: a calculator and a unit converter, on stdio.
// Built with the official SDK alone, as any third-party MCP server would be.
//   npx tsx cookbook/mcp-agent/server.ts      (speaks MCP on stdin/stdout)
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "calculator", version: "1.0.0" });
const numbers = { a: z.number().describe("first operand"), b: z.number().describe("second operand") };
const result = (value: number) => ({ content: [{ type: "text" as const, text: String(value) }] });

server.registerTool("add", { description: "Add two numbers: a + b", inputSchema: numbers }, async ({ a, b }) => result(a + b));
server.registerTool("multiply", { description: "Multiply two numbers: a × b", inputSchema: numbers }, async ({ a, b }) => result(a * b));
server.registerTool("divide", { description: "Divide a by b", inputSchema: numbers }, async ({ a, b }) =>
  b === 0 ? { isError: true, content: [{ type: "text" as const, text: "Cannot divide by zero." }] } : result(a / b),
);
server.registerTool(
  "celsius_to_fahrenheit",
  { description: "Convert a temperature from °C to °F", inputSchema: { celsius: z.number() } },
  async ({ celsius }) => result(Math.round((celsius * 9) / 5 + 32)),
);

await server.connect(new StdioServerTransport());
