import { createLLM } from "@flowlet/llm";
import { Flow } from "flowlet";
import { type ChatStore, Goodbye } from "../chat/nodes.js";
import { runMain } from "../shared/cli.js";
import { Terminal } from "../shared/terminal.js";
import { StreamingChatTurn } from "./nodes.js";

// npx tsx --conditions=@flowlet/source cookbook/streaming-chat/main.ts
// Ctrl-C stops the reply being written; at the prompt it (like Ctrl-D or "exit") leaves.
runMain(async () => {
  const llm = createLLM();
  const terminal = new Terminal();
  const turn = new StreamingChatTurn(llm, terminal);
  turn.on("continue", turn);
  turn.on("exit", new Goodbye(terminal));
  const shared: ChatStore = { messages: [{ role: "system", content: "You are a helpful, concise assistant." }] };
  try {
    await new Flow(turn, { name: "StreamingChat" }).run(shared);
  } finally {
    terminal.close();
  }
});
