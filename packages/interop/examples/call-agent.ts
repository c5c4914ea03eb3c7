// Terminal 2: a flow whose node calls the agent served by serve-agent.ts.
//   npx tsx --conditions=@flowlet/source packages/interop/examples/call-agent.ts "hello there agent"
// AGENT_URL (default http://127.0.0.1:41241/) and A2A_TOKEN come from the environment.
import { SendToAgent, withTextSink } from "@flowlet/interop";
import { Flow, Node, type NodeError } from "flowlet";

type Shared = { text: string; reply?: string; question?: string; taskId?: string };

const ask = new SendToAgent<Shared>({
  url: process.env.AGENT_URL ?? "http://127.0.0.1:41241/",
  token: process.env.A2A_TOKEN || undefined,
  message: (shared) => (shared.taskId ? { text: "yes", taskId: shared.taskId } : shared.text),
  save: (shared, result) => {
    if (result.state === "input-required") {
      shared.question = result.text;
      shared.taskId = result.taskId;
    } else shared.reply = result.text;
  },
});
/** This script answers the agent's question itself; a real app would ask its user. */
class Confirm extends Node<Shared> {
  override post(shared: Shared) {
    console.log(`\nagent asks: ${shared.question} → answering "yes"`);
  }
}
class PrintReply extends Node<Shared> {
  override post(shared: Shared) {
    console.log(`\nreply: ${shared.reply}`);
  }
}
ask.on("input-required", new Confirm()).next(ask);
ask.next(new PrintReply());

const shared: Shared = { text: process.argv.slice(2).join(" ") || "hello from another flow" };
process.stdout.write("streamed: ");
await withTextSink(
  (delta) => process.stdout.write(delta),
  () => new Flow(ask, { maxSteps: 5 }).run(shared),
).catch((error: NodeError) => {
  console.error(`\n${error.cause instanceof Error ? error.cause.message : error}`);
  process.exitCode = 1;
});
