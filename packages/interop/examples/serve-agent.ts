// Terminal 1: serve a flow as an A2A agent.
//   npx tsx --conditions=@flowlet/source packages/interop/examples/serve-agent.ts
// PORT (default 41241), A2A_TOKEN (optional bearer token) and WORD_DELAY_MS (default 150) come from the environment.
import { setTimeout as sleep } from "node:timers/promises";
import { emitText, serveA2A } from "@flowlet/interop";
import { Flow, MemorySaver, Node, type NodeContext } from "flowlet";

type Shared = { input: string; words?: string[]; output?: string };

/** Splits the message into words; a message that says "delete" needs a human's yes first. */
class Read extends Node<Shared, string, string[]> {
  override prep(shared: Shared) {
    return shared.input;
  }
  override exec(input: string, ctx: NodeContext) {
    if (/\bdelete\b/i.test(input) && ctx.interrupt<string>(`Really shout "${input}"? (yes/no)`).trim().toLowerCase() !== "yes") return [];
    return input.split(/\s+/).filter(Boolean);
  }
  override post(shared: Shared, _: string, words: string[]) {
    shared.words = words;
  }
}

/** Shouts the words back one at a time: each is a streamed text delta. */
class Shout extends Node<Shared, string[], string> {
  override prep(shared: Shared) {
    return shared.words ?? [];
  }
  override async exec(words: string[], ctx: NodeContext) {
    if (words.length === 0) return "(nothing to shout)";
    for (const word of words) {
      emitText(`${word.toUpperCase()} `);
      await sleep(Number(process.env.WORD_DELAY_MS ?? 150), undefined, { signal: ctx.signal });
    }
    return `${words.join(" ").toUpperCase()}!`;
  }
  override post(shared: Shared, _: string[], output: string) {
    shared.output = output;
  }
}

const read = new Read();
read.next(new Shout());
const server = await serveA2A(new Flow(read, { name: "Shouter" }), {
  card: { name: "Shouter", description: "Shouts back what you tell it, word by word." },
  port: Number(process.env.PORT ?? 41241),
  token: process.env.A2A_TOKEN || undefined,
  checkpoint: new MemorySaver(), // lets the "delete" question pause the task as input-required
});
console.log(`Shouter agent at ${server.url} (card: ${server.cardUrl})`);
process.once("SIGINT", () => void server.close());
process.once("SIGTERM", () => void server.close());
