import { createLLM } from "@flowlet/llm";
import { Flow } from "flowlet";
import { runMain } from "../shared/cli.js";
import { Terminal } from "../shared/terminal.js";
import { type ChatStore, ChatTurn, Goodbye } from "./nodes.js";

// npx tsx --conditions=@flowlet/source cookbook/chat/main.ts   (type "exit", Ctrl-D or Ctrl-C to leave)
runMain(async () => {
  const llm = createLLM();
  const terminal = new Terminal();
  const turn = new ChatTurn(llm, terminal);
  turn.on("continue", turn);
  turn.on("exit", new Goodbye(terminal));
  const shared: ChatStore = { messages: [{ role: "system", content: "You are a helpful, concise assistant." }] };
  try {
    await new Flow(turn, { name: "Chat" }).run(shared);
  } finally {
    terminal.close();
  }
});
