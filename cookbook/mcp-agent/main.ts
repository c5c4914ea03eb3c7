import { fileURLToPath } from "node:url";
import { connectMCP, withTextSink } from "@flowlet/interop";
import { createLLM } from "@flowlet/llm";
import { runMain } from "../shared/cli.js";
import { createMCPAgentFlow } from "./flow.js";
import { newStore } from "./nodes.js";

// npx tsx --conditions=@flowlet/source cookbook/mcp-agent/main.ts "What is 23 × 19, plus 4?"
// Starts ./server.ts as an MCP server over stdio; the LLM comes from FLOWLET_LLM_* (see @flowlet/llm).
runMain(async () => {
  const question = process.argv.slice(2).join(" ") || "What is 23 times 19, plus 4? And what is 21 °C in °F?";
  const server = fileURLToPath(new URL("./server.ts", import.meta.url));
  const mcp = await connectMCP({ command: process.execPath, args: ["--import", "tsx", server] });
  try {
    const shared = newStore(question);
    const hooks = { nodeEnd: ({ node }: { node: string }) => node === "ExecuteTool" && console.log(`🔧 ${describeLast(shared.messages)}`) };
    await withTextSink(
      (delta) => process.stdout.write(delta),
      () => createMCPAgentFlow(createLLM(), mcp).run(shared, { hooks }),
    );
    process.stdout.write("\n");
  } finally {
    await mcp.close();
  }
});

function describeLast(messages: ReturnType<typeof newStore>["messages"]): string {
  const last = messages.at(-1);
  return last?.role === "tool" ? `${last.name} → ${last.content}` : "";
}
